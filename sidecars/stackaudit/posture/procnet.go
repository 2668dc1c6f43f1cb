package posture

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// Socket is a listening TCP socket of this network namespace.
type Socket struct {
	Addr netip.Addr
	Port int
}

// listeningSockets reads /proc/net/tcp and /proc/net/tcp6.
func listeningSockets() ([]Socket, error) {
	var out []Socket
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			if f == "/proc/net/tcp6" && os.IsNotExist(err) {
				continue // IPv6 disabled
			}
			return nil, fmt.Errorf("cannot read the listening sockets: %w", err)
		}
		s, err := ParseProcNetTCP(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, s...)
	}
	return out, nil
}

// ParseProcNetTCP reads the listening sockets (state 0A) from the text of
// /proc/net/tcp or /proc/net/tcp6. Addresses are hex words in host byte order
// (little-endian on the machines this runs on).
func ParseProcNetTCP(b []byte) ([]Socket, error) {
	var out []Socket
	sc := bufio.NewScanner(bytes.NewReader(b))
	first := true
	for sc.Scan() {
		if first { // the header
			first = false
			continue
		}
		f := strings.Fields(sc.Text())
		if len(f) < 4 {
			continue
		}
		if f[3] != "0A" {
			continue
		}
		hostHex, portHex, ok := strings.Cut(f[1], ":")
		if !ok {
			return nil, fmt.Errorf("local address %q", f[1])
		}
		port, err := strconv.ParseUint(portHex, 16, 16)
		if err != nil {
			return nil, fmt.Errorf("port %q: %w", portHex, err)
		}
		raw, err := hex.DecodeString(hostHex)
		if err != nil || (len(raw) != 4 && len(raw) != 16) {
			return nil, fmt.Errorf("address %q", hostHex)
		}
		// Each 32-bit word is little-endian.
		for i := 0; i < len(raw); i += 4 {
			raw[i], raw[i+1], raw[i+2], raw[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
		}
		addr, _ := netip.AddrFromSlice(raw)
		out = append(out, Socket{Addr: addr.Unmap(), Port: int(port)})
	}
	return out, sc.Err()
}
