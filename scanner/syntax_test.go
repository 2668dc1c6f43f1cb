package scanner

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sitter "github.com/smacker/go-tree-sitter"
	"github.com/smacker/go-tree-sitter/bash"
	"github.com/smacker/go-tree-sitter/javascript"
	"github.com/smacker/go-tree-sitter/python"
	"github.com/smacker/go-tree-sitter/typescript/tsx"
	"github.com/smacker/go-tree-sitter/typescript/typescript"
)

// The flattened tree must be the tree go-tree-sitter shows: same nodes in
// the same order, with the same types, spans, flags, fields and parents.
func TestFlatTreeMatchesTreeSitter(t *testing.T) {
	langs := map[lang]*sitter.Language{langJS: javascript.GetLanguage(), langTS: typescript.GetLanguage(),
		langTSX: tsx.GetLanguage(), langShell: bash.GetLanguage(), langPython: python.GetLanguage()}
	type sample struct {
		name string
		l    lang
		src  []byte
	}
	samples := []sample{
		{"a broken JavaScript call", langJS, []byte("foo(1, [2, {a: `x${y}`}];\nconst = ;")},
		{"TypeScript with types", langTS, []byte("const x: Map<string, number> = new Map();\nexport function f(a?: string): void { x.set(a!, 1) }")},
		{"TSX", langTSX, []byte("const A = () => <div onClick={() => eval(s)}>{t}</div>;")},
		{"shell with a missing quote", langShell, []byte("echo 'aGk=' | base64 -d | bash\nif [ -f x ]; then curl -o a \"$u\nfi")},
		{"Python with an error", langPython, []byte("import os\ndef f(x):\n    os.system(f'ls {x}')\n  return )\n")},
		{"empty input", langJS, nil},
	}
	files, _ := filepath.Glob("testdata/skills/*/*.[jp][sy]")
	more, _ := filepath.Glob("testdata/skills/*/scripts/*")
	for _, f := range append(files, more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if l := fileLang(f, data); langs[l] != nil {
			samples = append(samples, sample{f, l, data})
		}
	}
	var ps parsers
	defer ps.close()
	for _, s := range samples {
		t.Run(s.name, func(t *testing.T) {
			want := sitter.NewParser()
			defer want.Close()
			want.SetLanguage(langs[s.l])
			ref, err := want.ParseCtx(context.Background(), nil, s.src)
			if err != nil {
				t.Fatal(err)
			}
			defer ref.Close()
			tree, err := ps.parse(s.l, s.src)
			if err != nil {
				t.Fatal(err)
			}
			defer ps.release(tree)
			i := 0
			var walk func(n *sitter.Node, field string, parent int32)
			walk = func(n *sitter.Node, field string, parent int32) {
				if i >= len(tree.nodes) {
					t.Fatalf("flat tree has %d nodes, tree-sitter more", len(tree.nodes))
				}
				got := node{tree, int32(i)}
				i++
				if got.typ() != n.Type() || got.start() != int(n.StartByte()) || got.end() != int(n.EndByte()) ||
					got.named() != n.IsNamed() || got.missing() != n.IsMissing() || got.hasError() != n.HasError() ||
					got.parent().i != parent && parent >= 0 || parent < 0 && got.parent().ok() {
					t.Fatalf("node %d is %s [%d,%d) named=%v missing=%v error=%v parent=%d; tree-sitter has %s [%d,%d) named=%v missing=%v error=%v parent=%d",
						got.i, got.typ(), got.start(), got.end(), got.named(), got.missing(), got.hasError(), got.parent().i,
						n.Type(), n.StartByte(), n.EndByte(), n.IsNamed(), n.IsMissing(), n.HasError(), parent)
				}
				if id := uint16(got.c().field); id != tree.g.fields[field] {
					t.Fatalf("node %d (%s) has field id %d; tree-sitter calls it field %q", got.i, got.typ(), id, field)
				}
				for k := 0; k < int(n.ChildCount()); k++ {
					walk(n.Child(k), n.FieldNameForChild(k), got.i)
				}
			}
			walk(ref.RootNode(), "", -1)
			if i != len(tree.nodes) {
				t.Fatalf("flat tree has %d nodes, tree-sitter %d", len(tree.nodes), i)
			}
		})
	}
}

