// Command benchproxy measures bin/caddy's egress_proxy against Squid, side
// by side on loopback, with the same allowlist: CONNECT tunnels per second,
// the time to move 100 MB through one tunnel, plain (absolute-form) HTTP
// requests per second, and each proxy's memory. `make bench-egress` runs it.
//
// Both proxies allow one name, bench.test, which resolves to 127.0.0.1:
// for egress_proxy through a DNS server in this process (answers cached for
// their TTL, as the proxy does), for Squid through a hosts_file (its own
// cache). Both log every request: egress_proxy to its hash-chained audit
// log, Squid to its access log. egress_proxy runs in three processes, one
// per audit setting: the defaults (sync batch, audit_mode async: refusals
// durable before the reply, allowed records queued and durable within
// flush_interval), sync batch with audit_mode sync (every record durable
// before the handler returns), and sync none (buffered, like Squid's access
// log). Each round runs the four proxies in a rotated order, reversed
// every other round, so that none always runs on a warmer machine.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/openclaw-secure-stack/securestack/internal/testdns"
)

func main() {
	caddyBin := flag.String("caddy", "bin/caddy", "path of bin/caddy")
	squidBin := flag.String("squid", "/usr/sbin/squid", "path of squid")
	seconds := flag.Float64("seconds", 4, "length of each rate measurement")
	rounds := flag.Int("rounds", 4, "rounds per measurement (ABBA order)")
	conc := flag.Int("conc", 32, "concurrent clients for the rate measurements")
	bigMB := flag.Int("big-mb", 100, "size of the one-tunnel transfer, MB")
	only := flag.String("only", "", "run only the measurements whose name contains this (for profiling)")
	skipMode := flag.Bool("no-audit-mode", false, "leave out audit_mode (for a bin/caddy from before it): egress_proxy with sync batch and with sync none")
	baseline := flag.String("baseline-caddy", "", "also run this bin/caddy (another build, e.g. main's) with the default audit settings, in the same rounds")
	profile := flag.String("profile", "", "write a CPU profile of the default egress_proxy per measurement and round into this directory (enables its admin endpoint)")
	flag.Parse()
	if *profile != "" {
		check(os.MkdirAll(*profile, 0o755))
		profileAdmin, profileCaddy = freeAddr(), *caddyBin
	}

	dir, err := os.MkdirTemp("", "benchproxy-")
	check(err)
	defer os.RemoveAll(dir)
	check(os.Chmod(dir, 0o755)) // squid drops to the proxy user

	target := startTarget()
	_, targetPort, _ := net.SplitHostPort(target)
	dns, err := testdns.Start()
	check(err)
	defer dns.Close()
	dns.Static("bench.test", 300, "127.0.0.1")

	// proxies[1] is Squid, the reference of every ratio.
	var proxies []*proxy
	if *skipMode {
		proxies = []*proxy{
			startCaddy(*caddyBin, dir, "egress_proxy sync batch (the build's default audit)", targetPort, dns.Addr, "batch", ""),
			startSquid(*squidBin, dir, targetPort),
			startCaddy(*caddyBin, dir, "egress_proxy sync none", targetPort, dns.Addr, "none", ""),
		}
	} else {
		proxies = []*proxy{
			startCaddy(*caddyBin, dir, "egress_proxy (defaults: sync batch, audit_mode async)", targetPort, dns.Addr, "batch", "async"),
			startSquid(*squidBin, dir, targetPort),
			startCaddy(*caddyBin, dir, "egress_proxy sync batch, audit_mode sync", targetPort, dns.Addr, "batch", "sync"),
			startCaddy(*caddyBin, dir, "egress_proxy sync none", targetPort, dns.Addr, "none", ""),
		}
	}
	if *baseline != "" {
		proxies = append(proxies, startCaddy(*baseline, dir, "baseline "+filepath.Base(*baseline)+" (defaults)", targetPort, dns.Addr, "batch", "async"))
	}
	defer func() {
		for _, p := range proxies {
			p.stop()
		}
	}()
	squid := proxies[1]

	host := "bench.test:" + targetPort
	idle := map[string]int{}
	for _, p := range proxies {
		check(p.smoke(host))
		idle[p.name], _ = p.memory()
	}
	fmt.Printf("# benchproxy: %d clients, %.0fs per measurement, %d rounds (order rotated, reversed every other round), %d MB transfer, GOMAXPROCS of the proxies: machine default (%d cores)\n",
		*conc, *seconds, *rounds, *bigMB, numCPU())
	dur := time.Duration(*seconds * float64(time.Second))

	type measure struct {
		name    string
		unit    string
		cpuUnit string // what the proxy's CPU time is divided by
		run     func(p *proxy) (value float64, ops int64)
	}
	ms := []measure{
		{"CONNECT tunnels/s (open, one request, close)", "tunnels/s", "tunnel",
			func(p *proxy) (float64, int64) { return rate(*conc, dur, func() error { return p.tunnelOnce(host) }) }},
		{"plain HTTP requests/s (absolute-form, keep-alive)", "req/s", "request",
			func(p *proxy) (float64, int64) { return p.httpRate(host, *conc, dur) }},
		{fmt.Sprintf("%d MB through one CONNECT tunnel (5 tunnels in turn)", *bigMB), "MB/s", "MB",
			func(p *proxy) (float64, int64) { return p.bigTransfers(host, *bigMB, 5), 5 * int64(*bigMB) }},
	}
	if *only != "" {
		ms = slices.DeleteFunc(ms, func(m measure) bool { return !strings.Contains(m.name, *only) })
	}
	results := map[string]map[string][]float64{}
	cpu := map[string]map[string][]float64{}  // microseconds of proxy CPU per op
	user := map[string]map[string][]float64{} // of which user time (where the gap to Squid has been)
	run := func(m measure, p *proxy, round int) {
		var prof chan struct{}
		if *profile != "" && p.admin != "" {
			prof = make(chan struct{})
			name := filepath.Join(*profile, fmt.Sprintf("%s-%d.pprof", strings.Fields(m.name)[0]+"-"+m.unit[:1], round))
			go func() { defer close(prof); fetchProfile(p.admin, dur, name) }()
		}
		before, beforeUser := p.cpuTimes()
		v, ops := m.run(p)
		after, afterUser := p.cpuTimes()
		used := after - before
		if prof != nil {
			<-prof
		}
		results[m.name][p.name] = append(results[m.name][p.name], v)
		cpu[m.name][p.name] = append(cpu[m.name][p.name], float64(used.Microseconds())/float64(max(ops, 1)))
		user[m.name][p.name] = append(user[m.name][p.name], float64((afterUser-beforeUser).Microseconds())/float64(max(ops, 1)))
	}
	for _, m := range ms {
		results[m.name], cpu[m.name], user[m.name] = map[string][]float64{}, map[string][]float64{}, map[string][]float64{}
		for r := 0; r < *rounds; r++ {
			order := make([]*proxy, 0, len(proxies))
			for i := range proxies {
				order = append(order, proxies[(i+r/2)%len(proxies)])
			}
			if r%2 == 1 {
				slices.Reverse(order)
			}
			for _, p := range order {
				run(m, p, r)
			}
		}
	}

	fmt.Printf("\n| measurement (median of rounds) | Squid |")
	for _, p := range proxies {
		if p != squid {
			fmt.Printf(" %s | ratio |", p.name)
		}
	}
	fmt.Printf("\n|---|---|%s\n", strings.Repeat("---|---|", len(proxies)-1))
	for _, m := range ms {
		b := median(results[m.name][squid.name])
		fmt.Printf("| %s | %s %s |", m.name, num(b), m.unit)
		for _, p := range proxies {
			if p != squid {
				a := median(results[m.name][p.name])
				fmt.Printf(" %s %s | %.2f× |", num(a), m.unit, a/b)
			}
		}
		b = median(cpu[m.name][squid.name])
		fmt.Printf("\n| proxy CPU per %s | %s µs |", m.cpuUnit, num(b))
		for _, p := range proxies {
			if p != squid {
				a := median(cpu[m.name][p.name])
				fmt.Printf(" %s µs | %.2f× |", num(a), a/b)
			}
		}
		b = median(user[m.name][squid.name])
		fmt.Printf("\n| of which user time | %s µs |", num(b))
		for _, p := range proxies {
			if p != squid {
				a := median(user[m.name][p.name])
				fmt.Printf(" %s µs | %.2f× |", num(a), a/b)
			}
		}
		fmt.Println()
	}
	fmt.Printf("\nper-round figures (median above):\n")
	for _, m := range ms {
		for _, p := range proxies {
			fmt.Printf("  %-52s %-20s %v  CPU µs/%s %v (user %v)\n", m.name, p.name, rounded(results[m.name][p.name]), m.cpuUnit,
				rounded(cpu[m.name][p.name]), rounded(user[m.name][p.name]))
		}
	}
	fmt.Printf("\n| memory | RSS before the runs | RSS after | of which anonymous / file-backed (the executable's pages) | peak RSS |\n|---|---|---|---|---|\n")
	for _, p := range proxies {
		rss, hwm := p.memory()
		anon, file := p.rssKinds()
		fmt.Printf("| %s | %.1f MiB | %.1f MiB | %.1f / %.1f MiB | %.1f MiB |\n", p.name, float64(idle[p.name])/1024, float64(rss)/1024,
			float64(anon)/1024, float64(file)/1024, float64(hwm)/1024)
	}
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return strings.Count(string(b), "processor\t:")
}

