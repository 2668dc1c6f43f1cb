// Command benchguard measures what openclaw_guard costs in front of a fast
// upstream, against a plain reverse_proxy to the same upstream, in one run.
//
// It starts one fast upstream (in this process) and one bin/caddy per
// configuration: plain reverse_proxy, and openclaw_guard + reverse_proxy in
// each audit mode. Then, round after round, it drives each with wrk and the
// same 4 KB chat request, rotating the order: a throughput run (many
// connections) and a latency run (one connection, so that the latency is
// the service time, not queueing). Ratios are taken within a round and the
// medians reported. With -profile it also records a CPU profile of one
// configuration (-profile-config, by default the guard with audit sync
// none) under load and prints its top entries.
//
//	go run ./caddyplugin/guard/internal/benchguard -caddy bin/caddy
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type config struct {
	name  string
	guard string // the openclaw_guard block's body; "" for plain reverse_proxy
	bin   string // the bin/caddy to run; "" for -caddy
}

var configs = []config{
	{name: "plain reverse_proxy"},
	{name: "guard, audit sync none", guard: "audit_log {{dir}}/none.jsonl {\n\t\t\tsync none\n\t\t}"},
	{name: "guard, audit_mode async, sync batch", guard: "audit_log {{dir}}/async.jsonl {\n\t\t\tsync batch\n\t\t}\n\t\taudit_mode async"},
	{name: "guard, audit sync batch (default)", guard: "audit_log {{dir}}/batch.jsonl {\n\t\t\tsync batch\n\t\t}"},
	{name: "guard, audit sync always", guard: "audit_log {{dir}}/always.jsonl {\n\t\t\tsync always\n\t\t}"},
}

const token = "bench-token-0123456789abcdef"

