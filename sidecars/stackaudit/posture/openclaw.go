package posture

import (
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// maxConfigSize bounds what is read of any one deployment file.
const maxConfigSize = 16 << 20

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxConfigSize {
		return nil, fmt.Errorf("larger than %d MiB", maxConfigSize>>20)
	}
	return b, nil
}

type openclawInput struct {
	path string
	root *Value
}

func loadOpenClaw(path string) (*openclawInput, error) {
	b, err := readLimited(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", err)
	}
	v, err := ParseJSON5(b)
	if err != nil {
		return nil, fmt.Errorf("not JSON5 as OpenClaw reads it: %w", err)
	}
	if v.Kind != Object {
		return nil, fmt.Errorf("line %d: the top level is not an object", v.Line)
	}
	return &openclawInput{path: path, root: v}, nil
}

// walk calls fn for every member of every object under v.
func walk(v *Value, fn func(m Member)) {
	if v == nil {
		return
	}
	for _, m := range v.Members {
		fn(m)
		walk(m.Value, fn)
	}
	for _, it := range v.Items {
		walk(it, fn)
	}
}

func checkOpenClaw(fs *findings, o *openclawInput, d *deployment) {
	r := o.root
	file := o.path
	gw := r.Get("gateway")
	line := func(v *Value, parent *Value) int { return v.LineOr(parent.LineOr(r.Line)) }

	walk(r, func(m Member) {
		if m.Key == "$include" {
			fs.add("OC_INCLUDE", file, m.KeyLine, "$include is not followed: the included settings are not audited")
		}
		if m.Key == "dmPolicy" && !slices.Contains([]string{"pairing", "allowlist", "disabled"}, m.Value.String()) {
			fs.add("OC_DM_POLICY", file, m.KeyLine, fmt.Sprintf("dmPolicy is %s", describe(m.Value)))
		}
	})

	// gateway.bind
	bind := gw.Get("bind")
	inContainerInternal := d.gatewayContainer && d.gatewayInternal
	switch b := bind.String(); {
	case bind == nil && (!d.gatewayContainer || inContainerInternal):
	case b == "loopback":
	case (b == "lan" || b == "auto") && inContainerInternal:
	case b == "custom":
		h := gw.Get("customBindHost").String()
		if !isLoopbackHost(h) && !(inContainerInternal && h != "") {
			fs.add("OC_BIND", file, line(gw.Get("customBindHost"), bind), fmt.Sprintf("gateway.customBindHost %q is neither loopback nor inside an internal container network", h))
		}
	default:
		what := describe(bind)
		if bind == nil {
			what = "unset (\"auto\" in a container)"
		}
		why := "natively it must be \"loopback\""
		if d.gatewayContainer {
			why = "the gateway container is on a network with a route out"
		}
		fs.add("OC_BIND", file, line(bind, gw), fmt.Sprintf("gateway.bind is %s; %s", what, why))
	}

	// Auth and trusted proxies.
	auth := gw.Get("auth")
	mode := auth.Get("mode")
	switch mode.String() {
	case "token":
	case "trusted-proxy":
		if strings.TrimSpace(auth.Get("trustedProxy", "userHeader").String()) == "" {
			fs.add("OC_AUTH_MODE", file, line(auth.Get("trustedProxy"), mode), "trusted-proxy mode without gateway.auth.trustedProxy.userHeader")
		}
	default:
		fs.add("OC_AUTH_MODE", file, line(mode, auth), fmt.Sprintf("gateway.auth.mode is %s", describe(mode)))
	}
	for _, k := range []string{"token", "password"} {
		if v := auth.Get(k); v != nil && v.Kind == String && v.Str != "" && !strings.HasPrefix(v.Str, "${") {
			fs.add("SECRET_INLINE", file, v.Line, fmt.Sprintf("gateway.auth.%s is written in openclaw.json", k))
		}
	}
	checkTrustedProxies(fs, file, gw, auth, d)

	if !gw.Get("terminal", "enabled").IsFalse() {
		fs.add("OC_TERMINAL", file, line(gw.Get("terminal", "enabled"), gw), "gateway.terminal.enabled is not false (the default is true: a host PTY for operators)")
	}

	checkExec(fs, file, r)
	checkSandbox(fs, file, r, d)

	if deny := r.Get("tools", "deny"); deny == nil || deny.Kind != Array || len(deny.Items) == 0 {
		fs.add("OC_TOOLS_DENY", file, line(deny, r.Get("tools")), "tools.deny is empty or unset")
	}

	checkInstallPolicy(fs, file, r, d)
	checkProxy(fs, file, r, d)
	checkProviders(fs, file, r, d)
	checkAgentModels(fs, o, d)

	ui := gw.Get("controlUi")
	if !ui.Get("enabled").IsFalse() {
		origins := ui.Get("allowedOrigins").Strings()
		if len(origins) == 0 || slices.Contains(origins, "*") {
			fs.add("OC_CONTROL_UI_ORIGINS", file, line(ui.Get("allowedOrigins"), ui), fmt.Sprintf("gateway.controlUi.allowedOrigins is %v", origins))
		}
	}
	if v := gw.Get("nodes", "pairing", "autoApproveLocal"); !v.IsFalse() {
		fs.add("OC_AUTO_PAIRING", file, line(v, gw), "gateway.nodes.pairing.autoApproveLocal is not false (the default is true)")
	}
	if v := auth.Get("trustedProxy", "deviceAutoApprove", "enabled"); v.IsTrue() {
		fs.add("OC_AUTO_PAIRING", file, v.Line, "gateway.auth.trustedProxy.deviceAutoApprove.enabled is true")
	}
}

