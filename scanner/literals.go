package scanner

import "slices"

// literalSet finds every occurrence of a fixed set of byte strings in one
// pass (an Aho-Corasick automaton over ASCII-case-folded bytes). The text
// checks look for dozens of literals (secret store paths, endpoint
// domains, the anchors of the text rules) in every file; one pass over a
// file costs about as much as a single bytes.Index.
type literalSet struct {
	lits  []string // as given
	fold  []bool   // match ignoring ASCII case
	class [256]uint8
	width int
	// next maps state*width + class of the next byte to the next
	// state*width (so that the scan loop does not multiply), complemented
	// (negative) when literals end in that state.
	next []int32
	out  [][]int32 // literal ids that end in each state
}

func newLiteralSet(lits []string, fold []bool) *literalSet {
	ls := &literalSet{lits: lits, fold: fold}
	// Bytes that occur in no literal share class 0, which keeps the table
	// small enough to stay in cache.
	ls.width = 1
	for _, l := range lits {
		for i := 0; i < len(l); i++ {
			if c := lower(l[i]); ls.class[c] == 0 {
				ls.class[c] = uint8(ls.width)
				ls.width++
			}
		}
	}
	for c := 'A'; c <= 'Z'; c++ {
		ls.class[c] = ls.class[c+'a'-'A']
	}
	// The trie, with -1 for a missing edge.
	goTo := [][]int32{ls.row()}
	ls.out = [][]int32{nil}
	for id, l := range lits {
		st := int32(0)
		for i := 0; i < len(l); i++ {
			c := ls.class[l[i]]
			if goTo[st][c] < 0 {
				goTo[st][c] = int32(len(goTo))
				goTo = append(goTo, ls.row())
				ls.out = append(ls.out, nil)
			}
			st = goTo[st][c]
		}
		ls.out[st] = append(ls.out[st], int32(id))
	}
	// Breadth first: fail links, then full transitions.
	fail := make([]int32, len(goTo))
	ls.next = make([]int32, len(goTo)*ls.width)
	queue := []int32{}
	for c := 0; c < ls.width; c++ {
		if t := goTo[0][c]; t > 0 {
			queue = append(queue, t)
			ls.next[c] = t
		}
	}
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		ls.out[st] = append(ls.out[st], ls.out[fail[st]]...)
		for c := 0; c < ls.width; c++ {
			t := goTo[st][c]
			if t < 0 {
				ls.next[int(st)*ls.width+c] = ls.next[int(fail[st])*ls.width+c]
				continue
			}
			fail[t] = ls.next[int(fail[st])*ls.width+c]
			ls.next[int(st)*ls.width+c] = t
			queue = append(queue, t)
		}
	}
	for _, o := range ls.out {
		slices.Sort(o)
	}
	for i, t := range ls.next {
		if ls.next[i] = t * int32(ls.width); len(ls.out[t]) > 0 {
			ls.next[i] = ^ls.next[i]
		}
	}
	return ls
}

func (ls *literalSet) row() []int32 {
	r := make([]int32, ls.width)
	for i := range r {
		r[i] = -1
	}
	return r
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// each calls fn for every occurrence of a literal in src, by end offset
// (exclusive), literals ending at the same byte in id order.
func (ls *literalSet) each(src []byte, fn func(id, end int)) {
	next, class := ls.next, &ls.class
	st := int32(0)
	for i, b := range src {
		if st = next[st+int32(class[b])]; st >= 0 {
			continue
		}
		st = ^st
		for _, id := range ls.out[int(st)/ls.width] {
			if ls.fold[id] || string(src[i+1-len(ls.lits[id]):i+1]) == ls.lits[id] {
				fn(int(id), i+1)
			}
		}
	}
}
