// Package testdns is a scriptable DNS server on loopback for tests and
// benchmarks: each name answers what the test says, possibly something
// different on each query (DNS rebinding), and every query is counted.
package testdns

import (
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// Answer gives the records for the n-th query (from 1) of a name and type.
// Records are in zone-file form without the owner ("300 IN A 10.0.0.1"); an
// empty answer is NODATA. Return rcode -1 for NOERROR.
type Answer func(qtype uint16, n int) (records []string, rcode int)

// Server answers on UDP and TCP at the same 127.0.0.1 port.
type Server struct {
	Addr string // host:port

	mu     sync.Mutex
	names  map[string]Answer
	counts map[string]int // by "name type"
	srvs   []*dns.Server
}

// Start listens on a free loopback port. Names not set answer NXDOMAIN.
func Start() (*Server, error) {
	s := &Server{names: map[string]Answer{}, counts: map[string]int{}}
	var (
		pc  net.PacketConn
		ln  net.Listener
		err error
	)
	for range 10 {
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			continue
		}
		if pc, err = net.ListenPacket("udp", ln.Addr().String()); err == nil {
			break
		}
		ln.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("testdns: %w", err)
	}
	s.Addr = ln.Addr().String()
	s.srvs = []*dns.Server{{PacketConn: pc, Handler: s}, {Listener: ln, Handler: s}}
	for _, srv := range s.srvs {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go srv.ActivateAndServe()
		<-started
	}
	return s, nil
}

// Close stops the server.
func (s *Server) Close() {
	for _, srv := range s.srvs {
		srv.Shutdown()
	}
}

// Set makes name (any case, with or without the final dot) answer a.
func (s *Server) Set(name string, a Answer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.names[dns.Fqdn(strings.ToLower(name))] = a
}

// Static answers every query of name with the given addresses (IPv4 as A,
// IPv6 as AAAA) and TTL.
func (s *Server) Static(name string, ttl int, addrs ...string) {
	s.Set(name, func(qtype uint16, _ int) ([]string, int) {
		var out []string
		for _, a := range addrs {
			v6 := strings.Contains(a, ":") // "::ffff:10.0.0.1" is an AAAA record
			switch {
			case !v6 && qtype == dns.TypeA:
				out = append(out, fmt.Sprintf("%d IN A %s", ttl, a))
			case v6 && qtype == dns.TypeAAAA:
				out = append(out, fmt.Sprintf("%d IN AAAA %s", ttl, a))
			}
		}
		return out, -1
	})
}

// Count returns how many queries of name and qtype ("A", "AAAA") arrived.
func (s *Server) Count(name, qtype string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[dns.Fqdn(strings.ToLower(name))+" "+qtype]
}

// Total returns how many queries of name arrived, of any type.
func (s *Server) Total(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	prefix := dns.Fqdn(strings.ToLower(name)) + " "
	for k, v := range s.counts {
		if strings.HasPrefix(k, prefix) {
			n += v
		}
	}
	return n
}

// ServeDNS implements dns.Handler.
func (s *Server) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	if len(r.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		w.WriteMsg(m)
		return
	}
	q := r.Question[0]
	name := strings.ToLower(q.Name)
	key := name + " " + dns.TypeToString[q.Qtype]
	s.mu.Lock()
	s.counts[key]++
	n := s.counts[key]
	a, ok := s.names[name]
	s.mu.Unlock()
	if !ok {
		m.Rcode = dns.RcodeNameError
		w.WriteMsg(m)
		return
	}
	records, rcode := a(q.Qtype, n)
	if rcode >= 0 {
		m.Rcode = rcode
	}
	for _, rec := range records {
		rr, err := dns.NewRR(q.Name + " " + rec)
		if err != nil {
			m.Rcode = dns.RcodeServerFailure
			break
		}
		m.Answer = append(m.Answer, rr)
	}
	w.WriteMsg(m)
}
