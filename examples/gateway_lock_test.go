package examples

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"regexp"
	"strings"
	"testing"
)

var (
	exactVersion = regexp.MustCompile(`^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`)
	sha512SRI    = regexp.MustCompile(`^sha512-[A-Za-z0-9+/]{86}==$`)
	npmInstall   = regexp.MustCompile(`\b(npm\s+(install|i|add|update|exec)|npx|yarn\s+add|pnpm\s+(add|install))\b`)
)

type lockEntry struct {
	Version      string            `json:"version"`
	Resolved     string            `json:"resolved"`
	Integrity    string            `json:"integrity"`
	Link         bool              `json:"link"`
	InBundle     bool              `json:"inBundle"`
	Dependencies map[string]string `json:"dependencies"`
}

// lockProblems says why package-lock.json does not pin what package.json
// asks for by integrity: ranges instead of versions, entries without a
// sha512 (but those bundled in their parent's tarball), tarballs from elsewhere than the npm registry, dependencies the
// lock leaves to resolve at install time.
func lockProblems(pkgJSON, lockJSON []byte) []string {
	var pkg struct {
		Dependencies, DevDependencies map[string]string
	}
	var lock struct {
		LockfileVersion int                  `json:"lockfileVersion"`
		Packages        map[string]lockEntry `json:"packages"`
	}
	if err := json.Unmarshal(pkgJSON, &pkg); err != nil {
		return []string{"package.json: " + err.Error()}
	}
	if err := json.Unmarshal(lockJSON, &lock); err != nil {
		return []string{"package-lock.json: " + err.Error()}
	}
	var out []string
	bad := func(f string, a ...any) { out = append(out, fmt.Sprintf(f, a...)) }
	if lock.LockfileVersion < 2 {
		bad("lockfileVersion %d: npm ci needs 2 or 3", lock.LockfileVersion)
	}
	if len(pkg.Dependencies) == 0 {
		bad("package.json has no dependencies")
	}
	if len(pkg.DevDependencies) > 0 {
		bad("package.json has devDependencies: the image installs none")
	}
	root := lock.Packages[""]
	for name, v := range pkg.Dependencies {
		if !exactVersion.MatchString(v) {
			bad("package.json: %s is %q, not one exact version", name, v)
		}
		if root.Dependencies[name] != v {
			bad("package-lock.json was made from another package.json: %s %q there", name, root.Dependencies[name])
		}
		if got := lock.Packages["node_modules/"+name].Version; got != v {
			bad("package-lock.json installs %s %q, package.json wants %q", name, got, v)
		}
	}
	for p, e := range lock.Packages {
		if p == "" {
			continue
		}
		switch {
		case e.Link:
			bad("%s is a link, not a registry package", p)
			continue
		case e.InBundle:
			// Inside its parent's tarball, which the parent's integrity covers.
		case !sha512SRI.MatchString(e.Integrity):
			bad("%s has no sha512 integrity (%q)", p, e.Integrity)
		case e.Resolved != "" && !strings.HasPrefix(e.Resolved, "https://registry.npmjs.org/"):
			bad("%s comes from %s", p, e.Resolved)
		}
		// Each dependency must be in the lock where Node looks for it:
		// this package's node_modules, then its ancestors'.
		for dep := range e.Dependencies {
			found := false
			for dir := p; ; {
				if _, ok := lock.Packages[dir+"/node_modules/"+dep]; ok {
					found = true
					break
				}
				i := strings.LastIndex(dir, "/node_modules/")
				if i < 0 {
					break
				}
				dir = dir[:i]
			}
			if _, ok := lock.Packages["node_modules/"+dep]; !found && !ok {
				bad("%s needs %s, which the lock does not hold", p, dep)
			}
		}
	}
	return out
}

// dockerfileProblems says why the openclaw stage of a Dockerfile does not
// install OpenClaw from the committed lock.
func dockerfileProblems(dockerfile string) []string {
	var out []string
	joined := strings.ReplaceAll(dockerfile, "\\\n", " ")
	var stage []string
	in := false
	for _, l := range strings.Split(joined, "\n") {
		f := strings.Fields(l)
		if len(f) > 0 && strings.EqualFold(f[0], "FROM") {
			in = strings.EqualFold(f[len(f)-1], "openclaw") && len(f) >= 4 && strings.EqualFold(f[len(f)-2], "AS")
			continue
		}
		if in && len(f) > 0 && !strings.HasPrefix(f[0], "#") {
			stage = append(stage, l)
		}
	}
	if len(stage) == 0 {
		return []string{"no openclaw stage"}
	}
	copied, ci := -1, -1
	for i, l := range stage {
		f := strings.Fields(l)
		switch strings.ToUpper(f[0]) {
		case "COPY", "ADD":
			if strings.Contains(l, "gateway/package-lock.json") && strings.Contains(l, "gateway/package.json") {
				copied = i
			}
		case "RUN":
			if npmInstall.MatchString(l) {
				out = append(out, "installs by name, not from the lock: "+l)
			}
			if strings.Contains(l, "npm ci") && ci < 0 {
				ci = i
			}
		case "ENTRYPOINT":
			if !strings.Contains(l, "/opt/openclaw/node_modules/.bin/openclaw") {
				out = append(out, "the entrypoint is not the OpenClaw npm ci installed: "+l)
			}
		}
	}
	if ci < 0 {
		out = append(out, "no RUN npm ci")
	}
	if copied < 0 || copied > ci {
		out = append(out, "package.json and package-lock.json are not copied in before npm ci")
	}
	return out
}