// The analysis names node types and fields as strings; a name a grammar
// does not have would silently match nothing.
func TestAnalysisNamesExistInTheGrammars(t *testing.T) {
	jsTypes := []string{"call_expression", "new_expression", "variable_declarator", "assignment_expression", "import_statement",
		"function_declaration", "for_in_statement", "member_expression", "subscript_expression", "string", "template_string",
		"template_substitution", "number", "identifier", "binary_expression", "array", "arrow_function", "function_expression",
		"statement_block", "return_statement", "object_pattern", "pair_pattern", "shorthand_property_identifier_pattern",
		"object_assignment_pattern", "import_clause", "namespace_import", "named_imports", "pair", "parenthesized_expression",
		"sequence_expression", "await_expression"}
	jsFields := []string{"source", "key", "value", "left", "name", "alias", "object", "property", "index", "operator",
		"parameter", "parameters", "body", "arguments", "function"}
	tests := []struct {
		l             lang
		types, fields []string
	}{
		{langJS, jsTypes, jsFields},
		{langTS, append(jsTypes, "as_expression", "non_null_expression", "satisfies_expression", "type_annotation"), jsFields},
		{langTSX, jsTypes, jsFields},
		{langShell, []string{"command", "pipeline", "file_redirect", "process_substitution", "redirected_statement", "variable_assignment",
			"herestring_redirect", "heredoc_redirect", "command_name", "raw_string", "string", "ansi_c_string", "concatenation"},
			[]string{"descriptor", "destination", "body"}},
		{langPython, []string{"call", "assignment", "import_statement", "import_from_statement", "for_statement", "dotted_name",
			"aliased_import", "identifier", "attribute", "string", "string_content", "escape_sequence", "interpolation",
			"concatenated_string", "integer", "list", "tuple", "keyword_argument", "binary_operator", "function_definition",
			"subscript", "pair", "lambda"},
			[]string{"left", "right", "function", "arguments", "name", "value", "alias", "module_name", "attribute", "object",
				"subscript", "operator", "parameters", "key"}},
	}
	for _, tt := range tests {
		g := grammars[tt.l]
		have := map[string]bool{}
		for _, s := range g.symbols {
			have[s] = true
		}
		for _, typ := range tt.types {
			if !have[typ] {
				t.Errorf("%s has no node type %q", tt.l, typ)
			}
		}
		for _, f := range tt.fields {
			if _, ok := g.fields[f]; !ok {
				t.Errorf("%s has no field %q", tt.l, f)
			}
		}
	}
}

// scan_flatten reads tree-sitter's internal subtrees; it must produce
// exactly what the walk through the public cursor produces, field for
// field, links included.
func TestFlattenMatchesCursor(t *testing.T) {
	var srcs [][]byte
	for _, pat := range []string{"testdata/*/*/*", "testdata/*/*/*/*", "testdata/*/*"} {
		files, _ := filepath.Glob(pat)
		for _, f := range files {
			if data, err := os.ReadFile(f); err == nil {
				srcs = append(srcs, data)
			}
		}
	}
	if len(srcs) < 20 {
		t.Fatalf("only %d sample files", len(srcs))
	}
	deep := strings.Repeat("[(", 3000) + "x" + strings.Repeat(")]", 3000) // grows both walks' stacks
	srcs = append(srcs, nil, []byte(deep), []byte("((((((((((((((((((((((((((((((x"), []byte("a\u00e9\u2028 = `${`${`${1}`}`}`; // \xff\xfe"))
	var ps parsers
	defer ps.close()
	nodes := 0
	for _, src := range srcs {
		for l := range numLangs {
			if grammars[l] == nil {
				continue
			}
			nodes += compareFlatten(t, &ps, l, src)
		}
	}
	t.Logf("%d nodes compared", nodes)
}

func compareFlatten(t *testing.T, ps *parsers, l lang, src []byte) int {
	t.Helper()
	want, err := ps.parseWith(l, src, true)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ps.parseWith(l, src, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.nodes) != len(want.nodes) {
		t.Fatalf("%s, %.40q: %d nodes, the cursor walk has %d", l, src, len(got.nodes), len(want.nodes))
	}
	for i := range want.nodes {
		if got.nodes[i] != want.nodes[i] {
			t.Fatalf("%s, %.40q: node %d is %+v (%s), the cursor walk has %+v (%s)", l, src, i,
				got.nodes[i], node{got, int32(i)}.typ(), want.nodes[i], node{want, int32(i)}.typ())
		}
	}
	n := len(want.nodes)
	// Copies, not the pooled arrays, are compared above; release both.
	ps.release(got)
	ps.release(want)
	return n
}

func FuzzFlatten(f *testing.F) {
	for i, s := range []string{"const e = eval; e('x')", "echo $(curl x | sh)", "def f(a): return a\n", "<a b={c}>{d}</a>", "let x: T<U> = y!;"} {
		for l := range numLangs {
			f.Add(uint8(int(l)+i), []byte(s))
		}
	}
	var ps parsers
	f.Fuzz(func(t *testing.T, which uint8, src []byte) {
		l := lang(int(which) % int(numLangs))
		if grammars[l] == nil {
			return
		}
		compareFlatten(t, &ps, l, src)
	})
}

