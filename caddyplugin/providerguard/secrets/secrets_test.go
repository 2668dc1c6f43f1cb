package secrets

import (
	"strings"
	"testing"
)

// Values below are made up in each format (AWS's own documentation example
// for the access key id).
const (
	awsID      = "AKIAIOSFODNN7EXAMPLE"
	awsSecret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	ghToken    = "ghp_0123456789abcdefghijABCDEFGHIJ012345"
	openaiKey  = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0fGh3iJk6lMn9oPq2rSt5uVw8x"
	antKey     = "sk-ant-api03-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0fGh3iJk6lMn9oPq2rSt5uVw8xYz1AbCdEf-gHiJkLmNoPqR"
	googleKey  = "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"
	slackToken = "xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
	jwt        = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	telegram   = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
	pem        = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----"
)

func TestFindKnownFormats(t *testing.T) {
	for _, tt := range []struct{ text, kind, value string }{
		{"export AWS_ACCESS_KEY_ID=" + awsID, "aws_access_key_id", awsID},
		{"aws_secret_access_key = " + awsSecret, "aws_secret_access_key", awsSecret},
		{"token: " + ghToken + ".", "github_token", ghToken},
		{"OPENAI_API_KEY=" + openaiKey, "openai_api_key", openaiKey},
		{`{"key":"` + antKey + `"}`, "anthropic_api_key", antKey},
		{"maps " + googleKey, "google_api_key", googleKey},
		{slackToken, "slack_token", slackToken},
		{"Authorization: Bearer " + jwt, "jwt", jwt},
		{"bot " + telegram + " ok", "telegram_bot_token", telegram},
		{"key:\n" + pem + "\n", "private_key", pem},
		{`"-----BEGIN RSA PRIVATE KEY-----\\nMIIEpAIBAAKCAQEA7bq\\n-----END RSA PRIVATE KEY-----"`, "private_key", `-----BEGIN RSA PRIVATE KEY-----\\nMIIEpAIBAAKCAQEA7bq\\n-----END RSA PRIVATE KEY-----`},
		{"https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX", "slack_webhook", "hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX"},
	} {
		found := Find(tt.text)
		if len(found) != 1 || found[0].Kind != tt.kind || tt.text[found[0].Start:found[0].End] != tt.value {
			t.Errorf("Find(%.40q) = %+v, want one %s", tt.text, found, tt.kind)
		}
	}
}

func TestFindLeavesLookalikesAlone(t *testing.T) {
	for _, text := range []string{
		"the sk- prefix marks OpenAI keys; set OPENAI_API_KEY=sk-...",
		"AKIA is the prefix of access key ids",
		"task-runner-checkpoint-0123456789abcdefghijklmnopqrstuvwxyz",
		"risk-assessment-of-the-new-deployment-pipeline-for-q3",
		"see ghp_ tokens in the docs",
		"-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkq\n-----END PUBLIC KEY-----",
		"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
		"commit 3f2a9c1b0e7d4f5a6b8c9d0e1f2a3b4c5d6e7f80",
		"uuid 123e4567-e89b-12d3-a456-426614174000",
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcd is just a long word",
		"eyJhbGciOiJIUzI1NiJ9 alone is a header, not a token",
	} {
		if f := Find(text); len(f) != 0 {
			t.Errorf("Find(%q) = %+v: a false redaction", text, f)
		}
	}
}

func TestRedact(t *testing.T) {
	text := "id " + awsID + " and " + ghToken + " and " + openaiKey
	out, found := Redact(text)
	if out != "id [REDACTED:aws_access_key_id] and [REDACTED:github_token] and [REDACTED:openai_api_key]" || len(found) != 3 {
		t.Errorf("Redact = %q %+v", out, found)
	}
	if k := Kinds(found); k["github_token"] != 1 || len(k) != 3 {
		t.Errorf("Kinds %v", k)
	}
	if out, found := Redact("nothing here"); out != "nothing here" || found != nil {
		t.Errorf("Redact without secrets = %q %v", out, found)
	}
	for _, f := range found {
		if strings.Contains(Placeholder(f.Kind), text[f.Start:f.End]) {
			t.Error("placeholder holds the secret")
		}
	}
}

func FuzzRedact(f *testing.F) {
	for _, s := range []string{awsID, openaiKey, antKey, pem, jwt, telegram, "plain text"} {
		f.Add("x " + s + " y")
	}
	f.Fuzz(func(t *testing.T, text string) {
		found := Find(text)
		prev := 0
		for _, fi := range found {
			if fi.Start < prev || fi.End <= fi.Start || fi.End > len(text) {
				t.Fatalf("bad span %+v", fi)
			}
			prev = fi.End
		}
		out, _ := Redact(text)
		if len(found) > 0 && len(Find(out)) != 0 {
			t.Fatalf("redacted text still holds secrets: %q", out)
		}
	})
}

func BenchmarkFind200K(b *testing.B) {
	line := "2026-11-30 12:00:01 INFO worker[3] processed batch 1182 of 4000 in 83ms; queue depth 12, retries 0 (see task-runner docs)\n"
	text := strings.Repeat(line, 200000/len(line))
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Find(text)
	}
}

