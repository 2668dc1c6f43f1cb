package scanner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// syntheticJS is library-like code with the calls the analysis resolves.
func syntheticJS(n int) string {
	var b strings.Builder
	b.WriteString("'use strict';\nconst fs = require('fs');\nconst path = require('path');\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `function helper%d(opts) {
  const file = path.join(opts.dir, 'part-%d.json');
  const data = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (data.items && data.items.length > %d) {
    return data.items.map((x) => x.name + ':' + x.value).join(',');
  }
  return fetch('https://api.example.com/v1/items/' + data.id, { method: 'GET' }).then((r) => r.json());
}
`, i, i, i%7)
	}
	return b.String()
}

// BenchmarkScanJavaScript measures the full pipeline (read, parse,
// resolve, text rules) on 1 MB of JavaScript in 64 files.
func BenchmarkScanJavaScript(b *testing.B) {
	dir := b.TempDir()
	src := syntheticJS(1 << 10 / 2)
	var files []string
	for i := 0; i < 64; i++ {
		p := filepath.Join(dir, fmt.Sprintf("f%d.js", i))
		if err := os.WriteFile(p, []byte(src[:len(src)/4]), 0o644); err != nil {
			b.Fatal(err)
		}
		files = append(files, p)
	}
	s := newScanner(b, Options{})
	b.SetBytes(int64(64 * (len(src) / 4)))
	b.ResetTimer()
	for range b.N {
		if _, err := s.Scan(context.Background(), files...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanSkill measures a malicious skill with prose, code blocks and
// decoding.
func BenchmarkScanSkill(b *testing.B) {
	s := newScanner(b, Options{})
	dir := filepath.Join("testdata", "skills", "mal-base64-pipe")
	for range b.N {
		if _, err := s.Scan(context.Background(), dir); err != nil {
			b.Fatal(err)
		}
	}
}
