package examples

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openclaw-secure-stack/securestack/internal/testbin"
)

// helperListen accepts on every port (in the server namespace) until killed.
func helperListen(ports []string) int {
	for _, p := range ports {
		ln, err := net.Listen("tcp", ":"+p)
		if err != nil {
			fmt.Println("listen:", err)
			return 1
		}
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
	}
	fmt.Println("ready")
	select {}
}

// helperDial connects from src to each "host:port" in dsts (comma separated)
// and prints "DST ok" or "DST refused" per line.
func helperDial(src, dsts string) int {
	d := net.Dialer{Timeout: 400 * time.Millisecond, LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
	for _, dst := range strings.Split(dsts, ",") {
		c, err := d.Dial("tcp", dst)
		if err == nil {
			c.Close()
			fmt.Println(dst, "ok")
		} else {
			fmt.Println(dst, "refused")
		}
	}
	return 0
}

type netnsLab struct {
	t        *testing.T
	srv, cli string
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// newLab makes two namespaces joined by a veth pair: the server 10.231.0.1,
// the client with two addresses, 10.231.0.2 (the admin) and 10.231.0.3.
func newLab(t *testing.T) *netnsLab {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root to make network namespaces (CI runs as root): run it as root")
	}
	needTool(t, "ip")
	needTool(t, "nft")
	id := fmt.Sprintf("%d", os.Getpid()%100000)
	l := &netnsLab{t: t, srv: "safw-s" + id, cli: "safw-c" + id}
	vs, vc := "safw"+id+"s", "safw"+id+"c"
	run(t, "ip", "netns", "add", l.srv)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", l.srv).Run() })
	run(t, "ip", "netns", "add", l.cli)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", l.cli).Run() })
	run(t, "ip", "link", "add", vs, "type", "veth", "peer", "name", vc)
	run(t, "ip", "link", "set", vs, "netns", l.srv)
	run(t, "ip", "link", "set", vc, "netns", l.cli)
	run(t, "ip", "-n", l.srv, "addr", "add", "10.231.0.1/24", "dev", vs)
	run(t, "ip", "-n", l.cli, "addr", "add", "10.231.0.2/24", "dev", vc)
	run(t, "ip", "-n", l.cli, "addr", "add", "10.231.0.3/24", "dev", vc)
	for _, ns := range [][2]string{{l.srv, vs}, {l.cli, vc}} {
		run(t, "ip", "-n", ns[0], "link", "set", "lo", "up")
		run(t, "ip", "-n", ns[0], "link", "set", ns[1], "up")
	}
	return l
}

func (l *netnsLab) nft(args ...string) string {
	return run(l.t, "ip", append([]string{"netns", "exec", l.srv, "nft"}, args...)...)
}

// listen starts the listener helper in the server namespace.
func (l *netnsLab) listen(ports ...string) {
	t := l.t
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", l.srv, self)
	cmd.Env = append(os.Environ(), "EXAMPLES_NETNS_HELPER=listen", "EXAMPLES_PORTS="+strings.Join(ports, ","))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		t.Fatalf("listener: %q", line)
	}
}

// dial connects from src to each port of the server and returns port -> connected.
func (l *netnsLab) dial(src string, ports ...string) map[string]bool {
	t := l.t
	self, _ := os.Executable()
	var dsts []string
	for _, p := range ports {
		dsts = append(dsts, "10.231.0.1:"+p)
	}
	cmd := exec.Command("ip", "netns", "exec", l.cli, self)
	cmd.Env = append(os.Environ(), "EXAMPLES_NETNS_HELPER=dial", "EXAMPLES_SRC="+src, "EXAMPLES_DST="+strings.Join(dsts, ","))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("dial helper: %v", err)
	}
	got := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 {
			_, port, _ := net.SplitHostPort(f[0])
			got[port] = f[1] == "ok"
		}
	}
	if len(got) != len(ports) {
		t.Fatalf("dial helper printed %q", out)
	}
	return got
}

func wantConnect(t *testing.T, who string, got map[string]bool, open ...string) {
	t.Helper()
	for port, ok := range got {
		want := false
		for _, o := range open {
			want = want || o == port
		}
		if ok != want {
			t.Errorf("from %s, port %s: connected=%v, want %v", who, port, ok, want)
		}
	}
}

// TestNftablesRulesetInNetns loads examples/firewall/nftables.conf into a
// namespace of the test's own and connects from the admin address and from
// another one.
func TestNftablesRulesetInNetns(t *testing.T) {
	l := newLab(t)
	ports := []string{"22", "80", "443", "8443", "18789", "2377", "9999"}
	l.listen(ports...)
	// Without the firewall everything connects, so the refusals below are
	// the ruleset's doing.
	wantConnect(t, "the other address, no firewall", l.dial("10.231.0.3", ports...), ports...)

	conf, err := os.ReadFile(filepath.Join("firewall", "nftables.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(conf), "define admin = 192.0.2.10\n") {
		t.Fatal("nftables.conf no longer has `define admin = 192.0.2.10`; update this test")
	}
	rules := filepath.Join(t.TempDir(), "nftables.conf")
	if err := os.WriteFile(rules, []byte(strings.Replace(string(conf), "define admin = 192.0.2.10", "define admin = 10.231.0.2", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	l.nft("-f", rules)
	l.nft("-f", rules) // loading twice replaces the table, never duplicates it

	wantConnect(t, "the admin", l.dial("10.231.0.2", ports...), "22", "443", "8443")
	wantConnect(t, "another address", l.dial("10.231.0.3", ports...))

	// The operator asks for a CDN (here the other address) and a Swarm peer.
	l.nft("add", "element", "inet", "openclaw_fw", "cdn4", "{ 10.231.0.3 }")
	wantConnect(t, "the CDN", l.dial("10.231.0.3", ports...), "80", "443")
	l.nft("add", "element", "inet", "openclaw_fw", "swarm_nodes", "{ 10.231.0.3 }")
	wantConnect(t, "the CDN and Swarm peer", l.dial("10.231.0.3", ports...), "80", "443", "2377")

	// SSH from the admin is rate-limited: a burst of new connections is cut off.
	burst := make([]string, 20)
	for i := range burst {
		burst[i] = "22"
	}
	self, _ := os.Executable()
	var dsts []string
	for range burst {
		dsts = append(dsts, "10.231.0.1:22")
	}
	cmd := exec.Command("ip", "netns", "exec", l.cli, self)
	cmd.Env = append(os.Environ(), "EXAMPLES_NETNS_HELPER=dial", "EXAMPLES_SRC=10.231.0.2", "EXAMPLES_DST="+strings.Join(dsts, ","))
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if refused := strings.Count(string(out), "refused"); refused == 0 {
		t.Errorf("20 SSH connections in a row from the admin all connected: no rate limit\n%s", out)
	}

	// stackaudit --live sees the ruleset in the namespace, and its absence in another.
	sa := testbin.Path(t, "stackaudit")
	out, err = exec.Command("ip", "netns", "exec", l.srv, sa, "audit", "--live", "--firewall", "nft").CombinedOutput()
	if err != nil {
		t.Errorf("stackaudit --live with the ruleset loaded: %v\n%s", err, out)
	}
	out, err = exec.Command("ip", "netns", "exec", l.cli, sa, "audit", "--live", "--firewall", "nft").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), "LIVE_FIREWALL_INACTIVE") {
		t.Errorf("stackaudit --live without a ruleset: %v\n%s", err, out)
	}
}