func num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 0, 64)
	if v < 100 {
		s = strconv.FormatFloat(v, 'f', 1, 64)
	}
	// thousands separators
	if i := strings.IndexByte(s, '.'); i < 0 && len(s) > 3 {
		var out []byte
		for j := range s {
			if j > 0 && (len(s)-j)%3 == 0 {
				out = append(out, ',')
			}
			out = append(out, s[j])
		}
		return string(out)
	}
	return s
}

func rounded(vs []float64) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = num(v)
	}
	return out
}

func median(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// startTarget serves /small (a 100-byte body) and /big?n=BYTES over
// HTTP/1.1 on 127.0.0.1.
func startTarget() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	small := []byte(strings.Repeat("x", 100))
	zeros := make([]byte, 256<<10)
	mux := http.NewServeMux()
	mux.HandleFunc("/small", func(w http.ResponseWriter, r *http.Request) { w.Write(small) })
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.ParseInt(r.URL.Query().Get("n"), 10, 64)
		w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
		for n > 0 {
			k := min(n, int64(len(zeros)))
			if _, err := w.Write(zeros[:k]); err != nil {
				return
			}
			n -= k
		}
	})
	go (&http.Server{Handler: mux}).Serve(ln)
	return ln.Addr().String()
}

type proxy struct {
	name  string
	addr  string
	admin string // Caddy's admin address, for a profile
	cmd   *exec.Cmd
	pids  func() []int
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer ln.Close()
	return ln.Addr().String()
}

