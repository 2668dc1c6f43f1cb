package posture

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/openclaw-secure-stack/securestack/egress"
)

// LiveOptions say where the running parts are. Empty fields are found from
// the static inputs.
type LiveOptions struct {
	// Engine is the Docker or Podman API socket ("unix:///var/run/docker.sock"
	// or a path). EngineRequired makes an absent engine a prerequisite
	// failure even without Compose inputs; NoEngine skips the engine.
	Engine         string
	EngineRequired bool
	NoEngine       bool
	// GuardURLs are probed without a token.
	GuardURLs []string
	// DNSAddrs are egress resolvers (host:port) asked for a blocked name.
	DNSAddrs []string
	// GatewayAddrs are host:port of gateways whose exposure is checked.
	GatewayAddrs []string
	// OpenClaw is the openclaw command (a path, or a space-free command line
	// such as "/path/node /path/openclaw.mjs"); "" looks for openclaw on PATH.
	OpenClaw string
	// OpenClawEnv is added to the environment of `openclaw security audit`.
	OpenClawEnv []string
	// Firewall is nft, ufw, auto or off.
	Firewall string
	// Command runs a host tool (nft, ufw, openclaw); nil runs it directly.
	// Tests use it to run nft inside a network namespace.
	Command func(ctx context.Context, name string, args ...string) *exec.Cmd
	// Timeout bounds each probe; 0 means 5 s (and 3 min for openclaw).
	Timeout time.Duration
}

func (l *LiveOptions) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	if l.Command != nil {
		return l.Command(ctx, name, args...)
	}
	return exec.CommandContext(ctx, name, args...)
}

func (l *LiveOptions) timeout() time.Duration {
	if l.Timeout > 0 {
		return l.Timeout
	}
	return 5 * time.Second
}

func (a *Auditor) runLive(ctx context.Context, fs *findings, d *deployment) {
	l := a.opts.Live
	a.liveEngine(ctx, fs, l)
	a.liveGateway(ctx, fs, l, d)
	a.liveGuard(ctx, fs, l, d)
	a.liveDNS(ctx, fs, l, d)
	a.liveFirewall(ctx, fs, l)
	a.liveOpenClaw(ctx, fs, l)
}

// probeHost turns a listen host into one to connect to.
func probeHost(h string) string {
	if h == "" || h == "0.0.0.0" || h == "::" {
		return "127.0.0.1"
	}
	return h
}

