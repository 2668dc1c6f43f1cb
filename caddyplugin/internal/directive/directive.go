// Package directive holds the Caddyfile parsing rules every handler of the
// stack follows, so that they fail the same way on the same mistakes.
package directive

import (
	"slices"
	"strings"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// Once remembers where each single-valued option was first set in a block.
// A repeated option is an error naming both lines, rather than a silent
// replacement of the first (an audit_log whose key_file vanishes because a
// second audit_log line followed it).
type Once map[string]int

// Check records the option at the dispenser's cursor, or fails if it was
// set before in the same block.
func (o Once) Check(d *caddyfile.Dispenser) error {
	name := d.Val()
	if line, ok := o[name]; ok {
		return d.Errf("%s is set twice (first on line %d); keep one", name, line)
	}
	o[name] = d.Line()
	return nil
}

// Enum reads the option's single argument and checks it is one of allowed,
// so that a typo fails when the Caddyfile is adapted, on its own line.
func Enum(d *caddyfile.Dispenser, allowed ...string) (string, error) {
	name := d.Val()
	var v string
	if !d.AllArgs(&v) {
		return "", d.Errf("%s takes one of %s", name, strings.Join(allowed, ", "))
	}
	if !slices.Contains(allowed, v) {
		return "", d.Errf("%s %q: want %s", name, v, strings.Join(allowed, ", "))
	}
	return v, nil
}