func describe(v *Value) string {
	switch {
	case v == nil:
		return "unset"
	case v.Kind == String:
		return fmt.Sprintf("%q", v.Str)
	case v.Kind == Bool:
		return fmt.Sprint(v.Bool)
	case v.Kind == Number:
		return fmt.Sprint(v.Num)
	}
	return "not a string"
}

// singleAddress tells whether a trustedProxies entry names one address.
func singleAddress(s string) bool {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.IsValid()
	}
	p, err := netip.ParsePrefix(s)
	return err == nil && p.Bits() == p.Addr().BitLen()
}

func checkTrustedProxies(fs *findings, file string, gw, auth *Value, d *deployment) {
	tpv := gw.Get("trustedProxies")
	tp := tpv.Strings()
	at := tpv.LineOr(gw.LineOr(1))
	if len(tp) == 0 {
		fs.add("OC_TRUSTED_PROXIES", file, at, "gateway.trustedProxies is empty: the guard is not its trusted proxy")
		return
	}
	guardNet := func(e string) bool {
		p, err := netip.ParsePrefix(e)
		return err == nil && slices.Contains(d.guardNets, p.Masked())
	}
	for _, e := range tp {
		if !singleAddress(e) && !guardNet(e) {
			fs.add("OC_TRUSTED_PROXIES", file, at, fmt.Sprintf("gateway.trustedProxies entry %q is a range, not the guard's address", e))
		}
	}
	if guards := d.guardAddrs(); len(guards) > 0 || len(d.guardNets) > 0 {
		for _, e := range tp {
			if guardNet(e) {
				continue
			}
			a := strings.TrimSuffix(strings.TrimSuffix(e, "/32"), "/128")
			if !slices.ContainsFunc(guards, func(g string) bool { return sameHost(g, a) }) {
				fs.add("OC_TRUSTED_PROXIES", file, at, fmt.Sprintf("gateway.trustedProxies trusts %s, which is not the guard (%s)", e, strings.Join(guards, ", ")))
			}
		}
	}
	if auth.Get("trustedProxy", "allowLoopback").IsTrue() && !slices.ContainsFunc(tp, isLoopbackHost) {
		fs.add("OC_TRUSTED_PROXIES", file, auth.Get("trustedProxy", "allowLoopback").Line, "allowLoopback is on but the guard is not on loopback: any local process could claim a user")
	}
}

func checkExec(fs *findings, file string, r *Value) {
	check := func(exec *Value, where string, parentLine int) {
		mode := exec.Get("mode").String()
		switch {
		case mode == "full":
			fs.add("OC_EXEC_FULL", file, exec.Get("mode").Line, where+".mode is \"full\"")
		case mode != "":
		case slices.Contains([]string{"deny", "allowlist"}, exec.Get("security").String()):
		default:
			fs.add("OC_EXEC_FULL", file, exec.LineOr(parentLine), where+".mode is unset, which is full on gateway hosts")
		}
	}
	tools := r.Get("tools")
	check(tools.Get("exec"), "tools.exec", tools.LineOr(r.Line))
	if entries := r.Get("agents", "entries"); entries != nil {
		for _, m := range entries.Members {
			if e := m.Value.Get("tools", "exec"); e != nil && e.Get("mode").String() == "full" {
				check(e, "agents.entries."+m.Key+".tools.exec", m.KeyLine)
			}
		}
	}
}

