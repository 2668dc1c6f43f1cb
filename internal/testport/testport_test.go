package testport

import (
	"net"
	"strconv"
	"testing"
)

func TestFreeIsBelowTheEphemeralRangeUniqueAndBindable(t *testing.T) {
	lo := ephemeralLow()
	seen := map[string]bool{}
	for range 50 {
		addr := Free(t)
		if seen[addr] {
			t.Fatalf("%s handed out twice", addr)
		}
		seen[addr] = true
		_, p, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := strconv.Atoi(p)
		if lo-lowest >= 1000 && (n < lowest || n >= lo) {
			t.Fatalf("port %d outside [%d, %d)", n, lowest, lo)
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("%s not bindable: %v", addr, err)
		}
		ln.Close()
	}
}

// TestBindableRefusesATakenPort: the check Free makes before handing a
// port out says no to a port a listener holds, for TCP and for UDP.
func TestBindableRefusesATakenPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if bindable(ln.Addr().String()) {
		t.Errorf("%s held by a TCP listener is bindable", ln.Addr())
	}
	ln.Close()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if bindable(pc.LocalAddr().String()) {
		t.Errorf("%s held by a UDP socket is bindable", pc.LocalAddr())
	}
}
