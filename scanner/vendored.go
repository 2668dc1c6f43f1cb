package scanner

import (
	"bytes"
	"strings"
)

// Well-known libraries that build code at run time for a living. Skills
// bundle them (a CLI compiled into one file carries zod, ajv, lodash);
// their Function call is the library's, not the skill's. A call is the
// library's when every marker of an entry sits within vendoredWindow
// bytes of it: the code shape around the call, as the library writes it,
// minified or not.
var vendoredEvalLibs = []vendoredLib{
	{lib: "zod", why: "compiles object validators with new Function (its jit option)", markers: []string{"this?.args", "this?.content"}},
	{lib: "ajv", why: "compiles JSON Schema validators with new Function", markers: []string{"makeValidate", "sourceCode"}},
	{lib: "lodash", why: "compiles _.template templates with Function", markers: []string{"importsKeys", "sourceURL"}},
}

type vendoredLib struct {
	lib, why string
	markers  []string
}

const vendoredWindow = 1000

// vendoredEval returns the library whose code holds the call at off, or
// nil.
func vendoredEval(src []byte, off int) *vendoredLib {
	win := src[max(0, off-vendoredWindow):min(len(src), off+vendoredWindow)]
	for i := range vendoredEvalLibs {
		l := &vendoredEvalLibs[i]
		all := true
		for _, m := range l.markers {
			all = all && bytes.Contains(win, []byte(m))
		}
		if all {
			return l
		}
	}
	return nil
}

// constantCode returns the code an eval or Function call runs when every
// argument is a plain string literal, nothing built, decoded or unknown.
func (j *jsAnalysis) constantCode(args []node) (string, bool) {
	if len(args) == 0 {
		return "", false
	}
	var parts []string
	for i := range args {
		v := j.arg(args, i)
		if v.kind != vStr || v.partial || v.built || v.decoded {
			return "", false
		}
		parts = append(parts, v.s)
	}
	return parts[len(parts)-1], true
}

// globalObjectIdiom reports the constant code libraries hand to Function
// to reach the global object or to probe whether eval is allowed:
// Function("return this")(), new Function("").
func globalObjectIdiom(code string) bool {
	c := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(code), ";"))
	c = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(c, `"use strict";`), `'use strict';`))
	switch c {
	case "", "return this", "return globalThis", "return self", "return window":
		return true
	}
	return false
}