// profileAdmin is the admin address of the process that -profile profiles:
// the first one started with the default audit settings from profileCaddy.
var profileAdmin, profileCaddy string

var caddies int // caddy processes started, for their directories

// fetchProfile saves a CPU profile of d from a Caddy admin endpoint.
func fetchProfile(admin string, d time.Duration, path string) {
	secs := max(int(d.Seconds())-1, 1)
	res, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", admin, secs))
	if err != nil {
		log.Printf("profile: %v", err)
		return
	}
	defer res.Body.Close()
	f, err := os.Create(path)
	check(err)
	defer f.Close()
	io.Copy(f, res.Body)
}

func startCaddy(bin, dir, name, targetPort, dnsAddr, sync, mode string) *proxy {
	addr := freeAddr()
	_, port, _ := net.SplitHostPort(addr)
	caddies++
	d := filepath.Join(dir, fmt.Sprintf("caddy%d-%s-%s", caddies, sync, mode))
	if mode != "" {
		mode = "audit_mode " + mode
	}
	check(os.MkdirAll(d, 0o755))
	check(os.WriteFile(filepath.Join(d, "allowlist.txt"), []byte("bench.test\n"), 0o644))
	admin, adminAddr := "admin off", ""
	if profileAdmin != "" && bin == profileCaddy && sync == "batch" && mode == "audit_mode async" {
		admin, adminAddr = "admin "+profileAdmin, profileAdmin
		profileCaddy = "" // one process only
	}
	conf := fmt.Sprintf(`{
	%s
	auto_https off
	persist_config off
}
http://:%s {
	bind 127.0.0.1
	egress_proxy {
		allowlist %s/allowlist.txt
		allow_cidr 127.0.0.0/8
		ports 443 80 %s
		resolver %s
		max_tunnels off
		max_tunnels_per_client off
		audit_log %s/audit.jsonl {
			sync %s
		}
		%s
	}
}
`, admin, port, d, targetPort, dnsAddr, d, sync, mode)
	check(os.WriteFile(filepath.Join(d, "Caddyfile"), []byte(conf), 0o644))
	cmd := exec.Command(bin, "run", "--adapter", "caddyfile", "--config", filepath.Join(d, "Caddyfile"))
	cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+d, "XDG_CONFIG_HOME="+d)
	logf, err := os.Create(filepath.Join(d, "caddy.log"))
	check(err)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	check(cmd.Start())
	p := &proxy{name: name, addr: addr, cmd: cmd, admin: adminAddr}
	p.pids = func() []int { return []int{cmd.Process.Pid} }
	waitListen(addr, filepath.Join(d, "caddy.log"))
	return p
}