func checkSandbox(fs *findings, file string, r *Value, d *deployment) {
	sb := r.Get("agents", "defaults", "sandbox")
	at := sb.LineOr(r.Get("agents").LineOr(r.Line))
	if m := sb.Get("mode").String(); m != "all" {
		fs.add("OC_SANDBOX", file, sb.Get("mode").LineOr(at), fmt.Sprintf("agents.defaults.sandbox.mode is %s; want \"all\"", describe(sb.Get("mode"))))
	}
	if wa := sb.Get("workspaceAccess"); wa != nil && wa.Str != "none" && wa.Str != "ro" {
		fs.add("OC_SANDBOX", file, wa.Line, fmt.Sprintf("agents.defaults.sandbox.workspaceAccess is %s; want \"none\" or \"ro\"", describe(wa)))
	}
	docker := sb.Get("docker")
	network := docker.Get("network")
	switch n := network.String(); {
	case network == nil || n == "none":
	case n == "host" || n == "bridge":
		fs.add("OC_SANDBOX", file, network.Line, fmt.Sprintf("agents.defaults.sandbox.docker.network is %q; want \"none\" or an internal network", n))
	default:
		dns := docker.Get("dns").Strings()
		known := d.egressDNSAddrs()
		ok := len(dns) > 0 && (len(known) == 0 && !slices.ContainsFunc(dns, func(a string) bool { return !isInternalHost(a) }) ||
			len(known) > 0 && !slices.ContainsFunc(dns, func(a string) bool { return !slices.Contains(known, a) }))
		if !ok {
			fs.add("NET_SANDBOX_DNS", file, docker.Get("dns").LineOr(network.Line), fmt.Sprintf("sandbox network %q resolves through %v, not egress DNS %v", n, dns, known))
		}
	}
}

func checkInstallPolicy(fs *findings, file string, r *Value, d *deployment) {
	ip := r.Get("security", "installPolicy")
	at := ip.LineOr(r.Get("security").LineOr(r.Line))
	exec := ip.Get("exec")
	cmd := exec.Get("command").String()
	args := exec.Get("args").Strings()
	targets := ip.Get("targets").Strings()
	var why []string
	if !ip.Get("enabled").IsTrue() {
		why = append(why, "enabled is not true")
	}
	if !slices.Contains(targets, "skill") || !slices.Contains(targets, "plugin") {
		why = append(why, fmt.Sprintf("targets %v lack skill or plugin", targets))
	}
	if exec.Get("source").String() != "exec" {
		why = append(why, "exec.source is not \"exec\"")
	}
	if filepath.Base(cmd) != "quarantine" || len(args) == 0 || args[0] != "policy" {
		why = append(why, fmt.Sprintf("exec runs %q %v, not quarantine policy", cmd, args))
	}
	if len(why) > 0 {
		fs.add("OC_INSTALL_POLICY", file, at, "security.installPolicy: "+strings.Join(why, "; "))
		return
	}
	if !filepath.IsAbs(cmd) || filepath.Clean(cmd) != cmd {
		fs.add("OC_INSTALL_POLICY_COMMAND", file, exec.Get("command").Line, fmt.Sprintf("command %q is not a clean absolute path", cmd))
		return
	}
	// The command lives where the gateway runs: check it when it is here, and
	// with --live for a gateway that is not in a container.
	if _, err := os.Lstat(cmd); err == nil || d.live && !d.gatewayContainer {
		if why := commandRefusal(cmd); why != "" {
			fs.add("OC_INSTALL_POLICY_COMMAND", file, exec.Get("command").Line, why)
		}
	}
}

