//go:build openclaw

package e2e

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openclaw-secure-stack/securestack/auth"
	"github.com/openclaw-secure-stack/securestack/auth/session"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/guard/controlui"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/guard/wsfirewall"
)

// testGuard is a small reverse proxy that does, for the Control UI, what
// openclaw_guard will do once these packages are wired into it (phase 2 of
// issue 18, docs/control-ui.md): the login page and session cookie, the
// identity header and scope cap on every forwarded request, the
// loopback-client address, and the WebSocket firewall inside the proxy's
// tunnel. Phase 2 replaces it with bin/caddy.
type testGuard struct {
	gate   *controlui.Gate
	fw     *wsfirewall.Firewall
	policy *wsfirewall.Policy
	roles  map[string]string // token name → role
	proxy  *httputil.ReverseProxy
	target *url.URL
	srv    *http.Server
	url    string

	mu        sync.Mutex
	forwarded []string // client requests forwarded to the gateway
	decisions []wsfirewall.Decision
	events    []controlui.Event
	upgrades  []http.Header // headers of the upgrades sent to the gateway
}

// tokens for the browser tests, with their roles.
type uiToken struct{ name, secret, role string }

func startTestGuard(t *testing.T, gatewayAddr string, tokens []uiToken, policy *wsfirewall.Policy, judge wsfirewall.Judge) *testGuard {
	t.Helper()
	var toks []auth.Token
	g := &testGuard{roles: map[string]string{}, policy: policy}
	for _, tk := range tokens {
		tok, err := auth.ParseToken(tk.name, tk.secret)
		must(t, err)
		toks = append(toks, tok)
		g.roles[tk.name] = tk.role
	}
	v, err := auth.NewVerifier(toks)
	must(t, err)
	g.gate = &controlui.Gate{
		Verifier: v,
		Limiter:  auth.NewLimiter(auth.LimiterConfig{}),
		Sessions: session.NewStore(session.Config{}),
		RoleOf: func(name string) (string, bool) {
			r, ok := g.roles[name]
			return r, ok
		},
		Audit: func(_ *http.Request, e controlui.Event) {
			g.mu.Lock()
			g.events = append(g.events, e)
			g.mu.Unlock()
		},
	}
	g.fw = &wsfirewall.Firewall{Policy: policy, Judge: judge,
		OnDecision: func(d wsfirewall.Decision) {
			g.mu.Lock()
			g.decisions = append(g.decisions, d)
			g.mu.Unlock()
		},
		OnForward: func(_ wsfirewall.Decision, payload []byte) {
			g.mu.Lock()
			g.forwarded = append(g.forwarded, string(payload))
			g.mu.Unlock()
		},
	}
	g.target = &url.URL{Scheme: "http", Host: gatewayAddr}
	g.proxy = &httputil.ReverseProxy{
		// Rewrite, not Director: httputil then adds no X-Forwarded-For of
		// its own, so the one set in ServeHTTP is the only one.
		Rewrite: func(pr *httputil.ProxyRequest) {
			g.mu.Lock()
			target := g.target
			g.mu.Unlock()
			pr.SetURL(target)
			for _, k := range []string{"X-Forwarded-For", "X-Forwarded-User", controlui.ScopesHeader} {
				if v, ok := pr.In.Header[k]; ok {
					pr.Out.Header[k] = v
				}
			}
			if wsfirewall.IsUpgrade(pr.Out) {
				g.mu.Lock()
				g.upgrades = append(g.upgrades, pr.Out.Header.Clone())
				g.mu.Unlock()
			}
		},
		FlushInterval: -1,
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	g.url = "http://" + ln.Addr().String()
	g.srv = &http.Server{Handler: g, ReadHeaderTimeout: 10 * time.Second}
	go g.srv.Serve(ln)
	t.Cleanup(func() { g.srv.Close() })
	return g
}

func (g *testGuard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// What the client may not choose: identity, scope cap, forwarding
	// claims, and its cookies (the session cookie is the guard's).
	controlui.StripIdentity(r.Header, "X-Forwarded-User")
	for k := range r.Header {
		lk := strings.ToLower(k)
		if lk == "forwarded" || lk == "x-real-ip" || strings.HasPrefix(lk, "x-forwarded-") || strings.HasPrefix(lk, "x-openclaw-") {
			delete(r.Header, k)
		}
	}
	switch r.URL.Path {
	case controlui.LoginPath:
		g.gate.ServeLogin(w, r)
		return
	case controlui.LogoutPath:
		g.gate.ServeLogout(w, r)
		return
	case "/health":
		r.Header.Del("Cookie")
		g.proxy.ServeHTTP(w, r)
		return
	}
	_, s, ok := g.gate.Session(r)
	r.Header.Del("Cookie")
	if !ok {
		if controlui.WantsLoginPage(r) {
			controlui.LoginRedirect(w, r)
			return
		}
		http.Error(w, "openclaw_guard: log in first", http.StatusUnauthorized)
		return
	}
	role, _ := g.policy.Role(s.Role)
	host, _, _ := net.SplitHostPort(r.RemoteAddr)
	ff := controlui.ForwardedFor(host)
	if ff == "" {
		http.Error(w, "openclaw_guard: unknown client address", http.StatusBadRequest)
		return
	}
	r.Header.Set("X-Forwarded-For", ff)
	controlui.SetIdentity(r.Header, "X-Forwarded-User", s.TokenName, role.CapHeader())
	if wsfirewall.IsUpgrade(r) {
		if err := wsfirewall.PrepareUpgrade(r); err != nil {
			http.Error(w, "openclaw_guard: "+err.Error(), http.StatusBadRequest)
			return
		}
		if err := wsfirewall.CheckOrigin(r, false, nil); err != nil {
			http.Error(w, "openclaw_guard: "+err.Error(), http.StatusForbidden)
			return
		}
		g.proxy.ServeHTTP(g.fw.Wrap(w, wsfirewall.Peer{Role: s.Role, Ended: s.Ended(), Expires: s.Expires}), r)
		return
	}
	g.proxy.ServeHTTP(w, r)
}

func (g *testGuard) decisionsFor(method string) []wsfirewall.Decision {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []wsfirewall.Decision
	for _, d := range g.decisions {
		if method == "" || d.Method == method {
			out = append(out, d)
		}
	}
	return out
}

// retarget points the guard at a gateway started after it (the gateway's
// config needs the guard's origin).
func (g *testGuard) retarget(gatewayAddr string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.target = &url.URL{Scheme: "http", Host: gatewayAddr}
}

// simpleJudge stands in for the sanitizer in phase 1.
func simpleJudge(text string) (bool, []string) {
	if strings.Contains(strings.ToLower(text), "ignore previous instructions") {
		return true, []string{"e2e.override"}
	}
	return false, nil
}

// defaultPolicyForUI has the built-in roles and an admin granted the
// terminal.
func defaultPolicyForUI() *wsfirewall.Policy {
	terminalAdmin := wsfirewall.RoleAdmin
	terminalAdmin.Name = "admin-terminal"
	terminalAdmin.Grant = []string{"terminal.*"}
	p, err := wsfirewall.NewPolicy([]wsfirewall.Role{wsfirewall.RoleViewer, wsfirewall.RoleOperator, wsfirewall.RoleAdmin, terminalAdmin}, wsfirewall.UnknownDeny)
	if err != nil {
		panic(err)
	}
	return p
}

// forwardedFrames returns the forwarded request frames of a method.
func (g *testGuard) forwardedFrames(method string) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for _, f := range g.forwarded {
		if strings.Contains(f, `"method":"`+method+`"`) {
			out = append(out, f)
		}
	}
	return out
}
