//go:build openclaw

// The guard's model of OpenClaw's routing, checked against the installed
// package. `make e2e-openclaw` (part of `make test`) runs this.

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/openclaw-secure-stack/securestack/caddyplugin/guard/route"
	"github.com/openclaw-secure-stack/securestack/internal/testbin"
)

// TestOpenClawRoutesAsTheGuardJudges reads OpenClaw's routing from the
// installed package: where it rewrites a request's URL, its capability
// prefix, its probe paths and its Control UI files must be the ones the guard
// knows, so a new OpenClaw version that adds a rewrite fails here, loudly;
// and OpenClaw's own URL code, run over the bypass corpus and thousands of
// generated targets, must route every path the guard accepts as the path the
// guard judged, both as the client sent it and as the guard forwards it.
func TestOpenClawRoutesAsTheGuardJudges(t *testing.T) {
	oc := ensureOpenClaw(t)
	dist := filepath.Join(oc.cache, "openclaw/node_modules/openclaw/dist")
	files, err := filepath.Glob(filepath.Join(dist, "*.mjs"))
	must(t, err)
	if len(files) < 100 {
		t.Fatalf("only %d modules in %s", len(files), dist)
	}

	t.Run("the request URL is rewritten only where the guard knows", func(t *testing.T) {
		// Every assignment to req.url in the gateway's code. Today: the
		// capability rewrite in the HTTP handler and in the upgrade handler.
		assign := regexp.MustCompile(`\breq(?:uest)?\.url\s*=[^=]`)
		var sites []string
		for _, f := range files {
			b, err := os.ReadFile(f)
			must(t, err)
			if !bytes.Contains(b, []byte(".url")) {
				continue
			}
			for i, line := range strings.Split(string(b), "\n") {
				if assign.MatchString(line) {
					sites = append(sites, fmt.Sprintf("%s:%d: %s", filepath.Base(f), i+1, strings.TrimSpace(line)))
				}
			}
		}
		known := 0
		for _, s := range sites {
			if strings.Contains(s, "scopedNodeCapability.rewrittenUrl") && strings.HasPrefix(s, "server-start-") {
				known++
				continue
			}
			t.Errorf("OpenClaw rewrites the request URL in a place the guard does not model: %s\n"+
				"read it, teach caddyplugin/guard/route.Canonical the rewrite, and add it to this test", s)
		}
		if known != 2 {
			t.Errorf("found %d capability rewrites of req.url, want 2 (HTTP and upgrade handlers): %v", known, sites)
		}
		calls := 0
		for _, f := range files {
			b, _ := os.ReadFile(f)
			calls += bytes.Count(b, []byte("normalizePluginNodeCapabilityScopedUrl(req.url"))
		}
		if calls != 2 {
			t.Errorf("normalizePluginNodeCapabilityScopedUrl is applied to req.url %d times, want 2", calls)
		}
	})

	t.Run("the capability prefix, query and probe paths are the guard's", func(t *testing.T) {
		capSrc := readMatching(t, dist, `^plugin-node-capability-[A-Za-z0-9_-]+\.mjs$`, "-auth-")
		if want := `PLUGIN_NODE_CAPABILITY_PATH_PREFIX = "` + strings.TrimSuffix(route.CapabilityPrefix, "/") + `"`; !strings.Contains(capSrc, want) {
			t.Errorf("the capability prefix changed: %s not found", want)
		}
		if want := `PLUGIN_NODE_CAPABILITY_QUERY_PARAM = "` + route.CapabilityQuery + `"`; !strings.Contains(capSrc, want) {
			t.Errorf("the capability query parameter changed: %s not found", want)
		}
		contracts := readMatching(t, dist, `^gateway-http-route-contracts-[A-Za-z0-9_-]+\.mjs$`, "")
		block := regexp.MustCompile(`(?s)GATEWAY_PROBE_ROUTES = .*?new Map\(\[(.*?)\]\);`).FindStringSubmatch(contracts)
		if block == nil {
			t.Fatal("GATEWAY_PROBE_ROUTES not found")
		}
		var probes []string
		for _, m := range regexp.MustCompile(`\["(/[^"]*)"`).FindAllStringSubmatch(block[1], -1) {
			probes = append(probes, m[1])
		}
		if !slices.Equal(sorted(probes), sorted(route.ProbePaths)) {
			t.Errorf("OpenClaw's probe paths are %v; the guard's public defaults are %v", probes, route.ProbePaths)
		}
	})

	t.Run("every Control UI file is on the default table", func(t *testing.T) {
		entries, err := os.ReadDir(filepath.Join(dist, "control-ui"))
		must(t, err)
		var files, dirs []string
		for _, e := range entries {
			if e.IsDir() {
				dirs = append(dirs, e.Name())
			} else {
				files = append(files, e.Name())
			}
		}
		if !slices.Equal(sorted(files), sorted(route.ControlUIFiles)) || !slices.Equal(sorted(dirs), sorted(route.ControlUIDirs)) {
			t.Errorf("the Control UI serves files %v and directories %v; route.Defaults knows %v and %v",
				files, dirs, route.ControlUIFiles, route.ControlUIDirs)
		}
	})

	t.Run("OpenClaw's own URL code routes every accepted path as the guard judged it", func(t *testing.T) {
		targets := routeCorpus()
		type judged struct {
			target, forwarded, path string
		}
		var accepted []judged
		var ask []string
		for _, tgt := range targets {
			u, err := url.ParseRequestURI(tgt)
			if err != nil || u.Opaque != "" {
				continue // Go's server answers 400 itself
			}
			p, err := route.Canonical(u.EscapedPath())
			if err != nil {
				continue
			}
			fwd := p.Escaped
			if p.Rewritten() {
				q := u.Query()
				q.Set(route.CapabilityQuery, p.Capability)
				fwd += "?" + q.Encode()
			} else if u.RawQuery != "" {
				fwd += "?" + u.RawQuery
			}
			accepted = append(accepted, judged{tgt, fwd, p.Escaped})
			ask = append(ask, tgt, fwd)
		}
		results := runRoutes(t, oc, dist, ask)
		for _, j := range accepted {
			sent, forwarded := results[j.target], results[j.forwarded]
			if forwarded.RewrittenURL != nil || forwarded.Malformed || forwarded.Pathname != j.path {
				t.Errorf("the guard forwards %q for %q, judged as %q, but OpenClaw routes it as %+v", j.forwarded, j.target, j.path, forwarded)
			}
			if sent.Pathname != j.path {
				t.Errorf("for %q the guard judged %q but OpenClaw routes %q (%+v)", j.target, j.path, sent.Pathname, sent)
			}
		}
		t.Logf("%d targets, %d accepted by the guard and routed by OpenClaw as judged", len(targets), len(accepted))
		if len(accepted) < 500 {
			t.Errorf("only %d targets were accepted: the corpus does not exercise the comparison", len(accepted))
		}
	})
}