func main() {
	caddyBin := flag.String("caddy", "bin/caddy", "the bin/caddy to measure")
	seconds := flag.Int("seconds", 5, "length of each wrk run")
	rounds := flag.Int("rounds", 3, "rounds of every configuration")
	conns := flag.Int("connections", 32, "wrk connections for the throughput runs")
	skip := flag.String("skip", "", "comma-separated configuration names to leave out (e.g. for an old build without audit_mode)")
	profile := flag.String("profile", "", "write a CPU profile of one configuration under load to this file and print its top entries")
	profileConfig := flag.String("profile-config", "guard, audit sync none", "the configuration -profile records")
	baseline := flag.String("baseline-caddy", "", "another bin/caddy (say, built from the previous commit) whose guard configurations run in the same rounds, named \"baseline: ...\"")
	ws := flag.Bool("websocket", false, "measure the WebSocket case instead: round trips per second of request frames without chat text, guard's firewall against plain reverse_proxy")
	wsConns := flag.Int("ws-connections", 16, "client sockets for -websocket")
	flag.Parse()
	if *ws {
		dir, err := os.MkdirTemp("", "benchguard-ws-")
		must(err)
		defer os.RemoveAll(dir)
		must(os.WriteFile(filepath.Join(dir, "tokens"), []byte("bench "+token+"\n"), 0o600))
		runWebSocket(*caddyBin, dir, *seconds, *rounds, *wsConns)
		return
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		log.Fatal("benchguard: wrk is not installed (apt-get install -y wrk)")
	}
	dir, err := os.MkdirTemp("", "benchguard-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	upstream := startUpstream()
	body := chatBody()
	must(os.WriteFile(filepath.Join(dir, "body.json"), body, 0o600))
	must(os.WriteFile(filepath.Join(dir, "tokens"), []byte("bench "+token+"\n"), 0o600))
	must(os.WriteFile(filepath.Join(dir, "post.lua"), []byte(fmt.Sprintf(`wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %s"
local f = io.open(%q)
wrk.body = f:read("*a")
f:close()
`, token, filepath.Join(dir, "body.json"))), 0o600))

	var active []config
	for _, c := range configs {
		if !strings.Contains(","+*skip+",", ","+c.name+",") {
			active = append(active, c)
		}
	}
	if *baseline != "" {
		for _, c := range active[1:] {
			c.name, c.bin = "baseline: "+c.name, *baseline
			c.guard = strings.ReplaceAll(c.guard, "{{dir}}/", "{{dir}}/baseline-")
			active = append(active, c)
		}
	}
	servers := make([]*server, len(active))
	for i, c := range active {
		bin := *caddyBin
		if c.bin != "" {
			bin = c.bin
		}
		servers[i] = startCaddy(bin, dir, i, c, upstream)
		defer servers[i].stop()
	}
	fmt.Printf("benchguard: %s, body %d bytes, %d rounds of %ds, wrk -t2 -c%d (throughput) and -t1 -c1 (latency), GOMAXPROCS of each process: machine default\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), len(body), *rounds, *seconds, *conns)
	loadavg, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("load average at start: %s", loadavg)

	// Warm every server up (connections, JIT of the regexps, GC sizing).
	for _, s := range servers {
		wrk(s, dir, 2, 8, 1)
	}
	type sample struct{ rps, cpu, serverCPU, lat50, lat99 float64 }
	results := make([][]sample, len(servers))
	for r := range *rounds {
		for k := range servers {
			i := (k + r) % len(servers) // rotate the order between rounds
			tp := wrk(servers[i], dir, *seconds, *conns, 2)
			lat := wrk(servers[i], dir, *seconds, 1, 1)
			results[i] = append(results[i], sample{tp.rps, tp.cpuPerRequest(), tp.serverCPU / tp.requests * 1e6, lat.p50, lat.p99})
			fmt.Printf("  round %d %-48s %6.0f req/s, CPU/req %5.0f µs (server %5.0f) | one connection: %5.0f req/s p50 %5.3f ms p99 %6.3f ms\n",
				r+1, servers[i].name, tp.rps, tp.cpuPerRequest(), tp.serverCPU/tp.requests*1e6, lat.rps, lat.p50, lat.p99)
		}
	}

	fmt.Printf("\n| configuration | req/s (median) | throughput ratio (median) | range | CPU ratio (median) | range | server CPU/req | p50 added, one connection | p99 added, one connection |\n|---|---|---|---|---|---|---|---|---|\n")
	for i, s := range servers {
		var rps, ratios, cpuRatios, serverCPU, added50, added99 []float64
		for r, smp := range results[i] {
			base := results[0][r]
			rps = append(rps, smp.rps)
			ratios = append(ratios, smp.rps/base.rps)
			cpuRatios = append(cpuRatios, base.cpu/smp.cpu)
			serverCPU = append(serverCPU, smp.serverCPU)
			added50 = append(added50, smp.lat50-base.lat50)
			added99 = append(added99, smp.lat99-base.lat99)
		}
		fmt.Printf("| %s | %.0f | **%.3f** | %.3f–%.3f | **%.3f** | %.3f–%.3f | %.0f µs | %+.3f ms | %+.3f ms |\n", s.name, median(rps),
			median(ratios), minOf(ratios), maxOf(ratios), median(cpuRatios), minOf(cpuRatios), maxOf(cpuRatios), median(serverCPU), median(added50), median(added99))
	}
	fmt.Println("\nthroughput ratio: req/s over plain's in the same round. CPU ratio: plain's CPU per request (caddy + upstream + wrk) over this one's,")
	fmt.Println("the throughput ratio of a machine doing nothing else. Latency: one connection, so the service time, not queueing.")

	if *profile != "" {
		var s *server
		for _, c := range servers {
			if c.name == *profileConfig {
				s = c
			}
		}
		if s == nil {
			log.Fatalf("benchguard: -profile-config %q is not a configuration of this run", *profileConfig)
		}
		done := make(chan struct{})
		go func() { wrk(s, dir, *seconds+4, *conns, 2); close(done) }()
		time.Sleep(time.Second)
		resp, err := http.Get("http://" + s.admin + "/debug/pprof/profile?seconds=" + strconv.Itoa(*seconds))
		must(err)
		f, err := os.Create(*profile)
		must(err)
		_, err = io.Copy(f, resp.Body)
		resp.Body.Close()
		f.Close()
		must(err)
		<-done
		fmt.Printf("\nCPU profile of %s under load: %s\n", s.name, *profile)
		for _, args := range [][]string{{"-top", "-nodecount=25"}, {"-top", "-cum", "-nodecount=30", "-focus=caddyplugin/guard|sanitizer|auditlog|securestack/auth"}} {
			out, err := exec.Command("go", append(append([]string{"tool", "pprof"}, args...), *caddyBin, *profile)...).CombinedOutput()
			if err != nil {
				log.Printf("go tool pprof: %v", err)
			}
			fmt.Printf("%s\n", out)
		}
	}
}

func chatBody() []byte {
	content := strings.Repeat("Please summarise the quarterly report for the team and list the main risks. ", 60)[:3900]
	b, _ := json.Marshal(map[string]any{"model": "openclaw", "messages": []any{map[string]any{"role": "user", "content": content}}})
	return b
}

// startUpstream serves a small fixed chat completion, after reading the
// body, as fast as Go's server goes.
func startUpstream() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(err)
	reply := []byte(`{"id":"chatcmpl_1","object":"chat.completion","created":1,"model":"openclaw","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`)
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write(reply)
	}))
	return ln.Addr().String()
}

type server struct {
	name, url, admin string
	cmd              *exec.Cmd
}

func (s *server) stop() {
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	s.cmd.Wait()
}

