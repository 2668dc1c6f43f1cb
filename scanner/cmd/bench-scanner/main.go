// Command bench-scanner measures the scanner's throughput on a corpus of
// JavaScript and compares it, in the same run, with ESLint and
// eslint-plugin-security over the same files.
//
//	bench-scanner -corpus DIR [-eslint-dir DIR -node PATH] [-workers N] [-runs N] [-cpuprofile FILE]
//
// -eslint-dir is an npm prefix with eslint and eslint-plugin-security
// installed (node_modules/eslint, node_modules/eslint-plugin-security).
//
// Both tools run as child processes so that each one's wall time, CPU time
// and peak RSS are measured the same way (getrusage of the child). The
// file set is every .js, .mjs and .cjs file under DIR, symlinks not
// followed. The scanner is the same library the quarantine CLI uses,
// with limits raised so that no file is skipped.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	sitter "github.com/smacker/go-tree-sitter"
	"github.com/smacker/go-tree-sitter/javascript"

	"github.com/openclaw-secure-stack/securestack/scanner"
)

func main() {
	corpus := flag.String("corpus", "", "directory holding the JavaScript corpus (an npm install)")
	eslintDir := flag.String("eslint-dir", "", "npm prefix holding eslint and eslint-plugin-security; empty skips the peer run")
	node := flag.String("node", "node", "node binary that runs eslint")
	workers := flag.Int("workers", runtime.GOMAXPROCS(0), "scanner worker goroutines")
	concurrency := flag.String("eslint-concurrency", "", "eslint --concurrency value for a second peer run (eslint 9.34+), e.g. 2")
	runs := flag.Int("runs", 3, "scanner runs, spread between the peer runs; the median is compared")
	child := flag.String("child-scan", "", "internal: scan the file list in this file and print stats")
	childParse := flag.String("child-parse", "", "internal: only parse the file list with tree-sitter")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the scanner run to this file")
	flag.Parse()
	switch {
	case *child != "":
		childScan(*child, *workers, *cpuProfile)
		return
	case *childParse != "":
		parseOnly(strings.Fields(readFile(*childParse)), *workers)
		return
	}
	if *corpus == "" {
		flag.Usage()
		os.Exit(2)
	}
	files, bytes := jsFiles(*corpus)
	list, err := os.CreateTemp("", "bench-scanner-*.txt")
	check(err)
	defer os.Remove(list.Name())
	w := bufio.NewWriter(list)
	for _, f := range files {
		fmt.Fprintln(w, f)
	}
	check(w.Flush())
	check(list.Close())
	fmt.Printf("corpus: %s\nfiles: %d JavaScript files, %.1f MB\nmachine: %d CPUs (GOMAXPROCS %d), %s/%s\n\n",
		*corpus, len(files), float64(bytes)/1e6, runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH)

	self, err := os.Executable()
	check(err)
	fmt.Printf("load average at start: %s\n\n", loadAverage())
	// Scanner runs are spread between the peer runs, so that the median
	// sees the same machine as the peers on a machine shared with others.
	var scans []measured
	var stats map[string]int
	scan := func() {
		m := run(self, "-child-scan", list.Name(), "-workers", fmt.Sprint(*workers), "-cpuprofile", *cpuProfile)
		check(json.Unmarshal([]byte(lastLine(m.out)), &stats))
		scans = append(scans, m)
	}
	scan()
	parseAlone := run(self, "-child-parse", list.Name(), "-workers", fmt.Sprint(*workers))
	type peer struct {
		name string
		args []string
		m    measured
		n, f int
	}
	var peers []peer
	if *eslintDir != "" {
		cfg := eslintConfig(*eslintDir, *corpus)
		defer os.Remove(cfg)
		out, err := os.CreateTemp("", "bench-eslint-*.json")
		check(err)
		out.Close()
		defer os.Remove(out.Name())
		eslintJS, err := filepath.Abs(filepath.Join(*eslintDir, "node_modules", "eslint", "bin", "eslint.js"))
		check(err)
		args := []string{eslintJS, "--no-config-lookup", "-c", cfg, "--no-warn-ignored", "-f", "json", "-o", out.Name(), "."}
		peers = append(peers, peer{name: "eslint + eslint-plugin-security (default, 1 thread)", args: args})
		if *concurrency != "" {
			peers = append(peers, peer{name: "eslint + eslint-plugin-security (--concurrency " + *concurrency + ")",
				args: append(append([]string{}, args[:1]...), append([]string{"--concurrency", *concurrency}, args[1:]...)...)})
		}
		for i := range peers {
			peers[i].m = runIn(*corpus, *node, peers[i].args...)
			peers[i].n, peers[i].f = eslintFindings(out.Name())
			if len(scans) < *runs {
				scan()
			}
		}
	}
	for len(scans) < *runs {
		scan()
	}
	sc := median(scans)
	report(fmt.Sprintf("scanner (%d workers), median of %d runs", *workers, len(scans)), sc, len(files), bytes)
	var walls []string
	for _, m := range scans {
		walls = append(walls, fmt.Sprintf("%.1fs", m.wall.Seconds()))
	}
	fmt.Printf("    runs: %s wall\n", strings.Join(walls, ", "))
	fmt.Printf("    findings: %d critical, %d high, %d medium, %d low, %d info; files with a critical or high finding: %d (%.2f%%)\n",
		stats["critical"], stats["high"], stats["medium"], stats["low"], stats["info"], stats["files_high"], 100*float64(stats["files_high"])/float64(len(files)))
	report(fmt.Sprintf("tree-sitter JavaScript parse alone through go-tree-sitter, malloc'd trees, for reference (%d workers)", *workers), parseAlone, len(files), bytes)
	for _, p := range peers {
		report(p.name, p.m, len(files), bytes)
		if p.n >= 0 {
			fmt.Printf("    findings: %d messages; files with a message: %d\n", p.n, p.f)
		}
		fmt.Printf("    scanner speed-up: %.1fx wall, %.1fx CPU\n", p.m.wall.Seconds()/sc.wall.Seconds(), p.m.cpu.Seconds()/sc.cpu.Seconds())
	}
	fmt.Printf("\nload average at end: %s\n", loadAverage())
}

