package posture

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/coreos/go-systemd/v22/unit"
)

type unitInput struct {
	path string
	src  []byte
	// service holds the [Service] options in file order.
	service []*unit.UnitOption
	env     [][2]string
}

func loadUnit(path string) (*unitInput, error) {
	src, err := readLimited(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", err)
	}
	opts, err := unit.DeserializeOptions(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("not a systemd unit: %w", err)
	}
	u := &unitInput{path: path, src: src}
	for _, o := range opts {
		if o.Section == "Service" {
			u.service = append(u.service, o)
			if o.Name == "Environment" {
				for _, w := range splitQuoted(o.Value) {
					if k, v, ok := strings.Cut(w, "="); ok {
						u.env = append(u.env, [2]string{k, v})
					}
				}
			}
		}
	}
	return u, nil
}

// splitQuoted splits an Environment= value into words, honouring double and
// single quotes as systemd does.
func splitQuoted(s string) []string {
	var out []string
	var cur strings.Builder
	var quote rune
	inWord := false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out
}

// last returns the value of the last assignment of name in [Service]
// (systemd lets a later one override), and whether there is one.
func (u *unitInput) last(name string) (string, bool) {
	for i := len(u.service) - 1; i >= 0; i-- {
		if u.service[i].Name == name {
			return u.service[i].Value, true
		}
	}
	return "", false
}

// all returns every value of name after its last empty assignment (which
// resets list settings).
func (u *unitInput) all(name string) []string {
	var out []string
	for _, o := range u.service {
		if o.Name == name {
			if strings.TrimSpace(o.Value) == "" {
				out = nil
				continue
			}
			out = append(out, strings.Fields(o.Value)...)
		}
	}
	return out
}

// line finds the line of the last `name=` in the file, else the [Service] line.
func (u *unitInput) line(name string) int {
	found, service := 0, 1
	sc := bufio.NewScanner(bytes.NewReader(u.src))
	sc.Buffer(make([]byte, 64<<10), maxConfigSize)
	for n := 1; sc.Scan(); n++ {
		t := strings.TrimSpace(sc.Text())
		if t == "[Service]" {
			service = n
		}
		if k, _, ok := strings.Cut(t, "="); ok && strings.TrimSpace(k) == name {
			found = n
		}
	}
	if found == 0 {
		return service
	}
	return found
}

func isYes(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "yes", "true", "on", "1":
		return true
	}
	return false
}

// exempt tells whether the unit says why a directive cannot apply, in
// X-SecureStack-Exempt=DIRECTIVE REASON (systemd ignores X- keys).
func (u *unitInput) exempt(directive string) bool {
	for _, o := range u.service {
		if o.Name == "X-SecureStack-Exempt" {
			f := strings.Fields(o.Value)
			if len(f) >= 2 && f[0] == directive {
				return true
			}
		}
	}
	return false
}

// jitRuntimes are programs whose JIT writes code pages, which
// MemoryDenyWriteExecute forbids (V8 aborts in OS::SetPermissions).
var jitRuntimes = []string{"node", "nodejs", "bun", "deno"}

// jitRuntime names the JIT runtime a unit's Exec lines run, as the program
// or as an argument (stackaudit --openclaw "node openclaw.mjs"), or "".
func (u *unitInput) jitRuntime() string {
	for _, d := range []string{"ExecStartPre", "ExecStart", "ExecStartPost", "ExecReload"} {
		for _, line := range u.all(d) {
			for _, w := range strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' || r == '"' || r == '\'' || r == '=' }) {
				if b := path.Base(w); slices.Contains(jitRuntimes, b) {
					return w
				}
			}
		}
	}
	return ""
}

