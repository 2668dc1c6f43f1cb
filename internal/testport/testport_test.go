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

func TestFreeSkipsABoundPort(t *testing.T) {
	// Hold every port Free gives, so a later one can never equal it.
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	for range 20 {
		addr := Free(t)
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
		held = append(held, ln)
	}
}