func startSquid(bin, dir, targetPort string) *proxy {
	addr := freeAddr()
	d := filepath.Join(dir, "squid")
	check(os.MkdirAll(d, 0o777))
	check(os.Chmod(d, 0o777))
	check(os.WriteFile(filepath.Join(d, "allowlist.txt"), []byte("bench.test\n"), 0o644))
	check(os.WriteFile(filepath.Join(d, "hosts"), []byte("127.0.0.1 bench.test\n"), 0o644))
	// The same policy as egress_proxy: the allowlist by name, the same
	// ports, everything else denied. No cache, so every request goes to
	// the target, as it does through egress_proxy.
	conf := fmt.Sprintf(`http_port %s
acl allowed dstdomain "%[2]s/allowlist.txt"
acl ports port 443 80 %[3]s
acl CONNECT method CONNECT
http_access deny !ports
http_access allow allowed
http_access deny all
hosts_file %[2]s/hosts
cache deny all
cache_mem 8 MB
access_log stdio:%[2]s/access.log
cache_log %[2]s/cache.log
pid_filename %[2]s/squid.pid
coredump_dir %[2]s
shutdown_lifetime 1 seconds
max_filedescriptors 65536
`, addr, d, targetPort)
	check(os.WriteFile(filepath.Join(d, "squid.conf"), []byte(conf), 0o644))
	cmd := exec.Command(bin, "-N", "-f", filepath.Join(d, "squid.conf"))
	logf, err := os.Create(filepath.Join(d, "squid.out"))
	check(err)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	check(cmd.Start())
	p := &proxy{name: "squid", addr: addr, cmd: cmd}
	p.pids = func() []int { return []int{cmd.Process.Pid} }
	waitListen(addr, filepath.Join(d, "cache.log"))
	return p
}

func waitListen(addr, logPath string) {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b, _ := os.ReadFile(logPath)
	log.Fatalf("%s never listened:\n%s", addr, b)
}

