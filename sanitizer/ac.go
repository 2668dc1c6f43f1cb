package sanitizer

import "slices"

// automaton is an Aho-Corasick matcher compiled to a DFA over byte classes:
// one table lookup per byte of text, whatever the number of strings.
type automaton struct {
	class [256]uint8 // byte → column; 0 is "a byte no string uses"
	ncols int
	// delta[row+col] is the next state as its row (state*ncols) shifted left
	// once, with the low bit set when strings end there, so that the loop
	// reads one table per byte.
	delta    []uint32
	outStart []int32 // strings ending at state s: outIDs[outStart[s]:outStart[s+1]]
	outIDs   []int32 // through failure links
	length   []int32 // length of each string, by id
	longest  int     // length of the longest string
	// recip is ceil(2^32/ncols): row*recip>>32 is row/ncols exactly for the
	// rows in delta, which are multiples of ncols, without a division.
	recip uint64
}

// foldByte is how the automaton sees a byte: a newline as a space, so that
// one literal serves both kinds of white space the normaliser leaves.
func foldByte(c byte) byte {
	if c == '\n' {
		return ' '
	}
	return c
}

func newAutomaton(strs []string) *automaton {
	a := &automaton{length: make([]int32, len(strs))}
	for _, s := range strs {
		for i := 0; i < len(s); i++ {
			c := foldByte(s[i])
			if a.class[c] == 0 {
				a.ncols++
				a.class[c] = uint8(a.ncols)
			}
		}
	}
	a.class['\n'] = a.class[' ']
	a.ncols++ // column 0
	// Trie first; goto entries of -1 mean "no edge".
	type trieNode struct {
		next []int32
		out  []int32
	}
	nodes := []trieNode{{next: newRow(a.ncols)}}
	for id, s := range strs {
		a.length[id] = int32(len(s))
		a.longest = max(a.longest, len(s))
		st := int32(0)
		for i := 0; i < len(s); i++ {
			col := a.class[foldByte(s[i])]
			if nodes[st].next[col] < 0 {
				nodes = append(nodes, trieNode{next: newRow(a.ncols)})
				nodes[st].next[col] = int32(len(nodes) - 1)
			}
			st = nodes[st].next[col]
		}
		nodes[st].out = append(nodes[st].out, int32(id))
	}
	// Breadth-first: failure links, then fill the DFA rows.
	fail := make([]int32, len(nodes))
	delta := make([]int32, len(nodes)*a.ncols)
	out := make([][]int32, len(nodes))
	queue := make([]int32, 0, len(nodes))
	for col := 0; col < a.ncols; col++ {
		if nx := nodes[0].next[col]; nx >= 0 {
			delta[col] = nx
			queue = append(queue, nx)
		}
	}
	out[0] = nodes[0].out
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		out[st] = append(nodes[st].out, out[fail[st]]...)
		for col := 0; col < a.ncols; col++ {
			nx := nodes[st].next[col]
			if nx < 0 {
				delta[int(st)*a.ncols+col] = delta[int(fail[st])*a.ncols+col]
				continue
			}
			fail[nx] = delta[int(fail[st])*a.ncols+col]
			delta[int(st)*a.ncols+col] = nx
			queue = append(queue, nx)
		}
	}
	a.delta = make([]uint32, len(delta))
	for i, nx := range delta {
		a.delta[i] = uint32(int(nx)*a.ncols) << 1
		if len(out[nx]) > 0 {
			a.delta[i] |= 1
		}
	}
	a.recip = (1<<32 + uint64(a.ncols) - 1) / uint64(a.ncols)
	a.outStart = make([]int32, len(nodes)+1)
	for st, ids := range out {
		a.outIDs = append(a.outIDs, ids...)
		a.outStart[st+1] = int32(len(a.outIDs))
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

// acHit is one occurrence of a string: its id and the offset just past it.
type acHit struct{ id, end int32 }

// acScratch is reusable memory for scan: the states, with positions, where
// strings end in each half of the text.
type acScratch struct{ a, b []acHit }

// scan appends every occurrence of every string in text to hits, in order
// of where they end.
//
// A scan is a chain of dependent table reads, which a core cannot overlap,
// so a long text is scanned as two interleaved halves: two chains run in
// the time of one. The second half starts early enough to see any string
// that ends in it. The loop only notes the rows where strings end; they are
// expanded into string ids afterwards.
func (a *automaton) scan(text []byte, hits []acHit, sc *acScratch) []acHit {
	rawA, rawB := slices.Grow(sc.a[:0], len(text)/8), slices.Grow(sc.b[:0], len(text)/8)
	mid := len(text) / 2
	warm := mid - (a.longest - 1)
	if warm < a.longest {
		rawA, _ = a.walk(text, 0, len(text), 0, rawA, true)
	} else {
		_, rowB := a.walk(text, warm, mid, 0, nil, false)
		rowA := uint32(0)
		delta, class := a.delta, &a.class
		ta, tb := text[:mid], text[mid:2*mid]
		for i := range ta {
			va := delta[rowA+uint32(class[ta[i]])]
			vb := delta[rowB+uint32(class[tb[i]])]
			rowA, rowB = va>>1, vb>>1
			if (va|vb)&1 != 0 {
				if va&1 != 0 {
					rawA = append(rawA, acHit{id: int32(rowA), end: int32(i + 1)})
				}
				if vb&1 != 0 {
					rawB = append(rawB, acHit{id: int32(rowB), end: int32(mid + i + 1)})
				}
			}
		}
		rawB, _ = a.walk(text, 2*mid, len(text), rowB, rawB, true) // an odd last byte
	}
	sc.a, sc.b = rawA, rawB
	for _, raw := range [2][]acHit{rawA, rawB} {
		for _, r := range raw {
			st := uint64(r.id) * a.recip >> 32
			for _, id := range a.outIDs[a.outStart[st]:a.outStart[st+1]] {
				hits = append(hits, acHit{id: id, end: r.end})
			}
		}
	}
	return hits
}

// walk runs the automaton over text[from:to] from row, noting in raw the
// rows where strings end when note is set, and returns the last row.
func (a *automaton) walk(text []byte, from, to int, row uint32, raw []acHit, note bool) ([]acHit, uint32) {
	for i := from; i < to; i++ {
		v := a.delta[row+uint32(a.class[text[i]])]
		row = v >> 1
		if v&1 != 0 && note {
			raw = append(raw, acHit{id: int32(row), end: int32(i + 1)})
		}
	}
	return raw, row
}
