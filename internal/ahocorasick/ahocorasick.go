// Package ahocorasick finds every occurrence of a fixed set of byte strings
// in one pass over a text: an Aho-Corasick automaton compiled to a DFA over
// byte classes, one table read per byte whatever the number of strings.
// The sanitizer (rule literals) and the scanner (secret stores, endpoints,
// rule anchors, intel indicators) both use it.
//
// A fold function says which bytes are the same to the automaton: the
// sanitizer reads a newline as a space, the scanner ignores ASCII case (and
// checks the exact bytes itself for strings that must match in case).
package ahocorasick

import "slices"

// Automaton is immutable after New and safe for concurrent use.
type Automaton struct {
	class  [256]uint8 // byte → column; 0 is "a byte no string uses"
	stride uint32     // the row stride: the number of columns (not rounded up: a rule
	// set in several scripts uses a hundred and more byte columns, and a
	// power-of-two stride would leave up to half of the table unused)
	// delta[row+col] is the next state as its row (state*stride). States
	// where strings end are numbered last, from matchRow on, so that the
	// loop follows one table read per byte and tests a hit with a compare
	// that is off the chain of dependent reads.
	delta    []uint32
	start    uint32  // the row of the root
	matchRow uint32  // rows at or above are states where strings end
	outStart []int32 // strings ending at state s: outIDs[outStart[s]:outStart[s+1]]
	outIDs   []int32 // through failure links, in id order
	length   []int32 // length of each string, by id
	longest  int     // length of the longest string
	states   int
}

// New compiles strs. fold maps each byte to the byte it stands for (nil:
// every byte stands for itself); strings are compiled through it too. An
// empty string never matches.
func New(strs []string, fold func(byte) byte) *Automaton {
	if fold == nil {
		fold = func(c byte) byte { return c }
	}
	a := &Automaton{length: make([]int32, len(strs))}
	ncols := 0
	for _, s := range strs {
		for i := 0; i < len(s); i++ {
			c := fold(s[i])
			if a.class[c] == 0 {
				ncols++
				a.class[c] = uint8(ncols)
			}
		}
	}
	for c := range 256 {
		a.class[c] = a.class[fold(byte(c))]
	}
	ncols++ // column 0
	a.stride = uint32(ncols)
	// Trie first; goto entries of -1 mean "no edge".
	type trieNode struct {
		next []int32
		out  []int32
	}
	nodes := []trieNode{{next: newRow(ncols)}}
	for id, s := range strs {
		a.length[id] = int32(len(s))
		if s == "" {
			continue
		}
		a.longest = max(a.longest, len(s))
		st := int32(0)
		for i := 0; i < len(s); i++ {
			col := a.class[s[i]]
			if nodes[st].next[col] < 0 {
				nodes = append(nodes, trieNode{next: newRow(ncols)})
				nodes[st].next[col] = int32(len(nodes) - 1)
			}
			st = nodes[st].next[col]
		}
		nodes[st].out = append(nodes[st].out, int32(id))
	}
	// Breadth-first: failure links, then fill the DFA rows.
	fail := make([]int32, len(nodes))
	delta := make([]int32, len(nodes)*ncols)
	out := make([][]int32, len(nodes))
	queue := make([]int32, 0, len(nodes))
	for col := 0; col < ncols; col++ {
		if nx := nodes[0].next[col]; nx >= 0 {
			delta[col] = nx
			queue = append(queue, nx)
		}
	}
	out[0] = nodes[0].out
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		out[st] = append(slices.Clip(nodes[st].out), out[fail[st]]...)
		for col := 0; col < ncols; col++ {
			nx := nodes[st].next[col]
			if nx < 0 {
				delta[int(st)*ncols+col] = delta[int(fail[st])*ncols+col]
				continue
			}
			fail[nx] = delta[int(fail[st])*ncols+col]
			delta[int(st)*ncols+col] = nx
			queue = append(queue, nx)
		}
	}
	// Renumber: states without strings ending first, then the others.
	a.states = len(nodes)
	num := make([]uint32, len(nodes))
	next := uint32(0)
	for pass := range 2 {
		if pass == 1 {
			a.matchRow = next * a.stride
		}
		for st := range nodes {
			if (len(out[st]) > 0) == (pass == 1) {
				num[st] = next
				next++
			}
		}
	}
	a.start = num[0] * a.stride
	a.delta = make([]uint32, len(nodes)*ncols)
	a.outStart = make([]int32, len(nodes)+1)
	byNum := make([]int32, len(nodes))
	for st := range nodes {
		for col := range ncols {
			a.delta[num[st]*a.stride+uint32(col)] = num[delta[st*ncols+col]] * a.stride
		}
		byNum[num[st]] = int32(st)
	}
	for n, st := range byNum {
		o := slices.Clone(out[st])
		slices.Sort(o)
		a.outIDs = append(a.outIDs, o...)
		a.outStart[n+1] = int32(len(a.outIDs))
	}
	return a
}

