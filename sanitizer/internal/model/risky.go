package model

import "bytes"

// What an order to the agent asks for. "Run `npm test`" and "run `npm
// publish --force` and push the tag straight to main" are both orders, and
// both on the subject of a README; the words of the second are the words
// of the first and documentation teaches that they are benign. What tells
// them apart is what the order does: destroys, bypasses a check, reads or
// sends a secret, sends data to an address, or hides what it did. A
// linear model cannot weigh that against the address by itself (it has
// no conjunctions), so an order addressed to the assistant, or following a
// fake end-of-content marker, that asks for such a thing carries its own
// evidence bucket (RiskyEvidence). Honest guidance addressed to agents
// ("Agents: never commit secrets", "ask the user for keys instead of
// guessing") is a warning, not such an order: a unit whose own words
// begin with a negation is not read for risk.

// Risky tells a unit of normalised text that asks for a risky thing: a
// destructive or forced command, a check bypassed or disabled, a secret
// read or sent, data sent to an address, or the act hidden from the user.
func Risky(unit []byte) bool {
	i := LeadSkip(unit)
	rest := unit[i:]
	for _, neg := range riskNegations {
		if bytes.HasPrefix(rest, []byte(neg)) {
			return false
		}
	}
	for _, p := range riskPhrases {
		if bytes.Contains(rest, []byte(p)) {
			return true
		}
	}
	send, secret, dest := false, false, false
	for k := 0; k < len(rest); {
		c := rest[k]
		if c == ' ' || c == '`' || c == '"' || c == '(' || c == ')' || c == ',' || c == ';' || c == '\'' {
			k++
			continue
		}
		j := k
		for j < len(rest) && !(rest[j] == ' ' || rest[j] == '`' || rest[j] == '"' || rest[j] == '(' || rest[j] == ')' || rest[j] == ',' || rest[j] == ';' || rest[j] == '\'') {
			j++
		}
		w := bytes.TrimRight(rest[k:j], ".:!?")
		switch {
		case sendVerbs[string(w)]:
			send = true
		case secretWords[string(w)]:
			secret = true
		case riskWords[string(w)]:
			return true
		case bytes.HasPrefix(w, []byte("http://")) || bytes.HasPrefix(w, []byte("https://")):
			dest = true
		default:
			if at := bytes.IndexByte(w, '@'); at > 0 && bytes.IndexByte(w[at:], '.') > 0 {
				dest = true
			}
		}
		k = j
	}
	return secret && (send || dest) || send && dest
}

// riskNegations begin a warning rather than an order.
var riskNegations = []string{"never ", "do not ", "don't ", "dont ", "please do not ", "please don't ", "avoid ", "no "}

// riskPhrases are orders to hide an act or to skip a person's consent.
var riskPhrases = []string{
	"without asking", "without telling", "without showing", "without notifying", "without escalat", "tell nobody",
	"tell no one", "do not mention", "don't mention", "not mention", "never mention", "do not notify",
	"don't notify", "do not tell", "don't tell", "do not ask", "don't ask", "no need to ask", "not to ask",
	"| sh", "| bash", "|sh", "|bash", "rm -rf", "git push --force", "push --force", "--no-verify",
	"admin rights", "admin role", "admin privileges", "with admin", "your own pull request", "your own pr",
	"branch protection", "safety checks", "security review", "the firewall", "2fa", "two-factor",
	"delete everything", "delete all", "remove all", "delete the tests", "drop table", "drop database",
	"skip signature", "signature check", "skip the check", "skip checks", "skip verification", "skip the review",
	"skip review", "skip the tests", "skip tests", "skip ci", "index-url", "--registry",
	"without review", "without a review", "insecureskipverify", "authorized_keys", "secret list", "env=production",
	"yes to every", "remove the auth", "force-push", "force push",
}

// sendVerbs move data somewhere.
var sendVerbs = map[string]bool{
	"send": true, "forward": true, "upload": true, "post": true, "email": true, "mail": true, "paste": true,
	"share": true, "cc": true, "attach": true, "transfer": true, "wire": true, "pay": true, "print": true,
	"reveal": true, "include": true, "export": true, "copy": true, "cat": true, "dump": true, "read": true,
}

// secretWords are what must not leave the machine.
var secretWords = map[string]bool{
	".env": true, ".npmrc": true, ".git-credentials": true, "~/.git-credentials": true, "~/.npmrc": true,
	"~/.ssh/id_rsa": true, "id_rsa": true, "ssh": true, "credentials": true, "password": true, "passwords": true,
	"token": true, "tokens": true, "secret": true, "secrets": true, "keys": true, "passport": true, "ssn": true,
	"iban": true, "cookies": true, "salary": true, "payroll": true,
}

// riskWords are destructive, forced or bypassing on their own.
var riskWords = map[string]bool{
	"--force": true, "-f": true, "--allow-dirty": true, "--skip-checks": true, "--trusted-host": true,
	"-auto-approve": true, "--auto-approve": true, "sudo": true, "bypass": true, "bypassing": true,
	"silently": true, "quietly": true, "secretly": true, "disable": true, "wipe": true, "erase": true,
	"chmod": true, "777": true, "codeowners": true, "waived": true,
}

var risky = RuleEvidence("context:risky-order")
