package egressproxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	"github.com/openclaw-secure-stack/securestack/egress"
	"github.com/openclaw-secure-stack/securestack/egress/forward"
)

// The TLS server name check of a CONNECT tunnel (REDTEAM round 4).
//
// A tunnel is opened to the addresses of the name the CONNECT named, which
// is on the allowlist. A client that then starts TLS with another server
// name (SNI) in its ClientHello asks the server at those addresses for a
// different site: on a CDN or a shared front end that routes by SNI, that
// reaches any site the CDN serves, a name the allowlist never allowed
// ("domain fronting" by SNI). On the ports in tls_ports (default 443) the
// proxy reads the client's first TLS handshake message before any byte
// goes upstream, and closes the tunnel with a TLS access_denied alert when
// it names a server that is neither the CONNECT's host nor on the
// allowlist. A ClientHello without a server name (an IP target) passes as
// before; so does a tunnel whose first byte is not a TLS record at all. A
// tunnel that starts with another TLS record (an alert, which servers skip
// before the hello) is refused.
//
// What it does not see: the Host header inside the TLS session (classic
// fronting, SNI allowed.com and Host evil.com) and an Encrypted Client
// Hello's inner name. Both are documented in docs/REDTEAM.md, round 4.

// ruleSNINotAllowed refuses a tunnel whose TLS server name is off the list.
const ruleSNINotAllowed = "sni_not_allowed"

// DefaultTLSPorts are the destination ports whose tunnels must open with a
// ClientHello that names an allowed server (or none).
var DefaultTLSPorts = []int{443}

const (
	// maxClientHello bounds the handshake message read (a ClientHello with
	// post-quantum key shares is under 2 KiB; 64 KiB is far above any
	// real one). A longer one is refused: it cannot be judged.
	maxClientHello = 64 << 10
	// helloWait bounds the wait for the ClientHello, within idle_timeout.
	helloWait = 30 * time.Second
)

// errHello is a ClientHello that cannot be read as one.
var errHello = errors.New("malformed TLS ClientHello")

// tlsAlertAccessDenied is a fatal access_denied alert in a TLS 1.0 record
// (the version any client accepts in an alert before the handshake).
var tlsAlertAccessDenied = []byte{21, 3, 1, 0, 2, 2, 49}

// screenHello reads the start of a tunnel on a TLS port and judges the
// ClientHello's server name. It returns the bytes read (to be sent
// upstream before the pipe starts) and true when the tunnel may go on;
// false when it was refused (the exchange says why) or the client went
// idle before it sent a whole ClientHello.
func (p *Proxy) screenHello(conn net.Conn, br *bufio.Reader, ex *exchange) ([]byte, bool) {
	wait := helloWait
	if p.pipeCfg.Idle > 0 && p.pipeCfg.Idle < wait {
		wait = p.pipeCfg.Idle
	}
	conn.SetReadDeadline(time.Now().Add(wait))
	defer conn.SetReadDeadline(time.Time{})
	raw, hello, err := readClientHello(br)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			ex.end = forward.EndIdle
			return nil, false
		}
		if errors.Is(err, errHello) {
			return p.refuseHello(conn, ex, "the tunnel's TLS ClientHello cannot be read: "+err.Error())
		}
		// EOF or a read error: pass on what came, the pipe sees the rest.
		return raw, true
	}
	if hello == nil {
		return raw, true // not TLS
	}
	sni, err := serverName(hello)
	if err != nil {
		return p.refuseHello(conn, ex, "the tunnel's TLS ClientHello cannot be read: "+err.Error())
	}
	if sni == "" {
		return raw, true
	}
	// The name is read as the Host check reads a Host (ASCII labels, case
	// and a trailing dot folded); a server name holds no port.
	t, err := egress.ParseHostPort(sni, ex.target.Port)
	if err != nil || strings.ContainsAny(sni, ":[") {
		ex.sni = sni
		return p.refuseHello(conn, ex, "the TLS server name "+quoteName(sni)+" in the tunnel to "+ex.dest+" is not a host name")
	}
	if t.Host == ex.target.Host {
		return raw, true
	}
	ex.sni = sni
	if !t.IsIP() && p.lists.List().Match(t.Host) {
		return raw, true // another allowed name at the same address
	}
	return p.refuseHello(conn, ex, "the TLS server name "+quoteName(sni)+" in the tunnel to "+ex.dest+
		" is not on the egress allowlist (SNI domain fronting)")
}

func (p *Proxy) refuseHello(conn net.Conn, ex *exchange, msg string) ([]byte, bool) {
	ex.outcome, ex.rule, ex.message = auditlog.OutcomeBlocked, ruleSNINotAllowed, msg
	conn.SetWriteDeadline(time.Now().Add(time.Second))
	conn.Write(tlsAlertAccessDenied)
	return nil, false
}

