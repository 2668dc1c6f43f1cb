// Command benchdns measures bin/coredns with and without the egress plugin;
// `make bench-dns` runs it and docs/BENCHMARKS.md holds its report.
//
// Two CoreDNS processes run side by side, identical but for the egress
// block: both have the same cache and the same forward to a fast fake
// upstream on loopback. dnsperf drives each in turn with the same query
// files, alternating which goes first, and the report gives the median of
// the per-round ratios, so load from elsewhere on the machine hits both
// sides alike. A second part starts CoreDNS with a large allowlist and
// reports the time to its first answer and its peak RSS.
//
//	benchdns -coredns bin/coredns -seconds 5 -rounds 5 -large 1000000
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

func main() {
	var (
		corednsBin = flag.String("coredns", "bin/coredns", "the CoreDNS binary under test")
		dnsperf    = flag.String("dnsperf", "dnsperf", "the dnsperf binary")
		seconds    = flag.Int("seconds", 5, "length of one dnsperf run")
		rounds     = flag.Int("rounds", 5, "rounds of (baseline, plugin) runs per path")
		names      = flag.Int("names", 10000, "distinct names in each query file")
		large      = flag.Int("large", 1000000, "entries in the large allowlist")
		starts     = flag.Int("starts", 3, "starts with the large allowlist")
	)
	flag.Parse()
	log.SetFlags(0)
	dir, err := os.MkdirTemp("", "benchdns-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	b := &bench{bin: *corednsBin, dnsperf: *dnsperf, dir: dir, seconds: *seconds}
	up, err := startUpstream()
	if err != nil {
		log.Fatal(err)
	}
	defer up.close()

	allowed, blocked := b.writeQueryFiles(*names)
	base := b.start("baseline", "", up.addr)
	plug := b.start("egress", "egress {\n        allowlist "+b.path("allowlist.txt")+"\n    }", up.addr)
	audited := b.start("egress+audit", "egress {\n        allowlist "+b.path("allowlist.txt")+"\n        audit_log "+b.path("audit.jsonl")+"\n    }", up.addr)
	auditedNone := b.start("egress+audit-none", "egress {\n        allowlist "+b.path("allowlist.txt")+"\n        audit_log "+b.path("audit-none.jsonl")+" sync none\n    }", up.addr)
	defer base.stop()
	defer plug.stop()
	defer audited.stop()
	defer auditedNone.stop()

	// One pass over every file fills the caches, so the measured rounds see
	// the steady state of a resolver whose clients ask the same names again.
	for _, s := range []*server{base, plug, audited, auditedNone} {
		for _, f := range []string{allowed, blocked} {
			b.perf(s, f, 1)
		}
	}

	fmt.Printf("### QPS with and without the plugin\n\n")
	fmt.Printf("dnsperf %s, %d s per run, %d rounds, %d distinct names per path, 4 clients, 100 queries outstanding; all answers come from the cache after a warm-up pass, which leaves the plugin's own cost as large a share as it can be.\n\n",
		dnsperfVersion(b.dnsperf), b.seconds, *rounds, *names)
	fmt.Printf("*Side by side*: both servers are driven at the same time, so they share whatever else the machine is doing. *In turn*: one at a time, in the order baseline, egress, egress, baseline per round. *CPU ratio*: the baseline's CPU time (user + system, from /proc) per answered query over the plugin's; it is the QPS ratio the two would reach on the same CPU, and the least disturbed by other load on this shared machine.\n\n")
	fmt.Printf("| path | method | baseline QPS | egress QPS | QPS ratio | QPS ratio range | CPU ratio | CPU ratio range | target |\n|---|---|---|---|---|---|---|---|---|\n")
	row := func(path, method, target string, c comparison) {
		fmt.Printf("| %s | %s | %.0f | %.0f | **%.3f** | %.2f–%.2f | **%.3f** | %.2f–%.2f | %s |\n", path, method,
			median(c.baseQPS), median(c.subjectQPS), median(c.qpsRatio), slices.Min(c.qpsRatio), slices.Max(c.qpsRatio),
			median(c.cpuRatio), slices.Min(c.cpuRatio), slices.Max(c.cpuRatio), target)
	}
	for _, p := range []struct{ name, file, target string }{
		{"allowed names", allowed, "≥ 0.95"},
		{"blocked names", blocked, "≥ 1.00"},
	} {
		row(p.name, "side by side", p.target, b.compare(base, plug, p.file, *rounds, true))
		row(p.name, "in turn", p.target, b.compare(base, plug, p.file, *rounds, false))
	}
	row("blocked names, audit_log sync batch (default)", "side by side", "(for information)", b.compare(base, audited, blocked, *rounds, true))
	row("blocked names, audit_log sync none", "side by side", "(for information)", b.compare(base, auditedNone, blocked, *rounds, true))
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("\nLoad average when the runs ended (1, 5, 15 min): %s\n", strings.Join(strings.Fields(string(load))[:3], ", "))

	fmt.Printf("### Large allowlist\n\n")
	b.writeLargeList(*large)
	fmt.Printf("Time from exec to the first answer, and peak RSS (VmHWM), median of %d starts.\n\n", *starts)
	fmt.Printf("| allowlist | time to first answer | peak RSS |\n|---|---|---|\n")
	for _, c := range []struct{ label, block string }{
		{"none (CoreDNS without egress)", ""},
		{fmt.Sprintf("%d entries", *large), "egress {\n        allowlist " + b.path("large.txt") + "\n    }"},
	} {
		var ts []float64
		var rss []float64
		for range *starts {
			t0 := time.Now()
			s := b.start("large", c.block, up.addr)
			ts = append(ts, s.ready.Sub(t0).Seconds())
			rss = append(rss, float64(s.peakRSS())/(1<<20))
			s.stop()
		}
		fmt.Printf("| %s | %.2f s | %.0f MiB |\n", c.label, median(ts), median(rss))
	}
	fmt.Println()
}

type bench struct {
	bin, dnsperf, dir string
	seconds           int
}

func (b *bench) path(name string) string { return filepath.Join(b.dir, name) }

// writeQueryFiles writes the allowlist and two dnsperf query files: names
// the list allows (half exact entries, half under a wildcard) and names it
// does not.
func (b *bench) writeQueryFiles(n int) (allowed, blocked string) {
	var list, al, bl strings.Builder
	list.WriteString("*.svc.bench\n")
	for i := range n {
		if i%2 == 0 {
			fmt.Fprintf(&list, "h%d.allowed.bench\n", i)
			fmt.Fprintf(&al, "h%d.allowed.bench A\n", i)
		} else {
			fmt.Fprintf(&al, "s%d.svc.bench A\n", i)
		}
		fmt.Fprintf(&bl, "x%d.c2VjcmV0.blocked.example A\n", i)
	}
	must(os.WriteFile(b.path("allowlist.txt"), []byte(list.String()), 0o644))
	must(os.WriteFile(b.path("allowed.txt"), []byte(al.String()), 0o644))
	must(os.WriteFile(b.path("blocked.txt"), []byte(bl.String()), 0o644))
	return b.path("allowed.txt"), b.path("blocked.txt")
}

// writeLargeList writes n distinct entries in the three name forms.
func (b *bench) writeLargeList(n int) {
	f, err := os.Create(b.path("large.txt"))
	must(err)
	w := bufio.NewWriter(f)
	for i := range n {
		switch i % 3 {
		case 0:
			fmt.Fprintf(w, "www.site%d.com\n", i)
		case 1:
			fmt.Fprintf(w, "*.cdn%d.example.net\n", i)
		case 2:
			fmt.Fprintf(w, ".corp%d.org\n", i)
		}
	}
	must(w.Flush())
	must(f.Close())
}

// comparison is rounds of base and subject runs on the same query file.
type comparison struct {
	baseQPS, subjectQPS []float64
	qpsRatio            []float64 // subject QPS / base QPS, per round
	cpuRatio            []float64 // base CPU per query / subject CPU per query, per round
}

// compare runs dnsperf against base and subject rounds times. Side by side,
// the two runs of a round happen at once. In turn, a round is four runs in
// the order base, subject, subject, base, so that load that rises or falls
// steadily over the round weighs on both alike.
func (b *bench) compare(base, subject *server, file string, rounds int, sideBySide bool) comparison {
	var c comparison
	for range rounds {
		var x, y run
		if sideBySide {
			done := make(chan run)
			go func() { done <- b.perf(base, file, 0) }()
			y = b.perf(subject, file, 0)
			x = <-done
		} else {
			x1, y1 := b.perf(base, file, 0), b.perf(subject, file, 0)
			y2, x2 := b.perf(subject, file, 0), b.perf(base, file, 0)
			x, y = x1.mean(x2), y1.mean(y2)
		}
		c.baseQPS = append(c.baseQPS, x.qps)
		c.subjectQPS = append(c.subjectQPS, y.qps)
		c.qpsRatio = append(c.qpsRatio, y.qps/x.qps)
		c.cpuRatio = append(c.cpuRatio, x.cpuPerQuery/y.cpuPerQuery)
	}
	return c
}

var (
	qpsLine       = regexp.MustCompile(`Queries per second:\s+([0-9.]+)`)
	completedLine = regexp.MustCompile(`Queries completed:\s+(\d+)`)
	lostLine      = regexp.MustCompile(`Queries lost:\s+(\d+)`)
)

// run is one dnsperf run: the QPS it reports and the server's CPU time
// (user + system) per answered query.
type run struct {
	qps, cpuPerQuery float64
}

func (r run) mean(o run) run {
	return run{qps: (r.qps + o.qps) / 2, cpuPerQuery: (r.cpuPerQuery + o.cpuPerQuery) / 2}
}

// perf runs dnsperf against s for b.seconds (or maxruns passes over the
// file).
func (b *bench) perf(s *server, file string, maxruns int) run {
	args := []string{"-s", "127.0.0.1", "-p", strconv.Itoa(s.port), "-d", file, "-c", "4", "-q", "100", "-t", "2"}
	if maxruns > 0 {
		args = append(args, "-n", strconv.Itoa(maxruns))
	} else {
		args = append(args, "-l", strconv.Itoa(b.seconds))
	}
	cpu0 := s.cpuSeconds()
	out, err := exec.Command(b.dnsperf, args...).CombinedOutput()
	if err != nil {
		log.Fatalf("dnsperf %v: %v\n%s", args, err, out)
	}
	cpu := s.cpuSeconds() - cpu0
	m, n := qpsLine.FindSubmatch(out), completedLine.FindSubmatch(out)
	if m == nil || n == nil {
		log.Fatalf("dnsperf printed no QPS:\n%s", out)
	}
	qps, _ := strconv.ParseFloat(string(m[1]), 64)
	done, _ := strconv.ParseFloat(string(n[1]), 64)
	if lost := lostLine.FindSubmatch(out); lost != nil && string(lost[1]) != "0" {
		log.Printf("warning: %s: dnsperf lost %s queries", s.name, lost[1])
	}
	return run{qps: qps, cpuPerQuery: cpu / done}
}

func dnsperfVersion(bin string) string {
	out, _ := exec.Command(bin, "-h").CombinedOutput()
	if m := regexp.MustCompile(`Version ([0-9.]+)`).FindSubmatch(out); m != nil {
		return string(m[1])
	}
	return "(unknown version)"
}

type server struct {
	name  string
	port  int
	cmd   *exec.Cmd
	ready time.Time
}

// start runs CoreDNS with block (the egress block, or "") before cache and
// waits for its first answer.
func (b *bench) start(name, block, upstream string) *server {
	port := freePort()
	conf := fmt.Sprintf(".:%d {\n    bind 127.0.0.1\n    %s\n    cache\n    forward . %s\n}\n", port, block, upstream)
	path := b.path(fmt.Sprintf("Corefile.%s.%d", name, port))
	must(os.WriteFile(path, []byte(conf), 0o644))
	s := &server{name: name, port: port, cmd: exec.Command(b.bin, "-conf", path, "-quiet")}
	s.cmd.Stderr = os.Stderr
	must(s.cmd.Start())
	cl := dns.Client{Timeout: 200 * time.Millisecond}
	q := new(dns.Msg)
	q.SetQuestion("ready.probe.", dns.TypeA)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, _, err := cl.Exchange(q, fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			s.ready = time.Now()
			return s
		}
		if time.Now().After(deadline) {
			s.cmd.Process.Kill()
			log.Fatalf("%s: CoreDNS did not answer within 60s", name)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (s *server) stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.cmd.Wait()
}

// cpuSeconds returns the user and system CPU time the process has used.
func (s *server) cpuSeconds() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	must(err)
	// Fields after the command name, which is in parentheses and may hold spaces.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	must(errors.Join(err1, err2))
	return (utime + stime) / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat times; 100 on Linux.
const clockTicks = 100

// peakRSS returns the process's VmHWM in bytes.
func (s *server) peakRSS() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	must(err)
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			must(err)
			return kb << 10
		}
	}
	log.Fatal("no VmHWM in /proc status")
	return 0
}

