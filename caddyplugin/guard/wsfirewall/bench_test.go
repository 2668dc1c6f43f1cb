package wsfirewall

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/coder/websocket"
)

// benchFrame is a typical Control UI request that carries no chat text.
const benchFrame = `{"type":"req","id":"6f1c2a4e-5b7d-4c1e-9a3f-2d8b7e6c5a41","method":"chat.history","params":{"sessionKey":"agent:main:main","limit":200}}`

// BenchmarkRelay measures messages per second through one socket, client to
// gateway with a small reply for each, through a plain reverse proxy and
// through the same proxy with the firewall: the figures for
// docs/BENCHMARKS.md (make bench-wsfirewall). Compare the two in one run.
func BenchmarkRelay(b *testing.B) {
	for _, mode := range []string{"plain", "firewall"} {
		b.Run(mode, func(b *testing.B) {
			benchRelay(b, mode == "firewall", benchFrame)
		})
	}
}

// BenchmarkRelayChat is the same with chat.send frames, whose text goes
// through a judge as cheap as a map lookup: the firewall's own cost of
// reading chat text, without the sanitizer's.
func BenchmarkRelayChat(b *testing.B) {
	chat := `{"type":"req","id":"1","method":"chat.send","params":{"sessionKey":"main","message":"` +
		strings.Repeat("What is the weather like in Paris today? ", 10) + `","idempotencyKey":"k"}}`
	for _, mode := range []string{"plain", "firewall"} {
		b.Run(mode, func(b *testing.B) {
			benchRelay(b, mode == "firewall", chat)
		})
	}
}

func benchRelay(b *testing.B, firewall bool, msg string) {
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(1 << 20)
		reply := []byte(`{"type":"res","id":"6f1c2a4e-5b7d-4c1e-9a3f-2d8b7e6c5a41","ok":true,"payload":{"messages":[]}}`)
		for {
			if _, _, err := c.Read(r.Context()); err != nil {
				return
			}
			if err := c.Write(r.Context(), websocket.MessageText, reply); err != nil {
				return
			}
		}
	}))
	defer gw.Close()
	u, _ := url.Parse(gw.URL)
	rp := httputil.NewSingleHostReverseProxy(u)
	fw := &Firewall{Policy: DefaultPolicy(), Judge: func(string) (bool, []string) { return false, nil }}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !firewall {
			rp.ServeHTTP(w, r)
			return
		}
		if err := PrepareUpgrade(r); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rp.ServeHTTP(fw.Wrap(w, Peer{Role: "operator"}), r)
	}))
	defer proxy.Close()

	ctx := context.Background()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(proxy.URL, "http"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)
	if err := c.Write(ctx, websocket.MessageText, []byte(connect)); err != nil {
		b.Fatal(err)
	}
	if _, _, err := c.Read(ctx); err != nil {
		b.Fatal(err)
	}

	// Replies are read on their own goroutine, so requests stream without
	// waiting for each answer, as a busy Control UI's do.
	done := make(chan error, 1)
	go func() {
		for range b.N {
			if _, _, err := c.Read(ctx); err != nil {
				done <- fmt.Errorf("reply: %w", err)
				return
			}
		}
		done <- nil
	}()
	payload := []byte(msg)
	b.SetBytes(int64(len(payload)))
	b.ResetTimer()
	for range b.N {
		if err := c.Write(ctx, websocket.MessageText, payload); err != nil {
			b.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkInspect is the firewall's own cost per message without a socket.
func BenchmarkInspect(b *testing.B) {
	fw := &Firewall{Policy: DefaultPolicy(), Judge: func(string) (bool, []string) { return false, nil }}
	s := &session{role: "operator", sawConnect: true}
	msg := []byte(benchFrame)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for range b.N {
		if d := fw.Inspect(s, msg); d.Action != Forward {
			b.Fatal(d.Message)
		}
	}
}
