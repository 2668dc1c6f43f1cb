package toolpolicy

import (
	"strings"

	"github.com/go-json-experiment/json"

	"github.com/openclaw-secure-stack/securestack/caddyplugin/providerguard/wire"
	"github.com/openclaw-secure-stack/securestack/scanner/shellrisk"
)

// step is what an earlier call leaves that a later call's judge needs: the
// files it writes and the keys it types into a terminal. A call's
// arguments are read into its step once, when it joins a history.
type step struct {
	files []fileWrite
	// moves are apply_patch's renames (from, to, as paths): a file moved
	// keeps what was known, or not known, of its text.
	moves [][2]string
	// typed are the bytes typed into session of tool (canonical name;
	// session "*" for a tool with one keyboard).
	tool, session, typed string
	// size is the length of the call's arguments.
	size int
}

// fileWrite is text a call puts in a file, by the name it gives and that
// name read from the workspace (shellrisk.ResolvePath). whole is a write
// of the whole file (write's content), after which nothing written before
// counts; an edit's new text or a patch's added lines are not.
type fileWrite struct {
	name, path, text string
	whole            bool
}

func (s *step) empty() bool {
	return len(s.files) == 0 && len(s.moves) == 0 && s.typed == ""
}

// stepOf reads what a call writes and types, through tool_call.
func (j *Judge) stepOf(c wire.ToolCall) step {
	s := step{size: len(c.Arguments)}
	j.readStep(&s, c.Name, c.ID, c.Arguments, 0)
	return s
}

func (j *Judge) readStep(s *step, name, id, rawArgs string, depth int) {
	if depth > maxDispatch {
		return
	}
	name = j.CanonicalName(name, id)
	if claudeCodeNames[name] {
		name = strings.ToLower(name)
	}
	t, ok := j.p.Tools[name]
	if !ok || t.Kind != KindWrite && t.Kind != KindPatch && t.Kind != KindDispatch && t.Session == "" {
		return
	}
	var args map[string]any
	if json.Unmarshal([]byte(rawArgs), &args) != nil {
		return
	}
	switch {
	case t.Kind == KindWrite:
		path := ""
		for _, k := range t.Path {
			if p, ok := args[k].(string); ok && p != "" {
				path = p
			}
		}
		if path == "" {
			return
		}
		var texts []string
		collectNewText(args, "", &texts)
		s.files = append(s.files, fileWrite{name: path, path: shellrisk.ResolvePath("", path), text: strings.Join(texts, "\n"), whole: wholeWrite(args)})
	case t.Kind == KindPatch:
		for _, k := range t.Patch {
			if p, ok := args[k].(string); ok {
				adds, moves := patchAdds(p)
				for _, f := range patchFiles(p) {
					s.files = append(s.files, fileWrite{name: f, path: shellrisk.ResolvePath("", f), text: adds[f]})
				}
				for _, m := range moves {
					s.moves = append(s.moves, [2]string{shellrisk.ResolvePath("", m[0]), shellrisk.ResolvePath("", m[1])})
				}
			}
		}
	case t.Kind == KindDispatch:
		inner, _ := args[t.Name].(string)
		innerArgs := "{}"
		if v, ok := args[t.Args]; ok && v != nil {
			if str, isStr := v.(string); isStr {
				innerArgs = str
			} else if b, err := json.Marshal(v); err == nil {
				innerArgs = string(b)
			}
		}
		if inner != "" {
			j.readStep(s, inner, "", innerArgs, depth+1)
		}
	case t.Session != "":
		session, _ := args[t.Session].(string)
		if t.Session == "*" {
			session = "*"
		}
		if typed := typedBytes(args); session != "" && typed != "" {
			s.tool, s.session, s.typed = name, session, typed
		}
	}
}

// wholeWrite reports a write call that gives the file's whole content
// (write's content) rather than changes to it (edit's oldText and
// newText, edits).
func wholeWrite(args map[string]any) bool {
	whole := false
	for k, v := range args {
		switch strings.ToLower(k) {
		case "content", "contents":
			_, whole = v.(string)
		case "oldtext", "old_text", "old_string", "oldstring", "newtext", "new_text", "new_string", "newstring", "edits":
			return false
		}
	}
	return whole
}

// history is a list of steps with the files they wrote, as the judge of a
// later call reads them.
type history struct {
	steps []step
	// files are the steps' written files by shellrisk.FileKey (texts in
	// order, each ending in a line end), as the judge matches them with
	// runs; nil until asked for.
	files map[string]string
}

// writtenFiles are the files the steps wrote, by shellrisk.FileKey: a
// write's content, an edit's new texts, the lines an apply_patch adds.
func (h *history) writtenFiles() map[string]string {
	if h.files == nil {
		h.files = map[string]string{}
		for i := range h.steps {
			h.putFiles(&h.steps[i])
		}
	}
	return h.files
}

func (h *history) putFiles(s *step) {
	for _, f := range s.files {
		if f.name != "" && f.text != "" {
			h.files[shellrisk.FileKey(f.name)] += f.text + "\n"
		}
	}
}

// push adds a step at the end.
func (h *history) push(s step) {
	h.steps = append(h.steps, s)
	if h.files != nil {
		h.putFiles(&h.steps[len(h.steps)-1])
	}
}

// dropFirst removes the oldest n steps, whose texts are the first of each
// file's.
func (h *history) dropFirst(n int) {
	for _, s := range h.steps[:n] {
		if h.files != nil && !h.trimFiles(&s) {
			h.files = nil // not as built: rebuilt when next asked for
		}
	}
	clear(h.steps[:n])
	h.steps = h.steps[n:]
}

// trimFiles removes the texts of the oldest step from the front of files,
// and reports false if one was not there.
func (h *history) trimFiles(s *step) bool {
	for _, f := range s.files {
		if f.name == "" || f.text == "" {
			continue
		}
		k := shellrisk.FileKey(f.name)
		t := h.files[k]
		if len(t) <= len(f.text) || t[:len(f.text)] != f.text || t[len(f.text)] != '\n' {
			return false
		}
		if t = t[len(f.text)+1:]; t != "" {
			h.files[k] = t
		} else {
			delete(h.files, k)
		}
	}
	return true
}

// typed is what the steps typed into a session of tool, and in how many
// calls.
func (h *history) typed(tool, session string) (string, int) {
	var b strings.Builder
	calls := 0
	for i := range h.steps {
		s := &h.steps[i]
		if s.typed != "" && s.tool == tool && s.session == session {
			b.WriteString(s.typed)
			calls++
		}
	}
	return b.String(), calls
}
