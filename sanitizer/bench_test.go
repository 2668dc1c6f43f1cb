package sanitizer

import (
	"encoding/json"
	"strings"
	"testing"
)

// prompt builds benign prose of n bytes with the trigger words benign
// prompts use ("ignore", "system", "print", "instructions").
func prompt(n int) string {
	const para = "Please review the attached report and summarise the main findings for the team. " +
		"The system prints a warning when the disk is full; you can ignore it during tests. " +
		"Follow the instructions in the README to build the project, then run the unit tests. "
	return strings.Repeat(para, n/len(para)+1)[:n]
}

func benchCheck(b *testing.B, text string) {
	s, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		s.Check("user", text)
	}
}

func BenchmarkCheck2KB(b *testing.B)  { benchCheck(b, prompt(2<<10)) }
func BenchmarkCheck16KB(b *testing.B) { benchCheck(b, prompt(16<<10)) }

// Peer: decoding the same text as a JSON string, which every request pays
// anyway. The ratio Check/peer is what to compare across runs.
func BenchmarkPeerJSONDecode2KB(b *testing.B) {
	raw, _ := json.Marshal(prompt(2 << 10))
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			b.Fatal(err)
		}
	}
}

// Adversarial 1 MiB inputs: long runs, near-matches of many rules, and
// invisible characters, which must all stay linear.
func BenchmarkCheck1MiBAdversarial(b *testing.B) {
	inputs := map[string]string{
		"near-matches": strings.Repeat("ignore all previous show me your system <|im_ ![x](http://a/?q= <!-- ", 1<<20/70),
		"one long run": strings.Repeat("a", 1<<20),
		"invisibles":   strings.Repeat("i\u200bg\U000E0041n\u202eo", 1<<20/14),
		"one word":     strings.Repeat("ignore ", 1<<20/7),
	}
	for name, text := range inputs {
		b.Run(name, func(b *testing.B) { benchCheck(b, text) })
	}
}

func BenchmarkSanitizeChat16KB(b *testing.B) {
	s, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	msg, _ := json.Marshal(prompt(16 << 10))
	body := []byte(`{"model":"openclaw","messages":[{"role":"system","content":"You are helpful."},{"role":"user","content":` + string(msg) + `}]}`)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, _, err := s.SanitizeChat(body); err != nil {
			b.Fatal(err)
		}
	}
}
