package posture

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"golang.org/x/net/publicsuffix"

	"github.com/openclaw-secure-stack/securestack/auth"
	"github.com/openclaw-secure-stack/securestack/egress"
)

// estimateBits estimates the strength of a secret from its length and the
// alphabet it draws on, never more than the distinct characters allow: a
// random 32-byte base64url token scores about 256, "aaaa...a" next to nothing.
func estimateBits(s string) float64 {
	if s == "" {
		return 0
	}
	var lower, upper, digit, other bool
	hexOnly := true
	distinct := map[rune]bool{}
	n := 0
	for _, r := range s {
		n++
		distinct[r] = true
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
			hexOnly = hexOnly && r <= 'f'
		case r >= 'A' && r <= 'Z':
			upper = true
			hexOnly = hexOnly && r <= 'F'
		case r >= '0' && r <= '9':
			digit = true
		default:
			other = true
			hexOnly = false
		}
	}
	size := 0.0
	switch {
	case hexOnly:
		size = 16
	default:
		if lower {
			size += 26
		}
		if upper {
			size += 26
		}
		if digit {
			size += 10
		}
		if other {
			size += 8
		}
	}
	// A secret that repeats a few characters is weaker than its alphabet says.
	if d := float64(len(distinct)); d < size {
		size = math.Max(2, math.Min(size, d*1.5))
	}
	return float64(n) * math.Log2(size)
}

// modeTooOpen reports whether a secret file is readable or writable by group
// or others.
func modeTooOpen(path string) (os.FileMode, bool, error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, false, err
	}
	return st.Mode().Perm(), st.Mode().Perm()&0o077 != 0, nil
}

func checkSecretMode(fs *findings, path, what string) error {
	perm, open, err := modeTooOpen(path)
	if err != nil {
		return fmt.Errorf("cannot read: %w", err)
	}
	if open {
		fs.add("SECRET_FILE_MODE", path, 1, fmt.Sprintf("%s has mode %04o", what, perm))
	}
	return nil
}

// lineOfKey finds the first line that assigns key (KEY=..., export KEY=...).
func lineOfKey(src []byte, key string) int {
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64<<10), maxConfigSize)
	for n := 1; sc.Scan(); n++ {
		t := strings.TrimPrefix(strings.TrimSpace(sc.Text()), "export ")
		if k, _, ok := strings.Cut(t, "="); ok && strings.TrimSpace(k) == key {
			return n
		}
	}
	return 1
}

func checkEnvFile(fs *findings, path string) error {
	src, err := readLimited(path)
	if err != nil {
		return fmt.Errorf("cannot read: %w", err)
	}
	if err := checkSecretMode(fs, path, ".env"); err != nil {
		return err
	}
	vars, err := dotenv.UnmarshalBytesWithLookup(src, func(string) (string, bool) { return "", false })
	if err != nil {
		return fmt.Errorf("not a .env file: %w", err)
	}
	for k, v := range vars {
		// A provider's own key is as strong as the provider made it; the
		// stack's own tokens must be strong.
		if isSecretName(k) && !isProviderKeyName(k) && v != "" && estimateBits(v) < 128 {
			fs.add("SECRET_WEAK_TOKEN", path, lineOfKey(src, k), fmt.Sprintf("%s holds about %.0f bits", k, estimateBits(v)))
		}
	}
	return nil
}

func checkTokenFile(fs *findings, path string) error {
	src, err := readLimited(path)
	if err != nil {
		return fmt.Errorf("cannot read: %w", err)
	}
	if err := checkSecretMode(fs, path, "token file"); err != nil {
		return err
	}
	if _, err := auth.ParseTokenFile(bytes.NewReader(src), path); err != nil {
		fs.add("TOKEN_FILE_INVALID", path, 1, err.Error())
		return nil
	}
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64<<10), maxConfigSize)
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || strings.HasPrefix(f[0], "#") || strings.HasPrefix(f[1], "sha256:") {
			continue
		}
		if b := estimateBits(f[1]); b < 128 {
			fs.add("SECRET_WEAK_TOKEN", path, n, fmt.Sprintf("token %s holds about %.0f bits", f[0], b))
		}
	}
	return nil
}

// allowlistEntry is a line's entry as the line checks read it: comment
// dropped, lower case, no trailing dot.
func allowlistEntry(line string) string {
	if i := strings.Index(line, "#"); i >= 0 {
		line = line[:i]
	}
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(line), "."))
}

