package auditlog

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// benchEvent is what the guard writes for a typical request.
func benchEvent() Event {
	sum, n := PromptDigest("What is the capital of France?")
	return Event{Event: "http.request", RequestID: "01JD3M5X7K2Q9W8E4R6T1Y0U3I", ClientIP: "192.0.2.10", TokenName: "ci",
		Route: "/v1/chat/completions", Outcome: "allowed", Rules: []string{},
		Fields: map[string]any{"status": 200, "prompt_sha256": sum, "prompt_len": n}}
}

// BenchmarkWrite measures events per second through Write in each sync
// mode with 1, 8 and 64 concurrent writers, on the disk holding the test's
// temporary directory. Close (the final flush and fsync) is timed too.
func BenchmarkWrite(b *testing.B) {
	for _, mode := range []Sync{SyncNone, SyncBatch, SyncAlways} {
		for _, writers := range []int{1, 8, 64} {
			b.Run(fmt.Sprintf("sync=%s/writers=%d", mode, writers), func(b *testing.B) {
				l, err := Open(filepath.Join(b.TempDir(), "audit.jsonl"), Options{Sync: mode})
				if err != nil {
					b.Fatal(err)
				}
				e := benchEvent()
				b.ResetTimer()
				var wg sync.WaitGroup
				for w := range writers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := w; i < b.N; i += writers {
							if err := l.Write(e); err != nil {
								b.Error(err)
								return
							}
						}
					}()
				}
				wg.Wait()
				if err := l.Close(); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
				if mode != SyncNone {
					b.ReportMetric(float64(b.N)/float64(l.fsyncs), "events/fsync")
				}
			})
		}
	}
}

// BenchmarkEnqueue is BenchmarkWrite through Enqueue (lazy commit: the
// writer encodes, chains and writes the records on its interval or when
// 256 KiB wait), Close included.
func BenchmarkEnqueue(b *testing.B) {
	for _, mode := range []Sync{SyncNone, SyncBatch} {
		for _, writers := range []int{1, 8} {
			b.Run(fmt.Sprintf("sync=%s/writers=%d", mode, writers), func(b *testing.B) {
				l, err := Open(filepath.Join(b.TempDir(), "audit.jsonl"), Options{Sync: mode})
				if err != nil {
					b.Fatal(err)
				}
				e := benchEvent()
				b.ResetTimer()
				var wg sync.WaitGroup
				for w := range writers {
					wg.Go(func() {
						for i := w; i < b.N; i += writers {
							if err := l.Enqueue(e); err != nil {
								b.Error(err)
								return
							}
						}
					})
				}
				wg.Wait()
				if err := l.Close(); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
				if mode != SyncNone {
					b.ReportMetric(float64(b.N)/float64(max(l.fsyncs, 1)), "events/fsync")
				}
			})
		}
	}
}

// BenchmarkWritePeer is the same disk without this package: a pre-encoded
// line written through a bufio.Writer (what none mode is compared with)
// and written then fsynced one at a time (what always and batch are
// compared with).
func BenchmarkWritePeer(b *testing.B) {
	line := appendCanonical(nil, 1, []byte(genesis), &Event{}, nil)
	line = append(line, make([]byte, 300-len(line))...)
	line[len(line)-1] = '\n'
	for _, fsync := range []bool{false, true} {
		name := "buffered"
		if fsync {
			name = "write+fsync"
		}
		b.Run(name, func(b *testing.B) {
			f, err := os.Create(filepath.Join(b.TempDir(), "peer"))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			w := bufio.NewWriterSize(f, noneBuffer)
			b.ResetTimer()
			for range b.N {
				if fsync {
					f.Write(line)
					f.Sync()
				} else {
					w.Write(line)
				}
			}
			w.Flush()
			f.Sync()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkVerify measures the verifier on a 1,000-record log.
func BenchmarkVerify(b *testing.B) {
	path := filepath.Join(b.TempDir(), "audit.jsonl")
	l, err := Open(path, Options{Sync: SyncNone})
	if err != nil {
		b.Fatal(err)
	}
	for range 1000 {
		l.Write(benchEvent())
	}
	l.Close()
	b.ResetTimer()
	for range b.N {
		rep, err := Verify([]string{path}, VerifyOptions{})
		if err != nil || rep.Problem != nil {
			b.Fatal(err, rep.Problem)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "records/s")
}
