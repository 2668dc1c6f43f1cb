package scanner

/*
#include <stdlib.h>
#include "syntax.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"unsafe"

	// The tree-sitter runtime and the grammars, linked for syntax.c.
	_ "github.com/smacker/go-tree-sitter"
	_ "github.com/smacker/go-tree-sitter/bash"
	_ "github.com/smacker/go-tree-sitter/javascript"
	_ "github.com/smacker/go-tree-sitter/python"
	_ "github.com/smacker/go-tree-sitter/typescript/tsx"
	_ "github.com/smacker/go-tree-sitter/typescript/typescript"

	// Headers for flatten.c.
	_ "github.com/openclaw-secure-stack/securestack/scanner/internal/tsabi"
)

// A syntax tree is parsed by tree-sitter and then copied, in one walk in C,
// into a flat array in Go memory. Analysis then reads nodes without calling
// into C: through go-tree-sitter every node access is a cgo call (about
// 100 ns), and a query that finds calls in a large bundle costs more than
// half as much as parsing it.

// grammar is a language's C handle with its symbol and field names.
type grammar struct {
	lang    *C.TSLanguage
	ok      bool              // the grammar fits the tree-sitter runtime
	symbols []string          // node type by symbol
	fields  map[string]uint16 // field id by name
}

func loadGrammar(l *C.TSLanguage) *grammar {
	g := &grammar{lang: l, fields: map[string]uint16{}}
	p := C.ts_parser_new()
	g.ok = bool(C.ts_parser_set_language(p, l))
	C.ts_parser_delete(p)
	for i := range uint16(C.ts_language_symbol_count(l)) {
		g.symbols = append(g.symbols, C.GoString(C.ts_language_symbol_name(l, C.uint16_t(i))))
	}
	for i := uint16(1); i <= uint16(C.ts_language_field_count(l)); i++ {
		g.fields[C.GoString(C.ts_language_field_name_for_id(l, C.uint16_t(i)))] = i
	}
	return g
}

// grammars are read once; they never change.
var grammars = [numLangs]*grammar{
	langJS:     loadGrammar(C.tree_sitter_javascript()),
	langTS:     loadGrammar(C.tree_sitter_typescript()),
	langTSX:    loadGrammar(C.tree_sitter_tsx()),
	langShell:  loadGrammar(C.tree_sitter_bash()),
	langPython: loadGrammar(C.tree_sitter_python()),
}

func init() {
	C.scan_init(C.int(runtime.NumCPU()))
}

// errorSymbol is the symbol tree-sitter gives ERROR nodes, outside every
// grammar's table.
const errorSymbol = 0xFFFF

// syntaxTree is a parsed source with its nodes in document order; node 0
// is the root.
type syntaxTree struct {
	g     *grammar
	src   []byte
	nodes []C.scan_node
}

// node is a node of a syntaxTree; the zero node stands for "none".
type node struct {
	t *syntaxTree
	i int32
}

func (t *syntaxTree) root() node { return node{t, 0} }

// broken reports a tree with syntax errors.
func (t *syntaxTree) broken() bool { return t.root().hasError() }

func (t *syntaxTree) at(i C.int32_t) node {
	if i < 0 {
		return node{}
	}
	return node{t, int32(i)}
}

func (n node) ok() bool { return n.t != nil }

func (n node) c() *C.scan_node { return &n.t.nodes[n.i] }

// typ is the node's type name; "" for none.
func (n node) typ() string {
	if n.t == nil {
		return ""
	}
	if s := int(n.c().symbol); s < len(n.t.g.symbols) {
		return n.t.g.symbols[s]
	}
	return "ERROR"
}

// textIs reports whether the node's source text is s, without copying it.
func (n node) textIs(s string) bool {
	return n.t != nil && string(n.t.src[n.c().start:n.c().end]) == s
}

func (n node) start() int { return int(n.c().start) }
func (n node) end() int   { return int(n.c().end) }

// text is the node's source text; "" for none.
func (n node) text() string {
	if n.t == nil {
		return ""
	}
	return string(n.t.src[n.c().start:n.c().end])
}

func (n node) parent() node { return n.t.at(n.c().parent) }
func (n node) firstChild() node {
	if n.t == nil {
		return node{}
	}
	return n.t.at(n.c().first)
}
func (n node) nextSibling() node { return n.t.at(n.c().next) }
func (n node) named() bool       { return n.c().flags&C.SCAN_NAMED != 0 }
func (n node) missing() bool     { return n.c().flags&C.SCAN_MISSING != 0 }
func (n node) hasError() bool    { return n.c().flags&C.SCAN_HAS_ERROR != 0 }
func (n node) isError() bool     { return n.c().symbol == errorSymbol }

// namedChild returns the k-th named child, or none.
func (n node) namedChild(k int) node {
	for c := n.firstChild(); c.ok(); c = c.nextSibling() {
		if c.named() {
			if k == 0 {
				return c
			}
			k--
		}
	}
	return node{}
}

func (n node) namedCount() int {
	k := 0
	for c := n.firstChild(); c.ok(); c = c.nextSibling() {
		if c.named() {
			k++
		}
	}
	return k
}

// namedChildren lists the named children.
func (n node) namedChildren() []node {
	var out []node
	for c := n.firstChild(); c.ok(); c = c.nextSibling() {
		if c.named() {
			out = append(out, c)
		}
	}
	return out
}

// lastNamed is the last named child: the property of a member expression,
// the arguments of a call.
func (n node) lastNamed() node {
	var last node
	for c := n.firstChild(); c.ok(); c = c.nextSibling() {
		if c.named() {
			last = c
		}
	}
	return last
}

// field returns the first child under the named field, or none.
func (n node) field(name string) node {
	if n.t == nil {
		return node{}
	}
	id, ok := n.t.g.fields[name]
	if !ok {
		return node{}
	}
	for c := n.firstChild(); c.ok(); c = c.nextSibling() {
		if uint16(c.c().field) == id {
			return c
		}
	}
	return node{}
}

// parsers holds what one goroutine needs to parse: the arena that
// tree-sitter allocates from during a parse, the cancellation flag and node
// arrays to reuse. A parsers value belongs to one goroutine.
type parsers struct {
	arena  *C.scan_arena
	cancel *C.size_t // set to stop a parse in progress
	free   [][]C.scan_node
}

// maxPooledNodes bounds the node arrays kept for reuse (28 bytes a node),
// so that one huge bundle does not pin its array for the rest of the scan.
const maxPooledNodes = 1 << 16

var errCancelled = errors.New("parse cancelled")

// watch makes the end of ctx stop the parse in progress; call the
// returned function when done.
func (ps *parsers) watch(ctx context.Context) (stop func() bool) {
	flag := (*uintptr)(unsafe.Pointer(ps.cancelFlag()))
	atomic.StoreUintptr(flag, 0)
	return context.AfterFunc(ctx, func() { atomic.StoreUintptr(flag, 1) })
}

func (ps *parsers) cancelFlag() *C.size_t {
	if ps.cancel == nil {
		ps.cancel = (*C.size_t)(C.malloc(C.sizeof_size_t)) // cgo's malloc never returns nil
		*ps.cancel = 0
	}
	return ps.cancel
}

// parse returns the syntax tree of src; release it when done. A tree with
// syntax errors is still returned (see broken).
func (ps *parsers) parse(l lang, src []byte) (*syntaxTree, error) {
	return ps.parseWith(l, src, false)
}

// parseWith parses src and copies the tree with scan_flatten or, when
// cursor is set, with the reference walk through tree-sitter's cursor.
// Nothing of tree-sitter's outlives the call: the copy is all Go memory.
func (ps *parsers) parseWith(l lang, src []byte, cursor bool) (*syntaxTree, error) {
	g := grammars[l]
	if g == nil {
		return nil, fmt.Errorf("no parser for %s", l)
	}
	if !g.ok {
		return nil, fmt.Errorf("%s grammar does not match the tree-sitter runtime", l)
	}
	if ps.arena == nil && !ps.limitArena(C.SCAN_ARENA_MAX) {
		return nil, errors.New("out of memory for a parse arena")
	}
	var empty [1]byte
	cs := (*C.char)(unsafe.Pointer(&empty[0]))
	if len(src) > 0 {
		cs = (*C.char)(unsafe.Pointer(&src[0]))
	}
	var count C.uint32_t
	var parser *C.TSParser
	tree := C.scan_parse(ps.arena, g.lang, ps.cancelFlag(), cs, C.uint32_t(len(src)), &count, &parser)
	defer C.scan_done(ps.arena, parser, tree, count)
	if tree == nil {
		return nil, errCancelled
	}
	buf := ps.buffer(int(count))
	out, room := (*C.scan_node)(unsafe.Pointer(&buf[0])), C.uint32_t(len(buf))
	var n C.int64_t
	if cursor {
		n = C.scan_flatten_cursor(tree, out, room)
	} else {
		n = C.scan_flatten(tree, out, room)
	}
	if n <= 0 {
		return nil, fmt.Errorf("copying the %s syntax tree failed (code %d)", l, n)
	}
	return &syntaxTree{g: g, src: src, nodes: buf[:n]}, nil
}

// buffer returns a node array for count nodes (at least one).
func (ps *parsers) buffer(count int) []C.scan_node {
	count = max(count, 1)
	if k := len(ps.free); k > 0 && cap(ps.free[k-1]) >= count {
		buf := ps.free[k-1]
		ps.free = ps.free[:k-1]
		return buf[:count]
	}
	return make([]C.scan_node, count)
}

// release hands a tree's node array back for reuse. Trees are released in
// the reverse order of parsing (an embedded snippet before its file).
func (ps *parsers) release(t *syntaxTree) {
	if cap(t.nodes) <= maxPooledNodes && len(ps.free) < 4 {
		ps.free = append(ps.free, t.nodes[:0])
	}
	t.nodes = nil
}

// limitArena gives ps a new arena of at most max bytes.
func (ps *parsers) limitArena(max int) bool {
	if ps.arena != nil {
		C.scan_arena_free(ps.arena)
	}
	ps.arena = C.scan_arena_new(C.size_t(max))
	return ps.arena != nil
}

func (ps *parsers) close() {
	if ps.arena != nil {
		C.scan_arena_free(ps.arena)
		ps.arena = nil
	}
	if ps.cancel != nil {
		C.free(unsafe.Pointer(ps.cancel))
		ps.cancel = nil
	}
}