// checkAllowlistsAgree compares what the allowlists Caddy's handlers read
// (egress_proxy, the provider guard's egress_allowlist) allow with what the
// CoreDNS egress plugin's allow: the stack's one list, in two places. A name
// the resolver answers but the proxy refuses (or the reverse) is a
// deployment where one layer was edited and not the other. Files this host
// cannot read (paths inside containers) are not compared.
func checkAllowlistsAgree(fs *findings, caddies []*caddyInput, cores []*coreInput) {
	union := func(paths []string) (map[string]bool, bool) {
		// Entries as the egress package reads them: the same list in two
		// spellings (case, Unicode or A-labels, ".x" or "*.x" and "x")
		// compares equal. A file that does not parse is ALLOWLIST_INVALID.
		all := map[string]bool{}
		for _, p := range paths {
			src, err := readLimited(p)
			if err != nil {
				return nil, false
			}
			list, err := egress.ParseAllowlist(bytes.NewReader(src), p)
			if err != nil {
				return nil, false
			}
			for _, e := range list.Entries() {
				all[e] = true
			}
		}
		return all, len(paths) > 0
	}
	var dnsFiles []string
	for _, c := range cores {
		dnsFiles = append(dnsFiles, c.allowlists...)
	}
	dns, ok := union(dnsFiles)
	if !ok {
		return
	}
	for _, c := range caddies {
		var files []string
		for _, p := range c.allowlists {
			if !filepath.IsAbs(p) {
				p = filepath.Join(filepath.Dir(c.path), p)
			}
			files = append(files, p)
		}
		proxy, ok := union(files)
		if !ok {
			continue
		}
		var onlyProxy, onlyDNS []string
		for e := range proxy {
			if !dns[e] {
				onlyProxy = append(onlyProxy, e)
			}
		}
		for e := range dns {
			if !proxy[e] {
				onlyDNS = append(onlyDNS, e)
			}
		}
		if len(onlyProxy)+len(onlyDNS) == 0 {
			continue
		}
		slices.Sort(onlyProxy)
		slices.Sort(onlyDNS)
		fs.add("ALLOWLIST_DIVERGES", c.path, c.directiveLine("allowlist"),
			fmt.Sprintf("the allowlist of this Caddyfile (%s) and the Corefile's (%s) differ: %d entries only here%s, %d only in the Corefile's%s",
				strings.Join(files, " "), strings.Join(dnsFiles, " "), len(onlyProxy), sample(onlyProxy), len(onlyDNS), sample(onlyDNS)))
	}
}

// sample names up to three entries, for a message.
func sample(es []string) string {
	if len(es) == 0 {
		return ""
	}
	more := ""
	if len(es) > 3 {
		es, more = es[:3], ", ..."
	}
	return " (" + strings.Join(es, ", ") + more + ")"
}

func checkAllowlist(fs *findings, path string) error {
	src, err := readLimited(path)
	if err != nil {
		return fmt.Errorf("cannot read: %w", err)
	}
	if _, err := egress.ParseAllowlist(bytes.NewReader(src), path); err != nil {
		var pe *egress.ParseError
		line := 1
		if errors.As(err, &pe) {
			line = pe.Line
		}
		fs.add("ALLOWLIST_INVALID", path, line, err.Error())
		return nil
	}
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64<<10), maxConfigSize)
	for n := 1; sc.Scan(); n++ {
		e := allowlistEntry(sc.Text())
		if e == "" {
			continue
		}
		if p, err := netip.ParsePrefix(e); err == nil {
			if min := map[bool]int{true: 16, false: 32}[p.Addr().Is4()]; p.Bits() < min {
				fs.add("ALLOWLIST_TOO_BROAD", path, n, fmt.Sprintf("%s covers %s addresses", e, map[bool]string{true: "2^" + fmt.Sprint(32-p.Bits()), false: "2^" + fmt.Sprint(128-p.Bits())}[p.Addr().Is4()]))
			}
			continue
		}
		wild := strings.HasPrefix(e, "*.") || strings.HasPrefix(e, ".")
		name := strings.TrimPrefix(strings.TrimPrefix(e, "*"), ".")
		if suffix, _ := publicsuffix.PublicSuffix(name); wild && suffix == name {
			fs.add("ALLOWLIST_TOO_BROAD", path, n, fmt.Sprintf("%s allows every name under the public suffix %s", e, name))
		}
	}
	return nil
}

// dockerfileFroms returns each FROM instruction's image and line, after
// joining continuation lines.
func dockerfileFroms(src []byte) []struct {
	image string
	line  int
	stage string
} {
	var out []struct {
		image string
		line  int
		stage string
	}
	for _, in := range dockerfileInstructions(src) {
		f := strings.Fields(in.args)
		if in.keyword != "FROM" {
			continue
		}
		for len(f) > 0 && strings.HasPrefix(f[0], "--") {
			f = f[1:]
		}
		if len(f) == 0 {
			continue
		}
		e := struct {
			image string
			line  int
			stage string
		}{image: f[0], line: in.line}
		if len(f) >= 3 && strings.EqualFold(f[1], "AS") {
			e.stage = strings.ToLower(f[2])
		}
		out = append(out, e)
	}
	return out
}

func checkDockerfile(fs *findings, path string) error {
	src, err := readLimited(path)
	if err != nil {
		return fmt.Errorf("cannot read: %w", err)
	}
	stages := map[string]bool{}
	for _, f := range dockerfileFroms(src) {
		img := strings.ToLower(f.image)
		if img != "scratch" && !stages[img] && !strings.Contains(f.image, "@sha256:") {
			fs.add("CTR_BUILD_BASE_DIGEST", path, f.line, fmt.Sprintf("FROM %s is not pinned by digest", f.image))
		}
		if f.stage != "" {
			stages[f.stage] = true
		}
	}
	for _, r := range dockerfileRuns(src) {
		if pkgs := unpinnedPackageInstalls(r.cmd); len(pkgs) > 0 {
			fs.add("CTR_BUILD_PACKAGE_UNPINNED", path, r.line, fmt.Sprintf("RUN installs %s from the npm registry by name: neither it nor what it depends on is pinned by integrity", strings.Join(pkgs, ", ")))
		}
	}
	return nil
}