// commandRefusal says why OpenClaw would refuse cmd as an install policy
// command, or "" if it would run it.
func commandRefusal(cmd string) string {
	st, err := os.Lstat(cmd)
	if err != nil {
		return fmt.Sprintf("%s: %v", cmd, err)
	}
	if st.Mode()&os.ModeSymlink != 0 {
		return cmd + " is a symlink"
	}
	if !st.Mode().IsRegular() {
		return cmd + " is not a regular file"
	}
	if st.Mode().Perm()&0o022 != 0 {
		return fmt.Sprintf("%s is group- or world-writable (%v)", cmd, st.Mode().Perm())
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && sys.Uid != 0 && int(sys.Uid) != os.Getuid() {
		return fmt.Sprintf("%s is owned by uid %d, neither root nor the OpenClaw user", cmd, sys.Uid)
	}
	for dir := filepath.Dir(cmd); ; dir = filepath.Dir(dir) {
		if st, err := os.Stat(dir); err == nil && st.Mode().Perm()&0o022 != 0 && st.Mode()&os.ModeSticky == 0 {
			return fmt.Sprintf("directory %s is group- or world-writable", dir)
		}
		if dir == "/" || dir == "." {
			break
		}
	}
	return ""
}

func urlHostPort(raw string) (host, port string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", err
	}
	if u.Host == "" {
		return "", "", fmt.Errorf("no host")
	}
	port = u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return u.Hostname(), port, nil
}

func checkProxy(fs *findings, file string, r *Value, d *deployment) {
	proxy := r.Get("proxy")
	pu := proxy.Get("proxyUrl")
	at := pu.LineOr(proxy.LineOr(r.Line))
	if proxy.Get("enabled").IsFalse() {
		fs.add("OC_PROXY_URL", file, proxy.Get("enabled").Line, "proxy.enabled is false")
		return
	}
	if pu.String() == "" {
		fs.add("OC_PROXY_URL", file, at, "proxy.proxyUrl is unset: web_fetch, skills and child processes reach the internet directly")
		return
	}
	host, port, err := urlHostPort(pu.Str)
	switch {
	case err != nil:
		fs.add("OC_PROXY_URL", file, at, fmt.Sprintf("proxy.proxyUrl %q: %v", pu.Str, err))
	case len(d.roles[RoleEgressProxy]) > 0 && !d.matches(RoleEgressProxy, host, port):
		fs.add("OC_PROXY_URL", file, at, fmt.Sprintf("proxy.proxyUrl %q is not the egress proxy", pu.Str))
	case len(d.roles[RoleEgressProxy]) == 0 && !isInternalHost(host):
		fs.add("OC_PROXY_URL", file, at, fmt.Sprintf("proxy.proxyUrl %q leaves the deployment", pu.Str))
	}
}

// providerKeyPrefixes start the keys of common model providers.
var providerKeyPrefixes = []string{"sk-", "sk_", "AIza", "gsk_", "xai-", "pplx-", "r8_", "hf_", "nvapi-", "or-"}

// looksLikeKey tells whether an apiKey value is a real secret (or an
// environment reference that puts one into the gateway), not a placeholder.
// When the provider guard requires tokens of its own (guardTokens), a
// reference is taken for that token; a literal vendor key never is.
func looksLikeKey(v *Value, guardTokens bool) bool {
	if v == nil {
		return false
	}
	if v.Kind == Object { // a SecretRef: the gateway resolves it, so it holds the key
		return !guardTokens && v.Get("source").String() != ""
	}
	s := v.String()
	if strings.HasPrefix(s, "${") {
		return !guardTokens
	}
	for _, p := range providerKeyPrefixes {
		if strings.HasPrefix(s, p) && len(s) >= 20 {
			return true
		}
	}
	return estimateBits(s) >= 128
}