// quoteName quotes a server name for a message, its bytes kept printable.
func quoteName(s string) string {
	return strconv.QuoteToASCII(s[:min(len(s), 255)])
}

// readClientHello reads TLS records from r until it holds the first
// handshake message whole. It returns every byte read and the message
// (type, length and body); the message is nil when the first byte is not
// a TLS record type (the stream is not TLS, and is left alone); another
// record type than handshake first is errHello. A
// handshake message split over several records is put together, as a
// server does.
func readClientHello(r io.Reader) (raw, hello []byte, err error) {
	var first [1]byte
	if _, err := io.ReadFull(r, first[:]); err != nil {
		return nil, nil, err
	}
	raw = append(make([]byte, 0, 2048), first[0])
	switch first[0] {
	case 22: // handshake
	case 20, 21, 23, 24:
		// Another TLS record first: a server skips a warning alert (or a
		// change_cipher_spec) before the ClientHello, so the stream is TLS
		// and its hello would go unread.
		return raw, nil, errHello
	default:
		return raw, nil, nil
	}
	var hdr [5]byte
	hdr[0] = first[0]
	need := 1
	for {
		if _, err := io.ReadFull(r, hdr[need:5]); err != nil {
			return raw, nil, err
		}
		raw = append(raw, hdr[need:5]...)
		if hdr[0] != 22 {
			return raw, nil, errHello // a record of another type within the ClientHello
		}
		if hdr[1] != 3 {
			return raw, nil, errHello
		}
		n := int(hdr[3])<<8 | int(hdr[4])
		if n == 0 || n > 16384+256 {
			return raw, nil, errHello
		}
		start := len(raw)
		raw = append(raw, make([]byte, n)...)
		if _, err := io.ReadFull(r, raw[start:]); err != nil {
			return raw[:start], nil, err
		}
		hello = append(hello, raw[start:]...)
		if len(hello) >= 4 {
			if hello[0] != 1 { // client_hello
				return raw, nil, errHello
			}
			size := 4 + (int(hello[1])<<16 | int(hello[2])<<8 | int(hello[3]))
			if size > maxClientHello {
				return raw, nil, errHello
			}
			if len(hello) >= size {
				return raw, hello[:size], nil
			}
		}
		need = 0
	}
}

// serverName returns the host_name of the server_name extension of the
// ClientHello message m (type and length included), or "" when it has
// none. A message that does not parse, or has two server_name extensions
// or two host names, is an error: a server might read either.
func serverName(m []byte) (string, error) {
	if len(m) < 4 || m[0] != 1 {
		return "", errHello
	}
	b := m[4:]
	// legacy_version, random
	if !skip(&b, 2+32) {
		return "", errHello
	}
	// legacy_session_id, cipher_suites, legacy_compression_methods
	if _, ok := vector(&b, 1); !ok {
		return "", errHello
	}
	if _, ok := vector(&b, 2); !ok {
		return "", errHello
	}
	if _, ok := vector(&b, 1); !ok {
		return "", errHello
	}
	if len(b) == 0 {
		return "", nil // no extensions
	}
	exts, ok := vector(&b, 2)
	if !ok || len(b) != 0 {
		return "", errHello
	}
	name, seen := "", false
	for len(exts) > 0 {
		if len(exts) < 2 {
			return "", errHello
		}
		typ := int(exts[0])<<8 | int(exts[1])
		exts = exts[2:]
		data, ok := vector(&exts, 2)
		if !ok {
			return "", errHello
		}
		if typ != 0 {
			continue
		}
		if seen {
			return "", errors.New("two server_name extensions")
		}
		seen = true
		list, ok := vector(&data, 2)
		if !ok || len(data) != 0 {
			return "", errHello
		}
		for len(list) > 0 {
			kind := list[0]
			list = list[1:]
			host, ok := vector(&list, 2)
			if !ok {
				return "", errHello
			}
			if kind != 0 {
				continue
			}
			if name != "" || len(host) == 0 {
				return "", errors.New("an empty or second host name in server_name")
			}
			name = string(host)
		}
	}
	return name, nil
}

func skip(b *[]byte, n int) bool {
	if len(*b) < n {
		return false
	}
	*b = (*b)[n:]
	return true
}

// vector takes a vector with a size prefix of n bytes off the front of b.
func vector(b *[]byte, n int) ([]byte, bool) {
	if len(*b) < n {
		return nil, false
	}
	size := 0
	for _, c := range (*b)[:n] {
		size = size<<8 | int(c)
	}
	rest := (*b)[n:]
	if len(rest) < size {
		return nil, false
	}
	*b = rest[size:]
	return rest[:size], true
}
