package posture

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
)

// CoreServer is one server block of a Corefile, as CoreDNS's parser reads it.
type CoreServer struct {
	Keys       []string // "zone:port" keys, e.g. ".:53"
	Line       int
	Directives []CoreDirective
}

// CoreDirective is a directive with its arguments and the lines of its block
// (each line of a block is a directive of its own).
type CoreDirective struct {
	Name  string
	Line  int
	Args  []string
	Block []CoreDirective
}

type coreInput struct {
	path       string
	servers    []CoreServer
	listen     []string
	allowlists []string
	auditLogs  []logRef
}

func loadCorefile(path string, parse func(string) ([]CoreServer, error)) (*coreInput, error) {
	if parse == nil {
		return nil, errors.New("no Corefile parser linked into this program")
	}
	servers, err := parse(path)
	if err != nil {
		return nil, fmt.Errorf("CoreDNS's parser refuses it: %w", err)
	}
	c := &coreInput{path: path, servers: servers}
	rel := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(filepath.Dir(path), p)
	}
	for _, s := range servers {
		var binds []string
		for _, d := range s.Directives {
			if d.Name == "bind" {
				binds = append(binds, d.Args...)
			}
		}
		for _, k := range s.Keys {
			port := "53"
			if i := strings.LastIndex(k, ":"); i >= 0 {
				port = k[i+1:]
			}
			if len(binds) == 0 {
				c.listen = append(c.listen, net.JoinHostPort("", port))
			}
			for _, b := range binds {
				c.listen = append(c.listen, net.JoinHostPort(b, port))
			}
		}
		for _, d := range s.Directives {
			if d.Name != "egress" {
				continue
			}
			for _, sub := range d.Block {
				switch sub.Name {
				case "allowlist":
					for _, a := range sub.Args {
						c.allowlists = append(c.allowlists, rel(a))
					}
				case "audit_log":
					if len(sub.Args) == 0 {
						continue
					}
					l := logRef{path: rel(sub.Args[0]), source: path, line: sub.Line}
					for i := 1; i+1 < len(sub.Args); i += 2 {
						switch sub.Args[i] {
						case "key_file":
							l.key = rel(sub.Args[i+1])
						case "checkpoint":
							l.checkpoint = rel(sub.Args[i+1])
						}
					}
					c.auditLogs = append(c.auditLogs, l)
				}
			}
		}
	}
	return c, nil
}

func checkCorefile(fs *findings, c *coreInput) {
	for _, s := range c.servers {
		var forward, egress *CoreDirective
		for i := range s.Directives {
			switch s.Directives[i].Name {
			case "forward":
				forward = &s.Directives[i]
			case "egress":
				egress = &s.Directives[i]
			}
		}
		if forward != nil && egress == nil {
			fs.add("DNS_EGRESS_MISSING", c.path, forward.Line, fmt.Sprintf("server %s forwards every name upstream with no egress allowlist", strings.Join(s.Keys, " ")))
		}
		if egress != nil {
			private := false
			for _, sub := range egress.Block {
				private = private || sub.Name == "deny_private_answers"
			}
			if !private {
				fs.add("DNS_PRIVATE_ANSWERS", c.path, egress.Line, fmt.Sprintf("server %s: egress lacks deny_private_answers", strings.Join(s.Keys, " ")))
			}
		}
	}
}