// median returns the run with the median wall time, with the highest
// peak RSS of all runs.
func median(ms []measured) measured {
	sorted := append([]measured(nil), ms...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].wall < sorted[j].wall })
	m := sorted[len(sorted)/2]
	for _, x := range ms {
		m.maxRSS = max(m.maxRSS, x.maxRSS)
	}
	return m
}

func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(data))[:3], " ")
}

type measured struct {
	wall, cpu time.Duration
	maxRSS    int64 // KiB
	out       string
}

// run starts a child and measures it with getrusage.
func run(bin string, args ...string) measured { return runIn("", bin, args...) }

func runIn(dir, bin string, args ...string) measured {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NODE_NO_WARNINGS=1") // ESLint's deprecation notices are not results
	cmd.Stderr = os.Stderr
	start := time.Now()
	out, err := cmd.Output()
	wall := time.Since(start)
	if err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || cmd.ProcessState == nil || ee.ExitCode() > 1 {
			fmt.Fprintf(os.Stderr, "%s: %v\n", bin, err)
			os.Exit(1)
		}
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return measured{wall: wall, cpu: cpu, maxRSS: ru.Maxrss, out: string(out)}
}

func report(name string, m measured, files int, bytes int64) {
	fmt.Printf("%s\n    wall %.1fs, CPU %.1fs, %.2f MB/s, %.0f files/s, peak RSS %.0f MB\n",
		name, m.wall.Seconds(), m.cpu.Seconds(), float64(bytes)/1e6/m.wall.Seconds(), float64(files)/m.wall.Seconds(), float64(m.maxRSS)/1024)
}

func jsFiles(root string) ([]string, int64) {
	var files []string
	var total int64
	check(filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		switch filepath.Ext(p) {
		case ".js", ".mjs", ".cjs":
			if filepath.Base(p) == benchConfig {
				return nil
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			files = append(files, p)
			total += fi.Size()
		}
		return nil
	}))
	sort.Strings(files)
	return files, total
}

// childScan is the measured scanner run: every file of the list is one
// unit, analysed by one shared pool of workers.
func readFile(p string) string {
	data, err := os.ReadFile(p)
	check(err)
	return string(data)
}

func childScan(list string, workers int, cpuProfile string) {
	files := strings.Fields(readFile(list))
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	s, err := scanner.New(scanner.Options{Workers: workers, Limits: scanner.Limits{MaxFileSize: 1 << 30, MaxTotalSize: 1 << 40}})
	check(err)
	rep, err := s.Scan(context.Background(), files...)
	check(err)
	stats := map[string]int{}
	for _, r := range rep.Results {
		high := false
		for _, f := range r.Findings {
			stats[f.Severity]++
			high = high || f.Severity == scanner.SeverityCritical || f.Severity == scanner.SeverityHigh
		}
		if high {
			stats["files_high"]++
		}
	}
	out, _ := json.Marshal(stats)
	fmt.Println(string(out))
}

const benchConfig = "eslint.config.bench-scanner.mjs"

// parseOnly parses every file with tree-sitter's JavaScript grammar
// through go-tree-sitter, as a plain tree-sitter tool would, and does
// nothing else: what parsing costs without the scanner's parse arenas.
func parseOnly(files []string, workers int) {
	jobs := make(chan string)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := sitter.NewParser()
			defer p.Close()
			p.SetLanguage(javascript.GetLanguage())
			for f := range jobs {
				tree, err := p.ParseCtx(context.Background(), nil, []byte(readFile(f)))
				check(err)
				tree.Close()
			}
		}()
	}
	for _, f := range files {
		jobs <- f
	}
	close(jobs)
	wg.Wait()
}

// eslintConfig writes a flat config that lints every JavaScript file with
// the security plugin's recommended rules, node_modules included. It goes
// in the corpus directory, because ESLint only lints files below its
// config file.
func eslintConfig(eslintDir, corpus string) string {
	plugin, err := filepath.Abs(filepath.Join(eslintDir, "node_modules", "eslint-plugin-security", "index.js"))
	check(err)
	cfg := filepath.Join(corpus, benchConfig)
	check(os.WriteFile(cfg, []byte(fmt.Sprintf(`import security from %q;
export default [
  { ignores: ["!**/node_modules/", "!node_modules/", "eslint.config.bench-scanner.mjs"] },
  {
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    plugins: { security },
    rules: security.configs.recommended.rules,
    linterOptions: { reportUnusedDisableDirectives: "off" },
    languageOptions: { ecmaVersion: "latest" },
  },
];
`, plugin)), 0o644))
	return cfg
}

func eslintFindings(path string) (messages, files int) {
	data, err := os.ReadFile(path)
	if err != nil {
		return -1, 0
	}
	var results []struct {
		Messages []json.RawMessage `json:"messages"`
	}
	if json.Unmarshal(data, &results) != nil {
		return -1, 0
	}
	for _, r := range results {
		messages += len(r.Messages)
		if len(r.Messages) > 0 {
			files++
		}
	}
	return messages, files
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndexByte(s, '\n')+1:]
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-scanner:", err)
		os.Exit(1)
	}
}