func (p *proxy) stop() {
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

// cpuTimes returns the CPU time (user and system) the proxy has used, and
// the user part of it.
func (p *proxy) cpuTimes() (total, user time.Duration) {
	for _, pid := range p.pids() {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// Fields after the command name (which may hold spaces): utime and
		// stime are the 12th and 13th, in clock ticks of 1/100 s.
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		total += time.Duration(u+s) * 10 * time.Millisecond
		user += time.Duration(u) * 10 * time.Millisecond
	}
	return total, user
}

// memory returns the proxy's resident set now and at its peak, in KiB.
func (p *proxy) memory() (rss, hwm int) {
	v := p.status("VmRSS:", "VmHWM:")
	return v[0], v[1]
}

// rssKinds returns the proxy's resident set now in anonymous memory (heap,
// stacks) and in file-backed pages (mostly the executable: clean pages the
// kernel can drop and processes of the same binary share), in KiB.
func (p *proxy) rssKinds() (anon, file int) {
	v := p.status("RssAnon:", "RssFile:")
	return v[0], v[1]
}

// status sums the named /proc/PID/status fields (in KiB) over the proxy's
// processes.
func (p *proxy) status(fields ...string) []int {
	sums := make([]int, len(fields))
	for _, pid := range p.pids() {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) < 2 {
				continue
			}
			if k := slices.Index(fields, f[0]); k >= 0 {
				n, _ := strconv.Atoi(f[1])
				sums[k] += n
			}
		}
	}
	return sums
}

// smoke checks that the proxy allows the bench host and refuses another.
func (p *proxy) smoke(host string) error {
	if err := p.tunnelOnce(host); err != nil {
		return fmt.Errorf("%s: CONNECT %s: %w", p.name, host, err)
	}
	c, br, err := p.connect("other.test:80")
	if err == nil {
		c.Close()
		return fmt.Errorf("%s: CONNECT other.test was allowed", p.name)
	}
	_ = br
	return nil
}

func (p *proxy) connect(host string) (net.Conn, *bufio.Reader, error) {
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", host, host)
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	if res.StatusCode != 200 {
		c.Close()
		return nil, nil, fmt.Errorf("CONNECT: %s", res.Status)
	}
	return c, br, nil
}

var smallReq = []byte("GET /small HTTP/1.1\r\nHost: bench.test\r\n\r\n")

// tunnelOnce opens a tunnel, sends one request through it, reads the
// answer and closes: the work of one short HTTPS call, without TLS.
func (p *proxy) tunnelOnce(host string) error {
	c, br, err := p.connect(host)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Write(smallReq); err != nil {
		return err
	}
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if err == nil && res.StatusCode != 200 {
		err = fmt.Errorf("through the tunnel: %s", res.Status)
	}
	return err
}

// rate runs op from conc goroutines for d and returns completions per second.
// An error stops the run: a benchmark that counts failures as work proves
// nothing.
func rate(conc int, d time.Duration, op func() error) (float64, int64) {
	var n atomic.Int64
	var failed atomic.Value
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				if err := op(); err != nil {
					failed.Store(err)
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		log.Fatalf("benchmark operation failed: %v", err)
	}
	return float64(n.Load()) / time.Since(start).Seconds(), n.Load()
}

func (p *proxy) httpRate(host string, conc int, d time.Duration) (float64, int64) {
	u, _ := url.Parse("http://" + p.addr)
	tr := &http.Transport{Proxy: http.ProxyURL(u), MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr}
	target := "http://" + host + "/small"
	return rate(conc, d, func() error {
		res, err := cl.Get(target)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			return fmt.Errorf("GET through %s: %s", p.name, res.Status)
		}
		return nil
	})
}

// bigTransfers runs k bigTransfers in turn and returns their overall MB/s:
// one 100 MB transfer takes a tenth of a second here, too short to measure
// alone on a shared machine.
func (p *proxy) bigTransfers(host string, mb, k int) float64 {
	start := time.Now()
	for range k {
		p.bigTransfer(host, mb)
	}
	return float64(mb*k) / time.Since(start).Seconds()
}

// bigTransfer moves mb megabytes from the target through one tunnel and
// returns MB/s.
func (p *proxy) bigTransfer(host string, mb int) float64 {
	c, br, err := p.connect(host)
	check(err)
	defer c.Close()
	n := int64(mb) * 1_000_000
	start := time.Now()
	fmt.Fprintf(c, "GET /big?n=%d HTTP/1.1\r\nHost: bench.test\r\n\r\n", n)
	res, err := http.ReadResponse(br, nil)
	check(err)
	got, err := io.Copy(io.Discard, res.Body)
	check(err)
	if got != n {
		log.Fatalf("%s: %d of %d bytes", p.name, got, n)
	}
	return float64(mb) / time.Since(start).Seconds()
}