// dangerousCaps are capabilities that amount to root.
var dangerousCaps = []string{"CAP_SYS_ADMIN", "CAP_SYS_PTRACE", "CAP_SYS_MODULE", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_SETUID", "CAP_SETGID", "CAP_CHOWN", "CAP_FOWNER", "CAP_SYS_RAWIO", "CAP_NET_ADMIN", "CAP_BPF", "CAP_SYS_BOOT", "CAP_MKNOD"}

// kernelProtections are the boolean-ish hardening settings the examples use,
// with the values that count as on.
var kernelProtections = []struct {
	name string
	ok   func(string) bool
}{
	{"ProtectHome", func(v string) bool { return isYes(v) || v == "read-only" || v == "tmpfs" }},
	{"PrivateDevices", isYes},
	{"ProtectKernelTunables", isYes},
	{"ProtectKernelModules", isYes},
	{"ProtectKernelLogs", isYes},
	{"ProtectControlGroups", isYes},
	{"ProtectClock", isYes},
	{"ProtectHostname", isYes},
	{"RestrictNamespaces", isYes},
	{"LockPersonality", isYes},
	{"RestrictRealtime", isYes},
	{"RestrictSUIDSGID", isYes},
}

func checkUnit(fs *findings, u *unitInput) {
	f := u.path
	user, _ := u.last("User")
	dyn, _ := u.last("DynamicUser")
	if !isYes(dyn) && (user == "" || user == "root" || user == "0") {
		fs.add("UNIT_USER", f, u.line("User"), "the service runs as root: neither DynamicUser=yes nor a User= other than root")
	}
	if v, _ := u.last("NoNewPrivileges"); !isYes(v) {
		fs.add("UNIT_NO_NEW_PRIVILEGES", f, u.line("NoNewPrivileges"), "NoNewPrivileges is not yes")
	}
	if v, _ := u.last("ProtectSystem"); v != "strict" {
		fs.add("UNIT_PROTECT_SYSTEM", f, u.line("ProtectSystem"), fmt.Sprintf("ProtectSystem is %q, not strict", v))
	}
	if v, _ := u.last("PrivateTmp"); !isYes(v) {
		fs.add("UNIT_PRIVATE_TMP", f, u.line("PrivateTmp"), "PrivateTmp is not yes")
	}
	if _, set := u.last("CapabilityBoundingSet"); !set {
		fs.add("UNIT_CAPABILITIES", f, u.line("CapabilityBoundingSet"), "CapabilityBoundingSet is not set: the service may hold every capability")
	} else {
		caps := u.all("CapabilityBoundingSet")
		for _, c := range caps {
			if strings.HasPrefix(c, "~") {
				fs.add("UNIT_CAPABILITIES", f, u.line("CapabilityBoundingSet"), "CapabilityBoundingSet=~... removes some capabilities and keeps the rest")
				break
			}
			if slices.Contains(dangerousCaps, strings.ToUpper(c)) && !u.exempt("CapabilityBoundingSet") {
				fs.add("UNIT_CAPABILITIES", f, u.line("CapabilityBoundingSet"), fmt.Sprintf("CapabilityBoundingSet keeps %s", c))
			}
		}
	}
	if filter := u.all("SystemCallFilter"); !slices.Contains(filter, "@system-service") {
		fs.add("UNIT_SYSCALL_FILTER", f, u.line("SystemCallFilter"), fmt.Sprintf("SystemCallFilter is %v, without @system-service", filter))
	}
	if fam := u.all("RestrictAddressFamilies"); len(fam) == 0 || strings.HasPrefix(fam[0], "~") {
		fs.add("UNIT_ADDRESS_FAMILIES", f, u.line("RestrictAddressFamilies"), fmt.Sprintf("RestrictAddressFamilies is %v", fam))
	}
	if v, _ := u.last("MemoryDenyWriteExecute"); !isYes(v) && !u.exempt("MemoryDenyWriteExecute") {
		fs.add("UNIT_MEMORY_WX", f, u.line("MemoryDenyWriteExecute"), "MemoryDenyWriteExecute is not yes and no X-SecureStack-Exempt says why")
	} else if isYes(v) {
		if rt := u.jitRuntime(); rt != "" {
			fs.add("UNIT_MEMORY_WX_JIT", f, u.line("MemoryDenyWriteExecute"), fmt.Sprintf("MemoryDenyWriteExecute=yes, but the unit runs %s, whose JIT needs writable code pages: it aborts at start", rt))
		}
	}
	var missing []string
	for _, p := range kernelProtections {
		if v, _ := u.last(p.name); !p.ok(v) && !u.exempt(p.name) {
			missing = append(missing, p.name)
		}
	}
	if len(missing) > 0 {
		fs.add("UNIT_PROTECT_KERNEL", f, u.line("[Service]"), "missing: "+strings.Join(missing, ", "))
	}
	for _, kv := range u.env {
		if isSecretName(kv[0]) && kv[1] != "" && !strings.HasPrefix(kv[1], "%d/") && !strings.HasPrefix(kv[1], "/") {
			fs.add("SECRET_INLINE", f, u.line("Environment"), fmt.Sprintf("Environment= sets %s in the unit; use LoadCredential= or EnvironmentFile= (mode 0600)", kv[0]))
		}
	}
}
