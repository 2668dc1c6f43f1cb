// Package testport finds loopback ports for tests that start a server
// process later (bin/caddy, bin/coredns, `make run`), after the port was
// chosen.
//
// A port taken from a listener on ":0" and closed again is in the kernel's
// ephemeral range, which it hands to the next ":0" listener or outgoing
// connection of any process: with other test packages running beside, the
// port may be someone else's server by the time the process under test
// binds it, and a readiness probe then measures the wrong server. The ports
// here are drawn below the ephemeral range (ip_local_port_range), where the
// kernel never assigns them, checked free for TCP and UDP on 127.0.0.1, and
// never handed out twice by one test binary.
package testport

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

var (
	mu    sync.Mutex
	given = map[int]bool{}
)

// lowest port drawn: above the well-known and most registered services
// that a developer machine runs (databases, 8080, 9090...).
const lowest = 20000

// Free returns "127.0.0.1:PORT", free for TCP and UDP when checked.
func Free(t testing.TB) string {
	t.Helper()
	hi := ephemeralLow() - 1
	if hi-lowest < 1000 { // an unusual range: fall back on the kernel's choice
		return kernelPort(t)
	}
	mu.Lock()
	defer mu.Unlock()
	for range 200 {
		p := lowest + rand.IntN(hi-lowest+1)
		if given[p] {
			continue
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(p))
		if !bindable(addr) {
			continue
		}
		given[p] = true
		return addr
	}
	t.Fatalf("testport: no free port on 127.0.0.1 between %d and %d", lowest, hi)
	return ""
}

// Port is Free's port number.
func Port(t testing.TB) int {
	t.Helper()
	_, p, _ := net.SplitHostPort(Free(t))
	n, _ := strconv.Atoi(p)
	return n
}

func bindable(addr string) bool {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	defer ln.Close()
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return false
	}
	pc.Close()
	return true
}

func kernelPort(t testing.TB) string {
	t.Helper()
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			continue
		}
		addr := ln.Addr().String()
		ln.Close()
		if bindable(addr) {
			return addr
		}
	}
	t.Fatal("testport: no free port on 127.0.0.1")
	return ""
}

// ephemeralLow is the first port of the kernel's ephemeral range (32768
// when it cannot be read: Linux's default).
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	var lo, hi int
	if _, err := fmt.Sscan(strings.TrimSpace(string(b)), &lo, &hi); err != nil || lo <= 0 {
		return 32768
	}
	return lo
}