// The copied internal headers belong to one go-tree-sitter version: each
// must equal, byte for byte, the file of the module version go.mod
// requires, so that moving go.mod without replacing them fails here, not
// at run time.
func TestTreeSitterHeadersMatchGoMod(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}} {{.Dir}}", "github.com/smacker/go-tree-sitter").Output()
	if err != nil {
		t.Fatalf("go list -m github.com/smacker/go-tree-sitter: %v", err)
	}
	version, dir, ok := strings.Cut(strings.TrimSpace(string(out)), " ")
	if !ok || dir == "" {
		t.Fatalf("go list gave %q: is the module downloaded?", out)
	}
	readme, err := os.ReadFile("internal/tsabi/README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), version) {
		t.Errorf("internal/tsabi/README.md does not name go-tree-sitter %s, the version go.mod requires", version)
	}
	copies, err := filepath.Glob("internal/tsabi/*.h")
	if err != nil || len(copies) < 5 {
		t.Fatalf("headers in internal/tsabi: %v %v", copies, err)
	}
	for _, c := range append(copies, "internal/tsabi/LICENSE") {
		mine, err := os.ReadFile(c)
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := os.ReadFile(filepath.Join(dir, filepath.Base(c)))
		if err != nil {
			t.Errorf("%s has no counterpart in go-tree-sitter %s: %v", c, version, err)
			continue
		}
		if !bytes.Equal(mine, theirs) {
			t.Errorf("%s differs from go-tree-sitter %s's %s: copy the module's file (see internal/tsabi/README.md)", c, version, filepath.Base(c))
		}
	}
}

// A parse that outgrows its arena carries on with malloc, and the tree
// comes out the same; the arena is whole again for the next parse. A
// bound of 0 sends every block to malloc.
func TestArenaOverflow(t *testing.T) {
	srcs := [][]byte{
		[]byte(strings.Repeat("[(", 3000) + "x" + strings.Repeat(")]", 3000)),
		[]byte(strings.Repeat("const a = require('x' + y); eval(`${a}`);\n", 2000)),
		[]byte("import os\n" + strings.Repeat("def f(x):\n    os.system(f'ls {x}')\n", 500)),
	}
	var want parsers
	defer want.close()
	limits, rounds := []int{0, 4 << 10, 300 << 10, 2 << 20}, 2
	if testing.Short() {
		// Every block from malloc, and a mid-sized arena that overflows:
		// the two paths, once each (the AddressSanitizer run in make test
		// does the whole table).
		limits, rounds = []int{0, 300 << 10}, 1
	}
	for _, limit := range limits {
		var ps parsers
		if !ps.limitArena(limit) {
			t.Fatal("no arena")
		}
		for round := range rounds {
			for _, src := range srcs {
				for _, l := range []lang{langJS, langPython, langShell} {
					ref, err := want.parse(l, src)
					if err != nil {
						t.Fatal(err)
					}
					got, err := ps.parse(l, src)
					if err != nil {
						t.Fatal(err)
					}
					if len(got.nodes) != len(ref.nodes) {
						t.Fatalf("limit %d, round %d, %s: %d nodes, %d with a big arena", limit, round, l, len(got.nodes), len(ref.nodes))
					}
					for i := range ref.nodes {
						if got.nodes[i] != ref.nodes[i] {
							t.Fatalf("limit %d, round %d, %s: node %d differs", limit, round, l, i)
						}
					}
					ps.release(got)
					want.release(ref)
				}
			}
		}
		ps.close()
	}
}

// A cancelled parse returns errCancelled, and the next parse works.
func TestParseCancelled(t *testing.T) {
	var ps parsers
	defer ps.close()
	src := []byte(strings.Repeat("f(a, b, c);\n", 20000))
	ctx, cancel := context.WithCancel(context.Background())
	stop := ps.watch(ctx)
	cancel()
	for range 100 { // AfterFunc runs in its own goroutine
		if *ps.cancelFlag() != 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := ps.parse(langJS, src); err != errCancelled {
		t.Fatalf("cancelled parse: %v, want errCancelled", err)
	}
	stop()
	ps.watch(context.Background())
	tree, err := ps.parse(langJS, src)
	if err != nil {
		t.Fatal(err)
	}
	if tree.broken() || len(tree.nodes) < 20000 {
		t.Fatalf("parse after a cancelled one: %d nodes, broken %v", len(tree.nodes), tree.broken())
	}
	ps.release(tree)
}