func checkProviders(fs *findings, file string, r *Value, d *deployment) {
	provs := r.Get("models", "providers")
	if provs == nil || provs.Kind != Object || len(provs.Members) == 0 {
		fs.add("OC_PROVIDER_BASEURL", file, provs.LineOr(r.Get("models").LineOr(r.Line)), "models.providers is empty: built-in providers call their vendors directly")
		return
	}
	for _, m := range provs.Members {
		bu := m.Value.Get("baseUrl")
		at := bu.LineOr(m.KeyLine)
		host, port, err := urlHostPort(bu.String())
		guarded := false
		switch {
		case bu.String() == "":
			fs.add("OC_PROVIDER_BASEURL", file, at, fmt.Sprintf("provider %s has no baseUrl: it calls its vendor directly", m.Key))
		case err != nil:
			fs.add("OC_PROVIDER_BASEURL", file, at, fmt.Sprintf("provider %s baseUrl %q: %v", m.Key, bu.Str, err))
		case d.hasProviderGuard() && !d.matches(RoleProviderGuard, host, port):
			fs.add("OC_PROVIDER_BASEURL", file, at, fmt.Sprintf("provider %s baseUrl %q is not the provider guard", m.Key, bu.Str))
		case !d.hasProviderGuard() && !isInternalHost(host):
			fs.add("OC_PROVIDER_BASEURL", file, at, fmt.Sprintf("provider %s baseUrl %q calls the vendor directly", m.Key, bu.Str))
		default:
			guarded = true
		}
		if k := m.Value.Get("apiKey"); guarded && looksLikeKey(k, d.providerTokens) {
			fs.add("SECRET_PROVIDER_KEY_EXPOSED", file, k.Line, fmt.Sprintf("provider %s holds a real key in openclaw.json; the provider guard holds it", m.Key))
		}
	}
}

// checkAgentModels looks for agent models.json files in the state
// directories that exist on this host.
func checkAgentModels(fs *findings, o *openclawInput, d *deployment) {
	dirs := append([]string{filepath.Dir(o.path)}, d.stateDirs...)
	seen := map[string]bool{}
	for _, dir := range dirs {
		matches, _ := filepath.Glob(filepath.Join(dir, "agents", "*", "agent", "models.json"))
		for _, p := range matches {
			if seen[p] {
				continue
			}
			seen[p] = true
			b, err := readLimited(p)
			if err != nil {
				continue
			}
			v, err := ParseJSON5(b)
			if err != nil {
				fs.add("OC_AGENT_MODELS_OVERRIDE", p, 1, fmt.Sprintf("cannot read: %v; OpenClaw may still apply it", err))
				continue
			}
			for _, pm := range v.Get("providers").Members {
				if bu := pm.Value.Get("baseUrl"); bu != nil {
					fs.add("OC_AGENT_MODELS_OVERRIDE", p, bu.Line, fmt.Sprintf("provider %s baseUrl %s overrides openclaw.json", pm.Key, describe(bu)))
				}
			}
		}
	}
}

// checkUserHeader: in trusted-proxy mode the gateway takes the user from
// gateway.auth.trustedProxy.userHeader on any request from a trusted proxy.
// A guard that does not set (and so strip) that very header passes a
// client's own copy through: any client of the guard could name itself.
func checkUserHeader(fs *findings, o *openclawInput, caddies []*caddyInput) {
	auth := o.root.Get("gateway", "auth")
	if auth.Get("mode").String() != "trusted-proxy" {
		return
	}
	uh := auth.Get("trustedProxy", "userHeader")
	want := strings.TrimSpace(uh.String())
	if want == "" || GuardAlwaysStrips(want) {
		return // OC_AUTH_MODE says so; or no client can pass it through
	}
	for _, c := range caddies {
		for _, got := range c.guardUserHeaders {
			switch {
			case got == "":
				fs.add("OC_USER_HEADER_UNGUARDED", o.path, uh.Line,
					fmt.Sprintf("the gateway trusts %s from the guard, but the openclaw_guard in %s has no control_ui: it neither sets nor strips %s, so a client's own %s reaches the gateway", want, c.path, want, want))
			case !strings.EqualFold(got, want):
				fs.add("OC_USER_HEADER_UNGUARDED", o.path, uh.Line,
					fmt.Sprintf("the gateway trusts %s from the guard, but the openclaw_guard in %s sets and strips %s: a client's own %s reaches the gateway", want, c.path, got, want))
			}
		}
	}
}

// GuardAlwaysStrips tells whether openclaw_guard removes a client's header of
// this name whatever its config (caddyplugin/guard/headers.go: X-OpenClaw-*,
// Forwarded, X-Real-IP and X-Forwarded-* but For, Proto and Host).
func GuardAlwaysStrips(name string) bool { // caddyplugin/guard.StripsClientHeader; a test keeps them equal
	n := strings.ToLower(name)
	switch {
	case strings.HasPrefix(n, "x-openclaw-"), n == "forwarded", n == "x-real-ip":
		return true
	case strings.HasPrefix(n, "x-forwarded-"):
		return n != "x-forwarded-for" && n != "x-forwarded-proto" && n != "x-forwarded-host"
	}
	return false
}