func (a *Auditor) liveGuard(ctx context.Context, fs *findings, l *LiveOptions, d *deployment) {
	urls := l.GuardURLs
	if len(urls) == 0 {
		for _, c := range a.caddies {
			for _, s := range c.servers {
				if !s.roles[RoleGuard] {
					continue
				}
				for _, ls := range s.listen {
					host, port := splitListen(ls)
					scheme := "http"
					if port == "443" {
						scheme = "https"
					}
					urls = append(urls, scheme+"://"+net.JoinHostPort(probeHost(host), port))
				}
			}
		}
	}
	client := &http.Client{
		Timeout: l.timeout(),
		// The probe only needs the refusal; a self-signed or internal CA
		// certificate must not hide an open guard.
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, Proxy: nil},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	for _, u := range urls {
		for _, probe := range []struct{ method, path, body string }{
			{"GET", "/v1/models", ""},
			{"POST", "/v1/chat/completions", `{"model":"openclaw","messages":[{"role":"user","content":"stackaudit probe"}]}`},
		} {
			req, err := http.NewRequestWithContext(ctx, probe.method, strings.TrimSuffix(u, "/")+probe.path, strings.NewReader(probe.body))
			if err != nil {
				a.fail("guard "+u, err)
				break
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				a.fail("guard "+u, fmt.Errorf("cannot reach it: %w", err))
				break
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden {
				fs.add("LIVE_GUARD_OPEN", "", 0, fmt.Sprintf("%s %s%s without a token answered %d, want 401", probe.method, u, probe.path, resp.StatusCode))
			}
		}
	}
}

// probeName makes a name no allowlist entry covers.
func probeName(lists []string) (string, error) {
	al, err := egress.LoadAllowlist(lists...)
	for range 8 {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		name := "sa-" + hex.EncodeToString(b) + ".stackaudit-probe.example."
		if err != nil || al == nil || !al.Match(name) {
			return name, nil
		}
	}
	return "", errors.New("the allowlist covers every probe name tried (is it `.example`?)")
}

func (a *Auditor) liveDNS(ctx context.Context, fs *findings, l *LiveOptions, d *deployment) {
	addrs := l.DNSAddrs
	if len(addrs) == 0 {
		for _, ls := range d.egressDNSListen {
			host, port, err := net.SplitHostPort(ls)
			if err == nil {
				addrs = append(addrs, net.JoinHostPort(probeHost(host), port))
			}
		}
	}
	var lists []string
	for _, p := range d.egressAllowlists {
		if _, err := os.Stat(p); err == nil {
			lists = append(lists, p)
		}
	}
	for _, addr := range addrs {
		name, err := probeName(lists)
		if err != nil {
			a.fail("egress DNS "+addr, err)
			continue
		}
		m := new(dns.Msg)
		m.SetQuestion(name, dns.TypeA)
		m.SetEdns0(1232, false)
		c := &dns.Client{Timeout: l.timeout()}
		r, _, err := c.ExchangeContext(ctx, m, addr)
		if err != nil {
			a.fail("egress DNS "+addr, fmt.Errorf("no answer for %s: %w", name, err))
			continue
		}
		if !blockedAnswer(r) {
			fs.add("LIVE_DNS_LEAK", "", 0, fmt.Sprintf("%s answered %s for %s, a name on no allowlist (want NXDOMAIN with EDE 15 Blocked, or REFUSED)", addr, dns.RcodeToString[r.Rcode], name))
		}
	}
}

// blockedAnswer tells whether a reply is the egress plugin's refusal, not an
// upstream's answer: REFUSED, or NXDOMAIN carrying Extended DNS Error 15.
func blockedAnswer(r *dns.Msg) bool {
	if r.Rcode == dns.RcodeRefused {
		return true
	}
	if r.Rcode != dns.RcodeNameError || len(r.Answer) > 0 {
		return false
	}
	if opt := r.IsEdns0(); opt != nil {
		for _, o := range opt.Option {
			if e, ok := o.(*dns.EDNS0_EDE); ok && e.InfoCode == dns.ExtendedErrorCodeBlocked {
				return true
			}
		}
	}
	return false
}

// gatewayPorts lists the gateway ports the OpenClaw configs name (18789 by default).
func (a *Auditor) gatewayPorts() []string {
	var out []string
	for _, o := range a.openclaws {
		p := "18789"
		if v := o.root.Get("gateway", "port"); v != nil && v.Kind == Number {
			p = strconv.Itoa(int(v.Num))
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

func (a *Auditor) liveGateway(ctx context.Context, fs *findings, l *LiveOptions, d *deployment) {
	var ports []string
	for _, g := range l.GatewayAddrs {
		if _, p, err := net.SplitHostPort(g); err == nil {
			ports = append(ports, p)
		}
	}
	if len(ports) == 0 && !d.gatewayContainer {
		ports = a.gatewayPorts()
	}
	if len(ports) == 0 {
		return
	}
	socks, err := listeningSockets()
	if err != nil {
		a.fail("gateway port", err)
		return
	}
	for _, port := range ports {
		n, _ := strconv.Atoi(port)
		found := false
		for _, s := range socks {
			if s.Port != n {
				continue
			}
			found = true
			if !s.Addr.IsLoopback() {
				fs.add("LIVE_GATEWAY_EXPOSED", "", 0, fmt.Sprintf("port %d listens on %s, beyond loopback", n, s.Addr))
			}
		}
		if !found {
			a.fail("gateway port "+port, errors.New("nothing listens on it in this network namespace: is the gateway running here?"))
			continue
		}
		// Belt and braces: try to connect on each of this host's other addresses.
		for _, ip := range hostAddrs() {
			conn, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", net.JoinHostPort(ip.String(), port))
			if err == nil {
				conn.Close()
				fs.add("LIVE_GATEWAY_EXPOSED", "", 0, fmt.Sprintf("the gateway port %s accepts connections on %s", port, ip))
			}
		}
	}
}

func hostAddrs() []net.IP {
	var out []net.IP
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			out = append(out, n.IP)
		}
	}
	return out
}

func (a *Auditor) liveFirewall(ctx context.Context, fs *findings, l *LiveOptions) {
	mode := l.Firewall
	if mode == "" {
		mode = "auto"
	}
	if mode == "off" {
		return
	}
	var tried []string
	if mode == "nft" || mode == "auto" {
		cctx, cancel := context.WithTimeout(ctx, l.timeout())
		out, err := l.command(cctx, "nft", "-j", "list", "ruleset").Output()
		cancel()
		if err == nil {
			ok, why, perr := NFTDeniesInbound(out)
			if perr != nil {
				a.fail("firewall", fmt.Errorf("nft -j list ruleset: %w", perr))
				return
			}
			if ok {
				return
			}
			if mode == "nft" {
				fs.add("LIVE_FIREWALL_INACTIVE", "", 0, "nftables: "+why)
				return
			}
			tried = append(tried, "nftables: "+why)
		} else {
			tried = append(tried, fmt.Sprintf("nft: %v", err))
		}
	}
	if mode == "ufw" || mode == "auto" {
		cctx, cancel := context.WithTimeout(ctx, l.timeout())
		out, err := l.command(cctx, "ufw", "status", "verbose").Output()
		cancel()
		if err == nil {
			s := string(out)
			if strings.Contains(s, "Status: active") && strings.Contains(s, "deny (incoming)") {
				return
			}
			fs.add("LIVE_FIREWALL_INACTIVE", "", 0, "ufw is inactive or does not deny incoming by default; "+strings.Join(tried, "; "))
			return
		}
		tried = append(tried, fmt.Sprintf("ufw: %v", err))
	}
	if slices.ContainsFunc(tried, func(s string) bool { return strings.HasPrefix(s, "nftables:") }) {
		fs.add("LIVE_FIREWALL_INACTIVE", "", 0, strings.Join(tried, "; "))
		return
	}
	a.fail("firewall", fmt.Errorf("neither nft nor ufw could be asked: %s", strings.Join(tried, "; ")))
}

// NFTDeniesInbound reads `nft -j list ruleset` and tells whether an input
// hook chain drops by default (or ends in an unconditional drop or reject).
func NFTDeniesInbound(js []byte) (bool, string, error) {
	var doc struct {
		Nftables []map[string]json.RawMessage `json:"nftables"`
	}
	if err := json.Unmarshal(js, &doc); err != nil {
		return false, "", err
	}
	type chain struct {
		Family, Table, Name, Hook, Policy string
	}
	var inputs []chain
	lastRule := map[string]json.RawMessage{}
	for _, obj := range doc.Nftables {
		if raw, ok := obj["chain"]; ok {
			var c chain
			if err := json.Unmarshal(raw, &c); err != nil {
				return false, "", fmt.Errorf("chain: %w", err)
			}
			if c.Hook == "input" {
				inputs = append(inputs, c)
			}
		}
		if raw, ok := obj["rule"]; ok {
			var r struct {
				Family, Table, Chain string
				Expr                 json.RawMessage `json:"expr"`
			}
			if err := json.Unmarshal(raw, &r); err != nil {
				return false, "", fmt.Errorf("rule: %w", err)
			}
			lastRule[r.Family+"/"+r.Table+"/"+r.Chain] = r.Expr
		}
	}
	if len(inputs) == 0 {
		return false, "no chain hooks input", nil
	}
	for _, c := range inputs {
		if c.Policy == "drop" {
			return true, "", nil
		}
		var last []map[string]json.RawMessage
		if err := json.Unmarshal(lastRule[c.Family+"/"+c.Table+"/"+c.Name], &last); err == nil && len(last) == 1 {
			if _, drop := last[0]["drop"]; drop {
				return true, "", nil
			}
			if _, rej := last[0]["reject"]; rej {
				return true, "", nil
			}
		}
	}
	return false, "no input chain drops by default", nil
}

// openclawCommand splits the configured command, or finds openclaw on PATH.
func openclawCommand(l *LiveOptions) ([]string, error) {
	if l.OpenClaw != "" {
		return strings.Fields(l.OpenClaw), nil
	}
	p, err := exec.LookPath("openclaw")
	if err != nil {
		return nil, errors.New("openclaw is not on PATH: pass --openclaw")
	}
	return []string{p}, nil
}

// OpenClawAuditReport is the part of `openclaw security audit --json` the
// audit folds in.
type OpenClawAuditReport struct {
	Findings []struct {
		CheckID     string `json:"checkId"`
		Severity    string `json:"severity"`
		Title       string `json:"title"`
		Detail      string `json:"detail"`
		Remediation string `json:"remediation"`
	} `json:"findings"`
}

// ParseOpenClawAudit reads `openclaw security audit --json` output and
// returns its warn and critical findings with OpenClaw's check ids (info
// findings, such as the attack surface summary, are not failures).
func ParseOpenClawAudit(js []byte, configPath string) ([]Finding, error) {
	// The CLI may print a banner or warnings before the JSON object.
	if i := bytes.IndexByte(js, '{'); i > 0 {
		js = js[i:]
	}
	var rep OpenClawAuditReport
	if err := json.Unmarshal(js, &rep); err != nil {
		return nil, fmt.Errorf("not the JSON report: %w", err)
	}
	var out []Finding
	for _, f := range rep.Findings {
		if f.CheckID == "" {
			return nil, errors.New("a finding without checkId")
		}
		var sev Severity
		switch f.Severity {
		case "critical":
			sev = Critical
		case "warn":
			sev = Medium
		case "info":
			continue
		default:
			return nil, fmt.Errorf("finding %s: unknown severity %q", f.CheckID, f.Severity)
		}
		msg := f.Title
		if f.Detail != "" {
			msg += ": " + f.Detail
		}
		fix := f.Remediation
		if fix == "" {
			fix = "see OpenClaw's docs/gateway/security/audit-checks.md for " + f.CheckID
		}
		out = append(out, Finding{ID: f.CheckID, Severity: sev, Group: "openclaw", File: configPath, Message: msg, Fix: fix, Source: "openclaw"})
	}
	return out, nil
}

func (a *Auditor) liveOpenClaw(ctx context.Context, fs *findings, l *LiveOptions) {
	for _, o := range a.openclaws {
		cmdline, err := openclawCommand(l)
		if err != nil {
			a.fail("openclaw security audit", err)
			return
		}
		abs, _ := filepath.Abs(o.path)
		cctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		args := append(cmdline[1:], "security", "audit", "--deep", "--json")
		cmd := l.command(cctx, cmdline[0], args...)
		cmd.Env = append(append(os.Environ(), "OPENCLAW_CONFIG_PATH="+abs), l.OpenClawEnv...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		cancel()
		if err != nil && len(out) == 0 {
			a.fail("openclaw security audit", fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String())))
			continue
		}
		got, perr := ParseOpenClawAudit(out, o.path)
		if perr != nil {
			a.fail("openclaw security audit", perr)
			continue
		}
		fs.list = append(fs.list, got...)
	}
}