// naiveRuns is longRuns read byte by byte: the oracle it is checked against.
func naiveRuns(text string) [][2]int {
	var out [][2]int
	for i := 0; i < len(text); {
		if !tokenByte[text[i]] {
			i++
			continue
		}
		j := i + 1
		for j < len(text) && tokenByte[text[j]] {
			j++
		}
		if j-i >= minRun {
			out = append(out, [2]int{i, j})
		}
		i = j
	}
	return out
}

// FuzzLongRuns checks that longRuns, which skips bytes, yields the runs a
// byte-by-byte scan finds; and that PEM armour is found wherever it starts.
func FuzzLongRuns(f *testing.F) {
	run := strings.Repeat("a", minRun)
	for _, s := range []string{"", "x", run, run[1:], " " + run, run + " ", run[1:] + " " + run, " " + run[2:] + ". " + run + "a b",
		strings.Repeat("ab ", 30) + run + strings.Repeat(" ", 19) + run[1:] + "," + run, "BEGIN -----BEGIN " + pem[5:], pem, "-" + pem + "\n" + pem} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var got [][2]int
		for s, e := range longRuns(text) {
			got = append(got, [2]int{s, e})
		}
		want := naiveRuns(text)
		if len(got) != len(want) {
			t.Fatalf("longRuns(%q) = %v, want %v", text, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("longRuns(%q) = %v, want %v", text, got, want)
			}
		}
		pems := 0
		for _, fi := range Find(text) {
			if fi.Kind == "private_key" {
				pems++
			}
		}
		if n := strings.Count(text, pem); n > 0 && pems < n {
			t.Fatalf("Find found %d keys in %q, which holds %d", pems, text, n)
		}
	})
}

// findOracle is Find as it was before its one-pass reading of runs: every
// run found byte by byte, then each format searched for in it with
// strings.Index.
func findOracle(text string) []Finding {
	var out []Finding
	for _, r := range naiveRuns(text) {
		run := text[r[0]:r[1]]
		for i := range formats {
			f := &formats[i]
			for off := 0; off < len(run); {
				j := strings.Index(run[off:], f.prefix)
				if j < 0 {
					break
				}
				at := off + j
				off = at + len(f.prefix)
				if f.kind == "telegram_bot_token" {
					k := at
					for k > 0 && run[k-1] >= '0' && run[k-1] <= '9' {
						k--
					}
					if at-k < 6 || at-k > 12 || k > 0 && isWord(run[k-1]) {
						continue
					}
					if loc := f.re.FindStringIndex(run[at:]); loc != nil {
						out = append(out, Finding{Kind: f.kind, Start: r[0] + k, End: r[0] + at + loc[1]})
						off = at + loc[1]
					}
					continue
				}
				if at > 0 && isWord(run[at-1]) && f.kind != "slack_webhook" && f.kind != "discord_webhook" {
					continue
				}
				loc := f.re.FindStringIndex(run[at:])
				if loc == nil {
					continue
				}
				out = append(out, Finding{Kind: f.kind, Start: r[0] + at, End: r[0] + at + loc[1]})
				off = at + loc[1]
			}
		}
	}
	out = findPEM(text, out)
	out = findAWSSecret(text, out)
	return firstOfOverlaps(out)
}

// FuzzFindOracle: Find finds what findOracle finds, kinds and spans.
func FuzzFindOracle(f *testing.F) {
	all := []string{awsID, "ASIAIOSFODNN7EXAMPLE", ghToken, openaiKey, antKey, googleKey, slackToken, jwt, telegram, pem,
		"https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX", "https://discord.com/api/webhooks/123456/" + strings.Repeat("x", 40),
		"sk_live_" + strings.Repeat("a1", 13), "hf_" + strings.Repeat("ab", 17), "npm_" + strings.Repeat("a1", 18), "glpat-" + strings.Repeat("x", 20),
		"SG." + strings.Repeat("a", 22) + "." + strings.Repeat("b", 43), "aws_secret_access_key = " + awsSecret,
		"gho_" + ghToken[4:], "ghu_" + ghToken[4:], "ghs_" + ghToken[4:], "ghr_" + ghToken[4:], "github_pat_" + strings.Repeat("A1_", 25),
		"rk_live_" + strings.Repeat("a1", 13), "xoxp-" + strings.Repeat("1", 12)}
	for _, s := range all {
		f.Add("x " + s + " y")
		f.Add("path/" + s + s + "/" + s[:len(s)/2])
	}
	f.Add(strings.Join(all, ""))
	f.Add(strings.Join(all, " ") + " sk-ant-" + antKey + " AKIA" + awsID + " 12345678" + telegram)
	f.Fuzz(func(t *testing.T, text string) {
		got, want := Find(text), findOracle(text)
		if len(got) != len(want) {
			t.Fatalf("Find(%q) = %+v, want %+v", text, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("Find(%q) = %+v, want %+v", text, got, want)
			}
		}
	})
}