func startCaddy(bin, dir string, i int, c config, upstream string) *server {
	addr, admin := freePort(), freePort()
	site := fmt.Sprintf("\treverse_proxy %s\n", upstream)
	if c.guard != "" {
		g := strings.ReplaceAll(c.guard, "{{dir}}", dir)
		site = fmt.Sprintf("\topenclaw_guard {\n\t\ttoken_file %s/tokens\n\t\t%s\n\t}\n", dir, g) + site
	}
	s := launchCaddy(bin, dir, i, c.name, addr, admin, site)
	s.url = "http://" + addr + "/v1/chat/completions"
	logName := filepath.Join(dir, fmt.Sprintf("caddy.%d.log", i))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.url, strings.NewReader(string(chatBody())))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
			log.Fatalf("benchguard: %s answered %d: %s", c.name, resp.StatusCode, b)
		}
		if ctx.Err() != nil {
			logb, _ := os.ReadFile(logName)
			log.Fatalf("benchguard: %s did not start: %v\n%s", c.name, err, logb)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// launchCaddy starts bin/caddy with one site; the caller waits for it.
func launchCaddy(bin, dir string, i int, name, addr, admin, site string) *server {
	cf := fmt.Sprintf("{\n\tadmin %s\n\tauto_https off\n\tpersist_config off\n}\n\nhttp://%s {\n\tbind 127.0.0.1\n%s}\n", admin, addr, site)
	path := filepath.Join(dir, fmt.Sprintf("Caddyfile.%d", i))
	must(os.WriteFile(path, []byte(cf), 0o600))
	data := filepath.Join(dir, fmt.Sprintf("data.%d", i))
	cmd := exec.Command(bin, "run", "--adapter", "caddyfile", "--config", path)
	cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+data, "XDG_CONFIG_HOME="+data)
	logf, err := os.Create(filepath.Join(dir, fmt.Sprintf("caddy.%d.log", i)))
	must(err)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own group, so that stop reaches anything it starts; and killed with
	// this process, so that a benchmark that dies (log.Fatal, a closed pipe)
	// leaves no server holding ports or the caller's lock file.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	must(cmd.Start())
	return &server{name: name, admin: admin, cmd: cmd}
}

type wrkResult struct {
	rps, p50, p99 float64
	requests      float64
	// CPU seconds used during the run by the server measured, by this
	// process (the upstream) and by wrk: the cost of the requests on the
	// whole machine, which other load does not change.
	serverCPU, upstreamCPU, wrkCPU float64
}

// cpuPerRequest is the machine's CPU time per request, in microseconds.
func (r wrkResult) cpuPerRequest() float64 {
	return (r.serverCPU + r.upstreamCPU + r.wrkCPU) / r.requests * 1e6
}

var (
	reqsRe = regexp.MustCompile(`(\d+) requests in`)
	rpsRe  = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	pctRe  = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
)

// wrk runs wrk and returns requests per second and latency percentiles in
// milliseconds. A response other than 2xx means the comparison is void.
func wrk(s *server, dir string, seconds, conns, threads int) wrkResult {
	serverBefore, selfBefore := procCPU(s.cmd.Process.Pid), selfCPU()
	cmd := exec.Command("wrk", "-t"+strconv.Itoa(threads), "-c"+strconv.Itoa(conns), "-d"+strconv.Itoa(seconds)+"s",
		"--latency", "-s", filepath.Join(dir, "post.lua"), s.url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		log.Fatalf("wrk: %v\n%s", err, out)
	}
	r := wrkResult{
		serverCPU:   procCPU(s.cmd.Process.Pid) - serverBefore,
		upstreamCPU: selfCPU() - selfBefore,
		wrkCPU:      (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds(),
	}
	if strings.Contains(string(out), "Non-2xx") || strings.Contains(string(out), "Socket errors") {
		log.Fatalf("benchguard: errors under load at %s:\n%s", s.url, out)
	}
	if m := reqsRe.FindSubmatch(out); m != nil {
		r.requests, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	m := rpsRe.FindSubmatch(out)
	if m == nil {
		log.Fatalf("benchguard: no Requests/sec in wrk output:\n%s", out)
	}
	r.rps, _ = strconv.ParseFloat(string(m[1]), 64)
	for _, m := range pctRe.FindAllSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(string(m[2]), 64)
		switch string(m[3]) {
		case "us":
			v /= 1000
		case "s":
			v *= 1000
		}
		if string(m[1]) == "50" {
			r.p50 = v
		} else {
			r.p99 = v
		}
	}
	return r
}

// procCPU is the user and system CPU time of a process, in seconds.
func procCPU(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	must(err)
	// The command name may hold spaces; fields count from after its ")".
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100 // USER_HZ
}

func selfCPU() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func freePort() string {
	ln := listen()
	defer ln.Close()
	return ln.Addr().String()
}

func listen() net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(err)
	return ln
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func minOf(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs {
		m = min(m, x)
	}
	return m
}

func maxOf(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

func must(err error) {
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			log.Fatalf("benchguard: %v\n%s", err, ee.Stderr)
		}
		log.Fatalf("benchguard: %v", err)
	}
}