// upstream is a fast fake resolver: every A query gets one public address
// with a long TTL, so the caches above it keep the answers.
type upstream struct {
	addr string
	srvs []*dns.Server
}

func startUpstream() (*upstream, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	pc, err := net.ListenPacket("udp", ln.Addr().String())
	if err != nil {
		return nil, err
	}
	h := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		if len(r.Question) == 1 && r.Question[0].Qtype == dns.TypeA {
			m.Answer = []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: r.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 3600}, A: net.IPv4(93, 184, 215, 14)}}
		}
		w.WriteMsg(m)
	})
	u := &upstream{addr: ln.Addr().String(), srvs: []*dns.Server{{PacketConn: pc, Handler: h}, {Listener: ln, Handler: h}}}
	for _, s := range u.srvs {
		started := make(chan struct{})
		s.NotifyStartedFunc = func() { close(started) }
		go s.ActivateAndServe()
		<-started
	}
	return u, nil
}

func (u *upstream) close() {
	for _, s := range u.srvs {
		s.Shutdown()
	}
}

func freePort() int {
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			continue
		}
		port := ln.Addr().(*net.TCPAddr).Port
		pc, err := net.ListenPacket("udp", ln.Addr().String())
		ln.Close()
		if err == nil {
			pc.Close()
			return port
		}
	}
	log.Fatal("no free port on 127.0.0.1")
	return 0
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