func newRow(n int) []int32 {
	r := make([]int32, n)
	for i := range r {
		r[i] = -1
	}
	return r
}

// Longest is the length of the longest string.
func (a *Automaton) Longest() int { return a.longest }

// States is the number of states; a Hit's ID (before expansion) is below it.
func (a *Automaton) States() int { return a.states }

// Len is the length of string id.
func (a *Automaton) Len(id int32) int32 { return a.length[id] }

// Hit is one occurrence of strings: the state where they end (see Outputs)
// or, once expanded by the caller, the id of one string; and the offset
// just past it.
type Hit struct{ ID, End int32 }

// Outputs are the ids of the strings that end at state, in id order.
func (a *Automaton) Outputs(state int32) []int32 {
	return a.outIDs[a.outStart[state]:a.outStart[state+1]]
}

// Each calls fn for every occurrence of a string in text, by end offset
// (exclusive), strings ending at the same byte in id order.
func (a *Automaton) Each(text []byte, fn func(id int32, end int)) {
	delta, class, m, row := a.delta, &a.class, a.matchRow, a.start
	for i, b := range text {
		if row = delta[row+uint32(class[b])]; row < m {
			continue
		}
		for _, id := range a.Outputs(int32(row / a.stride)) {
			fn(id, i+1)
		}
	}
}

// lanes is how many stretches of a long text Scan walks at once.
const lanes = 4

// Scratch is reusable memory for Scan: the hits of each lane.
type Scratch struct{ lane [lanes][]Hit }

// Scan appends every state where strings end, with its position, to hits,
// in order of position.
//
// A scan is a chain of dependent table reads, which a core cannot overlap,
// so a long text is scanned as four interleaved stretches: four chains run
// in little more than the time of one. Each stretch but the first starts
// early enough to see any string that ends in it.
func (a *Automaton) Scan(text []byte, hits []Hit, sc *Scratch) []Hit {
	if a.longest == 0 {
		return hits
	}
	q := len(text) / lanes
	if q < a.longest {
		hits, _ = a.walk(text, 0, len(text), a.start, hits, true)
		return hits
	}
	delta, class, m := a.delta, &a.class, a.matchRow
	// Lanes 1 to 3 start longest-1 bytes early, without noting hits; the
	// three warm-ups are walked together too.
	r0, r1, r2, r3 := a.start, a.start, a.start, a.start
	w := a.longest - 1
	u1, u2, u3 := text[q-w:q], text[2*q-w:2*q], text[3*q-w:3*q]
	for i := range u1 {
		r1 = delta[r1+uint32(class[u1[i]])]
		r2 = delta[r2+uint32(class[u2[i]])]
		r3 = delta[r3+uint32(class[u3[i]])]
	}
	for k := range sc.lane {
		sc.lane[k] = sc.lane[k][:0]
	}
	t0, t1, t2, t3 := text[:q], text[q:2*q], text[2*q:3*q], text[3*q:4*q]
	_, _, _ = t1[len(t0)-1], t2[len(t0)-1], t3[len(t0)-1]
	for i := range t0 {
		r0 = delta[r0+uint32(class[t0[i]])]
		r1 = delta[r1+uint32(class[t1[i]])]
		r2 = delta[r2+uint32(class[t2[i]])]
		r3 = delta[r3+uint32(class[t3[i]])]
		if max(r0, r1, r2, r3) >= m { // the lanes' hits live in memory, not registers
			if r0 >= m {
				sc.lane[0] = append(sc.lane[0], Hit{ID: int32(r0 / a.stride), End: int32(i + 1)})
			}
			if r1 >= m {
				sc.lane[1] = append(sc.lane[1], Hit{ID: int32(r1 / a.stride), End: int32(q + i + 1)})
			}
			if r2 >= m {
				sc.lane[2] = append(sc.lane[2], Hit{ID: int32(r2 / a.stride), End: int32(2*q + i + 1)})
			}
			if r3 >= m {
				sc.lane[3] = append(sc.lane[3], Hit{ID: int32(r3 / a.stride), End: int32(3*q + i + 1)})
			}
		}
	}
	sc.lane[3], _ = a.walk(text, 4*q, len(text), r3, sc.lane[3], true) // the last few bytes
	for _, l := range sc.lane {
		hits = append(hits, l...)
	}
	return hits
}

// walk runs the automaton over text[from:to] from row, noting in hits the
// states where strings end when note is set, and returns the last row.
func (a *Automaton) walk(text []byte, from, to int, row uint32, hits []Hit, note bool) ([]Hit, uint32) {
	for i := from; i < to; i++ {
		row = a.delta[row+uint32(a.class[text[i]])]
		if row >= a.matchRow && note {
			hits = append(hits, Hit{ID: int32(row / a.stride), End: int32(i + 1)})
		}
	}
	return hits, row
}
