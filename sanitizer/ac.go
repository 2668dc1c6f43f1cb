package sanitizer

// automaton is an Aho-Corasick matcher compiled to a DFA over byte classes:
// one table lookup per byte of text, whatever the number of strings.
type automaton struct {
	class  [256]uint8 // byte → column; 0 is "a byte no string uses"
	ncols  int
	delta  []int32   // delta[state*ncols+col] = next state
	out    [][]int32 // strings (ids) that end at each state, through failure links
	length []int     // length of each string, by id
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
	a := &automaton{length: make([]int, len(strs))}
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
		a.length[id] = len(s)
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
	a.delta = make([]int32, len(nodes)*a.ncols)
	a.out = make([][]int32, len(nodes))
	queue := make([]int32, 0, len(nodes))
	for col := 0; col < a.ncols; col++ {
		if nx := nodes[0].next[col]; nx >= 0 {
			a.delta[col] = nx
			queue = append(queue, nx)
		}
	}
	a.out[0] = nodes[0].out
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		a.out[st] = append(nodes[st].out, a.out[fail[st]]...)
		for col := 0; col < a.ncols; col++ {
			nx := nodes[st].next[col]
			if nx < 0 {
				a.delta[int(st)*a.ncols+col] = a.delta[int(fail[st])*a.ncols+col]
				continue
			}
			fail[nx] = a.delta[int(fail[st])*a.ncols+col]
			a.delta[int(st)*a.ncols+col] = nx
			queue = append(queue, nx)
		}
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

// scan calls hit(id, start) for every occurrence of every string in text.
func (a *automaton) scan(text string, hit func(id int32, start int)) {
	st := int32(0)
	for i := 0; i < len(text); i++ {
		st = a.delta[int(st)*a.ncols+int(a.class[text[i]])]
		if outs := a.out[st]; len(outs) > 0 {
			for _, id := range outs {
				hit(id, i+1-a.length[id])
			}
		}
	}
}
