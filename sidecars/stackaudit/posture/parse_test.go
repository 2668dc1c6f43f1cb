package posture

import (
	"encoding/json"
	"math"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func TestJSON5Values(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     any // encoding/json's generic form
	}{
		{"plain JSON", `{"a": [1, true, null, "x"]}`, map[string]any{"a": []any{1.0, true, nil, "x"}}},
		{"comments and trailing commas", "// c\n{a: 1, /* b */ b: [2,],}", map[string]any{"a": 1.0, "b": []any{2.0}}},
		{"identifier keys with $ _ and unicode", `{$a: 1, _b: 2, ünï: 3, \u0061b: 4}`, map[string]any{"$a": 1.0, "_b": 2.0, "ünï": 3.0, "ab": 4.0}},
		{"single quotes and escapes", `{'a': 'it\'s \x41\u00e9\n\0'}`, map[string]any{"a": "it's Aé\n\x00"}},
		{"line continuation", "'a\\\nb'", "ab"},
		{"surrogate pair escape", `"\ud83d\ude00"`, "😀"},
		{"lone surrogate", `"\ud83d"`, "\ufffd"},
		{"hex, signs, leading and trailing dots", `[0x1F, -0xa, +1, .5, 5., 1e3, -2.5E-1]`, []any{31.0, -10.0, 1.0, 0.5, 5.0, 1000.0, -0.25}},
		{"infinities and NaN become null", `[Infinity, -Infinity, NaN]`, []any{nil, nil, nil}},
		{"later duplicate key wins", `{a: 1, a: 2}`, map[string]any{"a": 2.0}},
		{"unicode space separators", "{\u00a0a:\u20281\u3000}", map[string]any{"a": 1.0}},
		{"other escaped characters are themselves", `'\a\q'`, "aq"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := ParseJSON5([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if got := v.Interface(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestJSON5Refuses(t *testing.T) {
	for _, tc := range []struct{ in, msg string }{
		{`{a: 1`, "line 1, column 6: unterminated object"},
		{"{\n a: 01}", "line 2, column 5: numbers may not have leading zeros"},
		{`"a` + "\n" + `"`, "line break inside a string"},
		{`'\1'`, `invalid escape \1`},
		{`'\01'`, "octal escapes"},
		{`{a b: 1}`, "want ':'"},
		{`[1 2]`, "want ',' or ']'"},
		{`{1: 2}`, "want a key"},
		{`0x`, "hexadecimal number without digits"},
		{`1x`, "after a number"},
		{`/* open`, "unterminated block comment"},
		{`nul`, "want a value"},
		{`{} {}`, "after the value"},
		{"\xff", "not valid UTF-8"},
		{strings.Repeat("[", 600), "nesting deeper"},
		{`1e`, "exponent without digits"},
		{`.`, "invalid number"},
	} {
		_, err := ParseJSON5([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.msg)
		}
	}
}

func TestJSON5Lines(t *testing.T) {
	v, err := ParseJSON5([]byte("{\n  gateway: {\n    bind: // here\n      \"lan\",\n  },\n}"))
	if err != nil {
		t.Fatal(err)
	}
	if l := v.Get("gateway", "bind").Line; l != 4 {
		t.Errorf("bind value on line %d, want 4", l)
	}
	if m := v.Get("gateway").Members[0]; m.KeyLine != 3 {
		t.Errorf("bind key on line %d, want 3", m.KeyLine)
	}
	if v.Get("gateway", "missing", "x") != nil || v.Get("gateway", "bind", "x") != nil {
		t.Error("Get through a missing or non-object value must be nil")
	}
}

func FuzzParseJSON5(f *testing.F) {
	for _, s := range []string{`{a: [1, 'b', {c: null}], d: 0x10,}`, "// x\n{'a\\\nb': +Infinity}", `"\u00e9\x41"`, `[.5e-3, -NaN]`, `{a:/*c*/1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParseJSON5(b)
		if err != nil {
			var se *SyntaxError
			if !asSyntaxError(err, &se) || se.Line < 1 || se.Column < 1 {
				t.Fatalf("error %v is not a positioned SyntaxError", err)
			}
			return
		}
		// Whatever parses converts to JSON that encoding/json reads back.
		out, err := json.Marshal(v.Interface())
		if err != nil {
			t.Fatalf("value does not marshal: %v", err)
		}
		var back any
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatal(err)
		}
	})
}

func asSyntaxError(err error, target **SyntaxError) bool {
	se, ok := err.(*SyntaxError)
	if ok {
		*target = se
	}
	return ok
}

func TestParseProcNetTCP(t *testing.T) {
	in := `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:4965 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0
   1: 00000000:20FB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12346 1 0000000000000000 100 0 0 10 0
   2: 0100007F:4965 0100007F:D0A2 01 00000000:00000000 00:00000000 00000000     0        0 12347 1 0000000000000000 100 0 0 10 0
`
	got, err := ParseProcNetTCP([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Socket{{netip.MustParseAddr("127.0.0.1"), 18789}, {netip.MustParseAddr("0.0.0.0"), 8443}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v (listening sockets only)", got, want)
	}
	in6 := `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:4965 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
`
	got, err = ParseProcNetTCP([]byte(in6))
	if err != nil || len(got) != 1 || got[0].Addr != netip.MustParseAddr("::1") {
		t.Errorf("tcp6: %v, %v; want ::1", got, err)
	}
	if _, err := ParseProcNetTCP([]byte("h\n 0: ZZ:0050 0:0 0A\n")); err == nil {
		t.Error("a bad address must be refused")
	}
}

func FuzzParseProcNetTCP(f *testing.F) {
	f.Add([]byte("h\n   0: 0100007F:4965 00000000:0000 0A 0\n"))
	f.Add([]byte("h\n   0: 00000000000000000000000001000000:4965 0:0 0A\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		socks, err := ParseProcNetTCP(b)
		if err != nil {
			return
		}
		for _, s := range socks {
			if !s.Addr.IsValid() || s.Port < 0 || s.Port > 65535 {
				t.Fatalf("bad socket %v", s)
			}
		}
	})
}

func TestNFTDeniesInbound(t *testing.T) {
	for _, tc := range []struct {
		name, js string
		ok       bool
	}{
		{"input chain with policy drop", `{"nftables":[{"metainfo":{}},{"table":{"family":"inet","name":"f"}},{"chain":{"family":"inet","table":"f","name":"input","type":"filter","hook":"input","prio":0,"policy":"drop"}}]}`, true},
		{"policy accept, last rule drop", `{"nftables":[{"chain":{"family":"inet","table":"f","name":"in","hook":"input","policy":"accept"}},{"rule":{"family":"inet","table":"f","chain":"in","expr":[{"accept":null}]}},{"rule":{"family":"inet","table":"f","chain":"in","expr":[{"drop":null}]}}]}`, true},
		{"policy accept, conditional last drop", `{"nftables":[{"chain":{"family":"inet","table":"f","name":"in","hook":"input","policy":"accept"}},{"rule":{"family":"inet","table":"f","chain":"in","expr":[{"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"dport"}},"right":22}},{"drop":null}]}}]}`, false},
		{"only a forward chain", `{"nftables":[{"chain":{"family":"inet","table":"f","name":"fw","hook":"forward","policy":"drop"}}]}`, false},
		{"empty ruleset", `{"nftables":[{"metainfo":{"version":"1.0.6"}}]}`, false},
	} {
		ok, _, err := NFTDeniesInbound([]byte(tc.js))
		if err != nil || ok != tc.ok {
			t.Errorf("%s: %v, %v; want %v", tc.name, ok, err, tc.ok)
		}
	}
	if _, _, err := NFTDeniesInbound([]byte("not json")); err == nil {
		t.Error("non-JSON must be an error")
	}
}

func FuzzNFTDeniesInbound(f *testing.F) {
	f.Add([]byte(`{"nftables":[{"chain":{"family":"inet","table":"f","name":"input","hook":"input","policy":"drop"}}]}`))
	f.Add([]byte(`{"nftables":[{"rule":{"family":"ip","table":"t","chain":"c","expr":[{"drop":null}]}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ok, why, err := NFTDeniesInbound(b)
		if err == nil && !ok && why == "" {
			t.Fatal("a ruleset that does not deny must say why")
		}
	})
}

func TestParseOpenClawAudit(t *testing.T) {
	in := `[openclaw] banner
{"ts":1,"summary":{"critical":1,"warn":1,"info":1},"findings":[
 {"checkId":"summary.attack_surface","severity":"info","title":"Attack surface summary","detail":"..."},
 {"checkId":"gateway.trusted_proxies_missing","severity":"warn","title":"Reverse proxy headers are not trusted","detail":"d","remediation":"Set gateway.trustedProxies"},
 {"checkId":"fs.config.perms_world_readable","severity":"critical","title":"Config file is world-readable","detail":"/x mode=644"}]}`
	got, err := ParseOpenClawAudit([]byte(in), "openclaw.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "gateway.trusted_proxies_missing" || got[0].Severity != Medium || got[0].Source != "openclaw" ||
		got[1].ID != "fs.config.perms_world_readable" || got[1].Severity != Critical || got[1].Fix == "" {
		t.Errorf("got %+v", got)
	}
	for _, bad := range []string{`{"findings":[{"severity":"warn"}]}`, `{"findings":[{"checkId":"x","severity":"bogus"}]}`, `no json`} {
		if _, err := ParseOpenClawAudit([]byte(bad), "f"); err == nil {
			t.Errorf("%s: want an error", bad)
		}
	}
}

func FuzzParseOpenClawAudit(f *testing.F) {
	f.Add([]byte(`{"findings":[{"checkId":"a.b","severity":"warn","title":"t"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		fs, err := ParseOpenClawAudit(b, "f")
		if err != nil {
			return
		}
		for _, x := range fs {
			if x.ID == "" || (x.Severity != Critical && x.Severity != Medium) {
				t.Fatalf("bad finding %+v", x)
			}
		}
	})
}

func TestDockerfileFroms(t *testing.T) {
	src := "# syntax=docker/dockerfile:1\nFROM --platform=$BUILDPLATFORM golang:1.26@sha256:abc AS build\nFROM \\\n  debian:12 AS run\nfrom build\n"
	got := dockerfileFroms([]byte(src))
	if len(got) != 3 || got[0].image != "golang:1.26@sha256:abc" || got[0].stage != "build" || got[1].image != "debian:12" || got[1].line != 3 || got[2].image != "build" {
		t.Errorf("got %+v", got)
	}
}

func FuzzDockerfileFroms(f *testing.F) {
	f.Add([]byte("FROM a@sha256:x AS b\nFROM b\n"))
	f.Add([]byte("FROM \\\n --platform=x \\\n c\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, fr := range dockerfileFroms(b) {
			if fr.image == "" || fr.line < 1 {
				t.Fatalf("bad FROM %+v", fr)
			}
		}
	})
}

func TestSplitQuoted(t *testing.T) {
	got := splitQuoted(`A=1 "B=two words" 'C=x y' D=`)
	want := []string{"A=1", "B=two words", "C=x y", "D="}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func FuzzSplitQuoted(f *testing.F) {
	f.Add(`A=1 "B=2 3"`)
	f.Fuzz(func(t *testing.T, s string) {
		// Quotes and separators are dropped, never invented.
		if words := splitQuoted(s); len(strings.Join(words, "")) > len(s) {
			t.Fatalf("%q split into %q", s, words)
		}
	})
}

func TestEstimateBits(t *testing.T) {
	for _, tc := range []struct {
		s        string
		min, max float64
	}{
		{"7vQv3s0mJ7nJ1cN0bH8kq5w2eYdR4tUzXyA6pLfGhCi", 200, 300}, // 32 random bytes, base64url
		{strings.Repeat("ab", 30), 0, 100},
		{"0123456789abcdef0123456789abcdef", 100, 130}, // 32 hex digits: 128 bits
		{"password12345678", 0, 110},
		{"", 0, 0},
	} {
		if b := estimateBits(tc.s); b < tc.min || b > tc.max || math.IsNaN(b) {
			t.Errorf("%q: %.0f bits, want %v..%v", tc.s, b, tc.min, tc.max)
		}
	}
}

func TestCaddyRoutesGuarding(t *testing.T) {
	for _, tc := range []struct {
		name, js  string
		unguarded int
		roles     []string
	}{
		{"guard then proxy in a host subroute", `{"apps":{"http":{"servers":{"s":{"listen":[":443"],"routes":[{"match":[{"host":["a"]}],"handle":[{"handler":"subroute","routes":[{"handle":[{"handler":"openclaw_guard"}]},{"handle":[{"handler":"reverse_proxy"}]}]}]}]}}}}}`, 0, []string{RoleGuard}},
		{"guard only on one path", `{"apps":{"http":{"servers":{"s":{"listen":[":443"],"routes":[{"match":[{"path":["/v1/*"]}],"handle":[{"handler":"openclaw_guard"}]},{"handle":[{"handler":"reverse_proxy"}]}]}}}}}`, 1, []string{RoleGuard}},
		{"proxy before the guard", `{"apps":{"http":{"servers":{"s":{"listen":[":443"],"routes":[{"handle":[{"handler":"reverse_proxy"}]},{"handle":[{"handler":"openclaw_guard"}]}]}}}}}`, 1, []string{RoleGuard}},
		{"provider guard", `{"apps":{"http":{"servers":{"s":{"listen":["127.0.0.1:18790"],"routes":[{"handle":[{"handler":"openclaw_provider_guard"},{"handler":"reverse_proxy"}]}]}}}}}`, 0, []string{RoleProviderGuard}},
	} {
		c := &caddyInput{path: "Caddyfile"}
		if err := c.readAdapted([]byte(tc.js)); err != nil {
			t.Fatal(err)
		}
		s := c.servers[0]
		if s.unguarded != tc.unguarded {
			t.Errorf("%s: %d unguarded, want %d", tc.name, s.unguarded, tc.unguarded)
		}
		for _, r := range tc.roles {
			if !s.roles[r] {
				t.Errorf("%s: role %s not seen", tc.name, r)
			}
		}
		if !c.adminOn {
			t.Errorf("%s: no admin block means the admin API is on", tc.name)
		}
	}
}

// TestLooksLikeKey: a reference (env substitution or SecretRef) in a
// provider's apiKey is a provider key unless the provider guard requires its
// own tokens; a literal vendor key is one either way; a placeholder never.
func TestLooksLikeKey(t *testing.T) {
	for _, tc := range []struct {
		apiKey            string
		plain, withTokens bool
	}{
		{`"${PROVIDER_GUARD_TOKEN}"`, true, false},
		{`{ source: "file", provider: "pg", id: "value" }`, true, false},
		{`"sk-proj-0123456789abcdefghijklmnop"`, true, true},
		{`"provider-guard"`, false, false},
	} {
		v, err := ParseJSON5([]byte("{apiKey: " + tc.apiKey + "}"))
		if err != nil {
			t.Fatal(err)
		}
		k := v.Get("apiKey")
		if got := looksLikeKey(k, false); got != tc.plain {
			t.Errorf("%s without guard tokens: %v, want %v", tc.apiKey, got, tc.plain)
		}
		if got := looksLikeKey(k, true); got != tc.withTokens {
			t.Errorf("%s with guard tokens: %v, want %v", tc.apiKey, got, tc.withTokens)
		}
	}
}

func TestUnpinnedPackageInstalls(t *testing.T) {
	for cmd, want := range map[string][]string{
		`npm install -g --no-fund "openclaw@${V}" && npm cache clean --force`: {"openclaw@${V}"},
		`npm i express`: {"express"},
		`cd /app && npm --prefix /opt install lodash@4`:     {"lodash@4"},
		`NODE_ENV=production npm add a b`:                   {"a", "b"},
		`yarn global add pkg`:                               {"pkg"},
		`pnpm add -g pkg@1.0.0`:                             {"pkg@1.0.0"},
		`apt-get update; /usr/bin/npm install -g x | cat`:   {"x"},
		`npm ci --omit=dev`:                                 nil,
		`npm install`:                                       nil,
		`npm install --omit dev`:                            nil,
		`npm install --prefix /opt/app`:                     nil,
		`npm install ./vendor/pkg.tgz /tmp/x.tgz file:../y`: nil,
		`npm run build && npm test`:                         nil,
		`yarn install --frozen-lockfile`:                    nil,
		`pnpm install --frozen-lockfile`:                    nil,
		`echo npm install x`:                                nil,
	} {
		if got := unpinnedPackageInstalls(cmd); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %q, want %q", cmd, got, want)
		}
	}
	runs := dockerfileRuns([]byte("FROM x\n# RUN npm i commented\nRUN --mount=type=cache,target=/root/.npm \\\n  # a comment\n  npm i y\nRUN [\"npm\", \"install\", \"z\"]\n"))
	if len(runs) != 2 || runs[0].line != 3 || unpinnedPackageInstalls(runs[0].cmd)[0] != "y" || unpinnedPackageInstalls(runs[1].cmd)[0] != "z" {
		t.Errorf("runs: %+v", runs)
	}
}

func FuzzDockerfileRuns(f *testing.F) {
	f.Add([]byte("FROM a\nRUN npm i -g x && npm ci\n"))
	f.Add([]byte("RUN [\"npm\",\"install\",\"y\"]\nRUN --mount=x \\\n yarn global add z\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, r := range dockerfileRuns(b) {
			if r.line < 1 || r.cmd == "" {
				t.Fatalf("bad RUN %+v", r)
			}
			for _, p := range unpinnedPackageInstalls(r.cmd) {
				if p == "" || strings.HasPrefix(p, "-") {
					t.Fatalf("package %q from %q", p, r.cmd)
				}
			}
		}
	})
}
