// Command benchttft measures the time to first token through
// openclaw_provider_guard against a plain reverse_proxy to the same
// stand-in provider, in the same run (make bench-provider-guard).
//
// One bin/caddy serves two sites: one with the guard in front of
// reverse_proxy, one with reverse_proxy alone; both reach the same
// streaming stand-in over TLS. Requests alternate between the sites in
// random order, so both see the same machine. Each request is OpenClaw's
// real first-turn body (about 52 KB, system prompt and tools included) with
// a user turn no earlier request had, so the guard parses and judges what
// is new, as on a real next turn. The time to first token is from sending
// the request to reading the first text delta.
package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/openclaw-secure-stack/securestack/caddyplugin/providerguard/wire"
	"github.com/openclaw-secure-stack/securestack/internal/providerstandin"
)

func main() {
	caddyBin := flag.String("caddy", "bin/caddy", "path of the built bin/caddy")
	body := flag.String("body", "caddyplugin/providerguard/wire/testdata/openclaw/completions-1.json", "request body template (an OpenClaw completions request)")
	n := flag.Int("n", 500, "requests per path")
	warmup := flag.Int("warmup", 50, "requests per path not counted")
	sync := flag.String("audit-sync", "batch", "the guard's audit_log sync mode (batch, the default, fsyncs each record while the provider works)")
	delay := flag.Duration("delay", 0, "the stand-in's pause before each text chunk (a real provider takes 0.2 s to seconds to its first token)")
	flag.Parse()

	template, err := os.ReadFile(*body)
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "benchttft")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	provider := providerstandin.Start(true, func(wire.API, []byte) providerstandin.Reply {
		return providerstandin.Reply{Text: []string{"Hello", ", ", "world", "."}, Delay: *delay}
	})
	defer provider.Close()
	ca := filepath.Join(dir, "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: provider.Certificate().Raw}), 0o600)

	guardAddr, plainAddr := freePort(), freePort()
	caddyfile := fmt.Sprintf(`{
	admin off
	auto_https off
	persist_config off
}
http://%[1]s {
	bind 127.0.0.1
	openclaw_provider_guard openai-completions {
		api_key_env BENCH_PROVIDER_KEY
		token_env openclaw BENCH_GUARD_TOKEN
		audit_log %[3]s/audit.jsonl {
			sync %[6]s
		}
	}
	reverse_proxy %[4]s {
		transport http {
			tls_trust_pool file %[5]s
		}
	}
}
http://%[2]s {
	bind 127.0.0.1
	reverse_proxy %[4]s {
		transport http {
			tls_trust_pool file %[5]s
		}
	}
}
`, guardAddr, plainAddr, dir, provider.URL, ca, *sync)
	os.WriteFile(filepath.Join(dir, "Caddyfile"), []byte(caddyfile), 0o600)
	const token = "bench-guard-token-0123456789abcdef"
	cmd := exec.Command(*caddyBin, "run", "--adapter", "caddyfile", "--config", filepath.Join(dir, "Caddyfile"))
	cmd.Env = append(os.Environ(), "BENCH_PROVIDER_KEY=sk-bench", "BENCH_GUARD_TOKEN="+token, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	logf, _ := os.Create(filepath.Join(dir, "caddy.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	for _, a := range []string{guardAddr, plainAddr} {
		waitPort(a)
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4, TLSClientConfig: &tls.Config{}}}
	var req map[string]any
	if err := json.Unmarshal(template, &req); err != nil {
		log.Fatal(err)
	}
	msgs := req["messages"].([]any)
	ttft := map[string][]time.Duration{}
	total := map[string][]time.Duration{}
	for i := 0; i < *warmup+*n; i++ {
		// A new user turn each time, the same for both paths.
		req["messages"] = append(slices.Clone(msgs), map[string]any{"role": "user", "content": fmt.Sprintf("[turn %d] what changed since the last report?", i)})
		b, _ := json.Marshal(req)
		paths := []string{"guard", "plain"}
		rand.Shuffle(2, func(a, b int) { paths[a], paths[b] = paths[b], paths[a] })
		for _, p := range paths {
			addr := map[string]string{"guard": guardAddr, "plain": plainAddr}[p]
			first, end, err := one(client, "http://"+addr+"/v1/chat/completions", b, token)
			if err != nil {
				log.Fatalf("%s request %d: %v (caddy log in %s)", p, i, err, dir)
			}
			if i >= *warmup {
				ttft[p] = append(ttft[p], first)
				total[p] = append(total[p], end)
			}
		}
	}
	fmt.Printf("time to first token, %d requests per path, %d-byte bodies, after %d warm-up requests, stand-in delay %v, audit sync %s\n", *n, len(template), *warmup, *delay, *sync)
	fmt.Printf("%-6s %10s %10s %10s %10s %12s\n", "path", "p50", "p90", "p99", "max", "p50 total")
	for _, p := range []string{"plain", "guard"} {
		d := ttft[p]
		slices.Sort(d)
		t := total[p]
		slices.Sort(t)
		fmt.Printf("%-6s %10s %10s %10s %10s %12s\n", p, q(d, 0.5), q(d, 0.9), q(d, 0.99), d[len(d)-1].Round(time.Microsecond), q(t, 0.5))
	}
	fmt.Printf("guard - plain: p50 %+v, p90 %+v, p99 %+v (target: p99 at most +1ms)\n",
		(pct(ttft["guard"], 0.5) - pct(ttft["plain"], 0.5)).Round(time.Microsecond),
		(pct(ttft["guard"], 0.9) - pct(ttft["plain"], 0.9)).Round(time.Microsecond),
		(pct(ttft["guard"], 0.99) - pct(ttft["plain"], 0.99)).Round(time.Microsecond))
}

// one sends a request and returns the time to the first text delta and to
// the end of the stream.
func one(c *http.Client, url string, body []byte, token string) (first, end time.Duration, err error) {
	r, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+token)
	start := time.Now()
	resp, err := c.Do(r)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return 0, 0, fmt.Errorf("status %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if first == 0 && strings.Contains(sc.Text(), `"content":"Hello"`) {
			first = time.Since(start)
		}
	}
	if first == 0 {
		return 0, 0, fmt.Errorf("no text in the stream")
	}
	return first, time.Since(start), sc.Err()
}

func pct(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func q(d []time.Duration, p float64) string { return pct(d, p).Round(time.Microsecond).String() }

func freePort() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitPort(addr string) {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
	}
	log.Fatalf("nothing listens on %s", addr)
}