type routed struct {
	Target       string  `json:"target"`
	Pathname     string  `json:"pathname"`
	RewrittenURL *string `json:"rewrittenUrl"`
	Malformed    bool    `json:"malformed"`
}

// runRoutes runs e2e/openclaw/routes.mjs, OpenClaw's own routing code, over
// targets.
func runRoutes(t *testing.T, oc openclaw, dist string, targets []string) map[string]routed {
	t.Helper()
	root, _ := testbin.ModuleRoot()
	in, _ := json.Marshal(targets)
	cmd := exec.Command(oc.node, filepath.Join(root, "e2e/openclaw/routes.mjs"))
	cmd.Env = append(os.Environ(), "OPENCLAW_DIST="+dist)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("routes.mjs: %v\n%s", err, stderr.String())
	}
	var res struct {
		Module  string   `json:"module"`
		Results []routed `json:"results"`
	}
	must(t, json.Unmarshal(out, &res))
	t.Logf("OpenClaw's rewrite from %s", res.Module)
	m := make(map[string]routed, len(res.Results))
	for _, r := range res.Results {
		m[r.Target] = r
	}
	return m
}

// routeCorpus is the bypass suite's targets, every default route with and
// without the capability prefix, and generated targets built from the
// pieces attackers combine.
func routeCorpus() []string {
	set := map[string]bool{}
	for _, a := range attacks() {
		if strings.HasPrefix(a.target, "/") {
			set[a.target] = true
		}
	}
	for _, r := range route.Defaults() {
		p := strings.NewReplacer("{id}", "openclaw%2Fdefault", "*", "x").Replace(r.Pattern)
		set[p] = true
		set["/__openclaw__/cap/c4p"+p] = true
		set[p+"?oc_cap=q&a=b"] = true
	}
	pieces := []string{"", ".", "..", "%2e", "%2E%2e", ".%2e", "a", "tools", "invoke", "v1", "chat", "completions", "hooks",
		"__openclaw__", "cap", "c4p", "x", "%2F", "%2f", "%5C", ";", "a;b", "%25", "%252e", "heal%74h", "health", "%20",
		"%C3%A9", "!$&'()*+,=:@", "~", "%7E", "A", "CAP", "models", "openclaw%2Fdefault", "%3F", "%23"}
	rng := rand.New(rand.NewPCG(13, 13))
	for range 6000 {
		n := 1 + rng.IntN(6)
		var b strings.Builder
		if rng.IntN(3) == 0 {
			b.WriteString("/__openclaw__/cap/" + pieces[rng.IntN(len(pieces))])
		}
		for range n {
			b.WriteString("/" + pieces[rng.IntN(len(pieces))])
		}
		set[b.String()] = true
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func readMatching(t *testing.T, dir, pattern, exclude string) string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	entries, err := os.ReadDir(dir)
	must(t, err)
	for _, e := range entries {
		if re.MatchString(e.Name()) && (exclude == "" || !strings.Contains(e.Name(), exclude)) {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			must(t, err)
			return string(b)
		}
	}
	t.Fatalf("no file matching %s in %s", pattern, dir)
	return ""
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}
