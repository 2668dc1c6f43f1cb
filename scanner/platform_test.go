package scanner

import (
	"encoding/json"
	"testing"

	"golang.org/x/net/publicsuffix"
)

// The names file is data with sources: every entry must say what it is
// and where the fact comes from, or it cannot be reviewed.
func TestPlatformNamesFileIsComplete(t *testing.T) {
	var p platform
	if err := json.Unmarshal(platformNamesJSON, &p); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	current := 0
	for _, n := range p.Names {
		if n.Name == "" || n.What == "" || len(n.Sources) == 0 {
			t.Errorf("entry %+v needs a name, what it is and at least one source", n)
		}
		switch n.Status {
		case "current":
			current++
		case "former", "ecosystem":
		default:
			t.Errorf("%s: status %q is not current, former or ecosystem", n.Name, n.Status)
		}
		if seen[n.Name] {
			t.Errorf("%s is listed twice", n.Name)
		}
		seen[n.Name] = true
		for _, d := range n.Domains {
			if reg, err := publicsuffix.EffectiveTLDPlusOne(d); err != nil || reg != d {
				t.Errorf("%s: domain %q is not a registrable domain (want %q)", n.Name, d, reg)
			}
		}
	}
	if current < 2 {
		t.Errorf("only %d current names; openclaw and clawhub at least", current)
	}
}

func TestPlatformTypos(t *testing.T) {
	for name, want := range map[string]string{
		// Imitations of the current names.
		"cllawhub": "clawhub", "clawhub1": "clawhub", "clawhubb": "clawhub", "opencalw": "openclaw",
		"0penclaw": "openclaw", "open-claww": "openclaw", "c1awhub": "clawhub",
		// Genuine names, current, former and of the ecosystem.
		"openclaw": "", "clawhub": "", "clawdhub": "", "clawdbot": "", "moltbot": "", "moltbook": "", "clawd": "",
		// Unrelated.
		"clawarena": "", "moltlist": "", "deepclaw": "",
	} {
		if got := platformTypo(name); got != want {
			t.Errorf("platformTypo(%q) = %q, want %q", name, got, want)
		}
	}
	for host, want := range map[string]string{
		"clawhubb.ai": "clawhub", "www.0penclaw.ai": "openclaw", "opencalw.com": "openclaw",
		"clawdhub.com": "", "auth.clawdhub.com": "", "docs.clawd.bot": "", "molt.bot": "", "www.moltbook.com": "",
		"api.moltbook.com": "", "clawhub.ai": "", "docs.openclaw.ai": "", "my-openclaw.fly.dev": "",
	} {
		if got := lookalikeDomain(host); got != want {
			t.Errorf("lookalikeDomain(%q) = %q, want %q", host, got, want)
		}
	}
}
