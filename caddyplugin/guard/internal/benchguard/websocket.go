package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// The WebSocket case: request frames with no chat text (sessions.list, as
// the Control UI sends by the dozen), each answered by a small res frame,
// relayed by a plain reverse_proxy and by openclaw_guard's control_ui
// firewall + reverse_proxy, to the same echo gateway. Each client connection
// sends its next request when the answer to the last one came back, so the
// rate is round trips: messages relayed client to gateway per second.

var wsConfigs = []config{
	{name: "plain reverse_proxy (WebSocket)"},
	{name: "guard control_ui firewall (WebSocket)", guard: "audit_log {{dir}}/ws.jsonl {\n\t\t\tsync none\n\t\t}\n\t\tcontrol_ui {\n\t\t\trole bench operator\n\t\t}"},
}

// wsFrame is a request the firewall parses, looks up and forwards: a core
// method the operator role may call, params without chat text.
const wsFrame = `{"type":"req","id":"%d","method":"sessions.list","params":{"limit":50,"includeGlobal":true,"includeUnknown":false,"activeMinutes":1440}}`

// startWSUpstream is a gateway stand-in: it answers every client message
// with one small res frame.
func startWSUpstream() string {
	reply := []byte(`{"type":"res","id":"1","ok":true,"payload":{"sessions":[]}}`)
	ln := listen()
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(1 << 20)
		ctx := context.Background()
		for {
			if _, _, err := c.Read(ctx); err != nil {
				return
			}
			if c.Write(ctx, websocket.MessageText, reply) != nil {
				return
			}
		}
	}))
	return ln.Addr().String()
}

// runWebSocket measures round trips per second through each configuration.
func runWebSocket(caddyBin, dir string, seconds, rounds, conns int) {
	upstream := startWSUpstream()
	servers := make([]*server, len(wsConfigs))
	for i, c := range wsConfigs {
		servers[i] = startCaddyWS(caddyBin, dir, 100+i, c, upstream)
		defer servers[i].stop()
	}
	fmt.Printf("benchguard websocket: %s, %d rounds of %ds, %d connections, frame %d bytes (no chat text), one res frame back per request\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), rounds, seconds, conns, len(fmt.Sprintf(wsFrame, 1000000)))
	loadavg, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("load average at start: %s", loadavg)
	for _, s := range servers {
		wsLoad(s, 1, conns)
	}
	type sample struct{ rate, cpu float64 }
	results := make([][]sample, len(servers))
	for r := range rounds {
		for k := range servers {
			i := (k + r) % len(servers)
			before := procCPU(servers[i].cmd.Process.Pid)
			n := wsLoad(servers[i], seconds, conns)
			cpu := (procCPU(servers[i].cmd.Process.Pid) - before) / float64(n) * 1e6
			rate := float64(n) / float64(seconds)
			results[i] = append(results[i], sample{rate, cpu})
			fmt.Printf("  round %d %-40s %8.0f messages/s, caddy CPU/message %5.1f µs\n", r+1, servers[i].name, rate, cpu)
		}
	}
	fmt.Printf("\n| configuration | messages/s (median) | ratio to plain (median) | range | caddy CPU per message |\n|---|---|---|---|---|\n")
	for i, s := range servers {
		var rate, ratio, cpu []float64
		for r, smp := range results[i] {
			rate = append(rate, smp.rate)
			ratio = append(ratio, smp.rate/results[0][r].rate)
			cpu = append(cpu, smp.cpu)
		}
		fmt.Printf("| %s | %.0f | **%.3f** | %.3f–%.3f | %.1f µs |\n", s.name, median(rate), median(ratio), minOf(ratio), maxOf(ratio), median(cpu))
	}
}

// wsLoad drives conns sockets for seconds and returns the round trips done.
func wsLoad(s *server, seconds, conns int) int64 {
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds)*time.Second)
	defer cancel()
	var total atomic.Int64
	var wg sync.WaitGroup
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer dcancel()
			c, _, err := websocket.Dial(dctx, s.url, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
			if err != nil {
				log.Fatalf("benchguard: dial %s: %v", s.name, err)
			}
			defer c.CloseNow()
			roundTrip := func(ctx context.Context, msg []byte) bool {
				if c.Write(ctx, websocket.MessageText, msg) != nil {
					return false
				}
				_, _, err := c.Read(ctx)
				return err == nil
			}
			if !roundTrip(dctx, []byte(`{"type":"req","id":"c`+strconv.Itoa(w)+`","method":"connect","params":{"minProtocol":3,"maxProtocol":3}}`)) {
				log.Fatalf("benchguard: %s: connect failed", s.name)
			}
			for i := 0; ; i++ {
				if !roundTrip(ctx, fmt.Appendf(nil, wsFrame, 1000000+i)) {
					if ctx.Err() == nil {
						log.Fatalf("benchguard: %s: the socket failed under load", s.name)
					}
					return
				}
				total.Add(1)
			}
		}()
	}
	wg.Wait()
	return total.Load()
}

func startCaddyWS(bin, dir string, i int, c config, upstream string) *server {
	addr, admin := freePort(), freePort()
	site := fmt.Sprintf("\treverse_proxy %s\n", upstream)
	if c.guard != "" {
		site = fmt.Sprintf("\topenclaw_guard {\n\t\ttoken_file %s/tokens\n\t\t%s\n\t}\n", dir, strings.ReplaceAll(c.guard, "{{dir}}", dir)) + site
	}
	s := launchCaddy(bin, dir, i, c.name, addr, admin, site)
	s.url = "ws://" + addr + "/"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		c, resp, err := websocket.Dial(ctx, s.url, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
		if err == nil {
			c.CloseNow()
			return s
		}
		if resp != nil {
			log.Fatalf("benchguard: %s answered the upgrade with %d", s.name, resp.StatusCode)
		}
		if ctx.Err() != nil {
			log.Fatalf("benchguard: %s did not start: %v", s.name, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