// TestGatewayInstallsFromLock: the Compose gateway image installs OpenClaw
// with npm ci from a committed lock that pins it, and everything it pulls
// in, by sha512 integrity; the version is the one the e2e tests run
// (scripts/ensure-openclaw.sh). Altered copies are refused, so the checks
// can fail.
func TestGatewayInstallsFromLock(t *testing.T) {
	pkg, err := os.ReadFile("compose/gateway/package.json")
	if err != nil {
		t.Fatal(err)
	}
	lock, err := os.ReadFile("compose/gateway/package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	df, err := os.ReadFile("compose/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range lockProblems(pkg, lock) {
		t.Error(p)
	}
	for _, p := range dockerfileProblems(string(df)) {
		t.Error("Dockerfile: " + p)
	}
	ensure, err := os.ReadFile("../scripts/ensure-openclaw.sh")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`OPENCLAW_VERSION=\$\{OPENCLAW_VERSION:-([^}]+)\}`).FindSubmatch(ensure)
	if m == nil {
		t.Fatal("scripts/ensure-openclaw.sh has no default OPENCLAW_VERSION")
	}
	var p struct{ Dependencies map[string]string }
	_ = json.Unmarshal(pkg, &p)
	if p.Dependencies["openclaw"] != string(m[1]) {
		t.Errorf("the image pins openclaw %q, the e2e tests run %q", p.Dependencies["openclaw"], m[1])
	}

	// Altered copies.
	var lk map[string]any
	if err := json.Unmarshal(lock, &lk); err != nil {
		t.Fatal(err)
	}
	pkgs := lk["packages"].(map[string]any)
	mutate := func(change func(map[string]any)) []byte {
		var c map[string]any
		_ = json.Unmarshal(lock, &c)
		change(c["packages"].(map[string]any))
		b, _ := json.Marshal(c)
		return b
	}
	var some string
	for k, v := range pkgs {
		if _, ok := v.(map[string]any)["integrity"]; ok && k != "node_modules/openclaw" {
			some = k
			break
		}
	}
	for name, tc := range map[string]struct {
		pkg, lock []byte
	}{
		"a range":             {[]byte(`{"dependencies":{"openclaw":"^` + p.Dependencies["openclaw"] + `"}}`), lock},
		"another version":     {[]byte(`{"dependencies":{"openclaw":"2026.1.1"}}`), lock},
		"no integrity":        {pkg, mutate(func(m map[string]any) { delete(m[some].(map[string]any), "integrity") })},
		"sha1 integrity":      {pkg, mutate(func(m map[string]any) { m[some].(map[string]any)["integrity"] = "sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=" })},
		"another registry":    {pkg, mutate(func(m map[string]any) { m[some].(map[string]any)["resolved"] = "https://npm.example.net/x.tgz" })},
		"a dependency absent": {pkg, mutate(func(m map[string]any) { delete(m, lockDependencyOf(m)) })},
	} {
		if len(lockProblems(tc.pkg, tc.lock)) == 0 {
			t.Errorf("%s: the lock check found nothing", name)
		}
	}
	for name, d := range map[string]string{
		"npm install":  strings.Replace(string(df), "RUN npm ci", "RUN npm install -g openclaw@2026.9.6 && npm ci", 1),
		"no npm ci":    strings.Replace(string(df), "RUN npm ci", "RUN npm install", 1),
		"no lock copy": strings.Replace(string(df), "examples/compose/gateway/package-lock.json", "", 1),
		"npx":          strings.Replace(string(df), "npm cache clean --force", "npx openclaw@latest --version", 1),
	} {
		if d == string(df) {
			t.Fatalf("%s: the Dockerfile no longer has what this test alters", name)
		}
		if len(dockerfileProblems(d)) == 0 {
			t.Errorf("%s: the Dockerfile check found nothing", name)
		}
	}
}

// lockDependencyOf names a package the lock holds only because another one
// needs it at the top level.
func lockDependencyOf(pkgs map[string]any) string {
	oc := pkgs["node_modules/openclaw"].(map[string]any)
	for dep := range oc["dependencies"].(map[string]any) {
		if _, ok := pkgs["node_modules/"+dep]; ok {
			if _, nested := pkgs["node_modules/openclaw/node_modules/"+dep]; !nested {
				return "node_modules/" + dep
			}
		}
	}
	return path.Join("node_modules", "absent")
}
