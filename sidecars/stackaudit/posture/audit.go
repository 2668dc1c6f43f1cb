package posture

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Options connect the auditor to what it cannot or must not do itself.
type Options struct {
	// AdaptCaddyfile turns a Caddyfile into Caddy's JSON config with Caddy's
	// own adapter (the command links Caddy and the stack's modules).
	AdaptCaddyfile func(path string) ([]byte, error)
	// ParseCorefile reads a Corefile with CoreDNS's own parser.
	ParseCorefile func(path string) ([]CoreServer, error)
	// Profiles are the Compose profiles to audit; nil audits every service,
	// whatever its profile.
	Profiles []string
	// Env is the process environment Compose interpolation sees after .env
	// (nil: none, so results do not depend on the operator's shell).
	Env []string
	// QuarantineDB is where the quarantine database is; "" finds it in the
	// install policy's arguments or the units' QUARANTINE_DB.
	QuarantineDB string
	// Skills judges skills found in load directories; nil skips that look.
	Skills SkillJudge
	// Live runs the checks against what runs (see LiveOptions).
	Live *LiveOptions
}

// Auditor collects inputs and runs the checks over them.
type Auditor struct {
	opts        Options
	inputs      []Input
	unavailable []Unavailable
	skipped     []Skipped
	seen        map[string]bool

	composes    []*composeInput
	openclaws   []*openclawInput
	caddies     []*caddyInput
	cores       []*coreInput
	units       []*unitInput
	envs        []string
	tokenFiles  []string
	allowlists  []string
	dockerfiles []string
	logs        []logRef
	dbs         []string
	secrets     []string
}

// NewAuditor returns an auditor with no inputs.
func NewAuditor(opts Options) *Auditor {
	return &Auditor{opts: opts, seen: map[string]bool{}}
}

// Kinds of input files.
const (
	KindCompose    = "compose"
	KindSwarm      = "swarm-stack"
	KindOpenClaw   = "openclaw-config"
	KindCaddyfile  = "caddyfile"
	KindCorefile   = "corefile"
	KindUnit       = "systemd-unit"
	KindEnv        = "env"
	KindTokens     = "token-file"
	KindAllowlist  = "allowlist"
	KindDockerfile = "dockerfile"
	KindAuditLog   = "audit-log"
	KindQuarantine = "quarantine-db"
	KindSecret     = "secret-file" // a Compose secret that is not a token file: mode only
)

// Classify tells what kind of deployment file a name is, or "" for none.
// Templates (.env.example, env.example) are not deployment files.
func Classify(path string) string {
	base := filepath.Base(path)
	lower := strings.ToLower(base)
	ext := filepath.Ext(lower)
	switch {
	case strings.Contains(lower, "example") && (strings.HasPrefix(lower, ".env") || strings.HasPrefix(lower, "env.")):
		return ""
	case (ext == ".yml" || ext == ".yaml") && strings.Contains(lower, "stack"):
		return KindSwarm
	case (ext == ".yml" || ext == ".yaml") && strings.Contains(lower, "compose"):
		return KindCompose
	case lower == "openclaw.json" || lower == "openclaw.json5" || strings.HasPrefix(lower, "openclaw.") && (ext == ".json" || ext == ".json5"):
		return KindOpenClaw
	case base == "Caddyfile" || strings.HasPrefix(base, "Caddyfile.") || ext == ".caddyfile":
		return KindCaddyfile
	case base == "Corefile" || strings.HasPrefix(base, "Corefile."):
		return KindCorefile
	case ext == ".service":
		return KindUnit
	case lower == ".env" || ext == ".env":
		return KindEnv
	case lower == "tokens" || ext == ".tokens" || strings.HasSuffix(lower, "_tokens") || strings.HasSuffix(lower, "-tokens"):
		return KindTokens
	case strings.HasPrefix(lower, "allowlist") && (ext == ".txt" || ext == ""):
		return KindAllowlist
	case base == "Dockerfile" || strings.HasPrefix(base, "Dockerfile.") || ext == ".dockerfile":
		return KindDockerfile
	case ext == ".jsonl":
		return KindAuditLog
	case lower == "quarantine.db":
		return KindQuarantine
	}
	return ""
}

// walkSkip are directories a deployment directory walk never enters.
var walkSkip = map[string]bool{".git": true, "node_modules": true, "testdata": true, "quarantined": true}

// AddPath adds a file, or every deployment file under a directory. A path that
// cannot be read, a named file of no known kind, or a directory that holds no
// deployment file is recorded as unavailable (exit status 2): a part with
// nothing to audit is never a pass.
//
// A directory walk follows a symlink whose target is inside the directory (an
// alias such as a unit enabled in multi-user.target.wants, or a secret mount's
// ..data link; each file is audited once, under its own path). A symlink that
// leads out of the directory is not followed, so that auditing
// /etc/systemd/system does not audit the distribution's units, and is listed in
// the report's skipped parts with its target. A symlink with a deployment
// file's name that leads nowhere, or to something that is not a regular file,
// is unavailable: the file a service would read cannot be checked.
func (a *Auditor) AddPath(path string) {
	st, err := os.Stat(path)
	if err != nil {
		a.fail(path, fmt.Errorf("cannot read: %w", err))
		return
	}
	if !st.IsDir() {
		kind := Classify(path)
		if kind == "" {
			a.fail(path, errors.New("not a file stackaudit knows: "+knownNames))
			return
		}
		if !st.Mode().IsRegular() {
			a.fail(path, errors.New("not a regular file"))
			return
		}
		a.addFile(path, kind)
		return
	}
	if n := a.walk(path); n == 0 {
		a.fail(path, errors.New("nothing to audit: no deployment file under this directory ("+knownNames+")"))
	}
}

const knownNames = "name Compose files *compose*.yml, Swarm stacks *stack*.yml, openclaw.json, Caddyfile*, Corefile*, *.service, .env, *tokens, allowlist*.txt, Dockerfile*, *.jsonl or quarantine.db"

// walk adds the deployment files under root and returns how many it found
// (files already added count too), unavailable and skipped ones included.
func (a *Auditor) walk(root string) int {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		a.fail(root, fmt.Errorf("cannot read: %w", err))
		return 1
	}
	found := 0
	var links []string
	walkRoot := root
	if st, err := os.Lstat(root); err == nil && st.Mode()&fs.ModeSymlink != 0 {
		walkRoot += string(filepath.Separator) // WalkDir enters a symlinked root only so
	}
	err = filepath.WalkDir(walkRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			a.fail(p, fmt.Errorf("cannot read: %w", err))
			found++
			return nil
		}
		if d.IsDir() {
			if p != walkRoot && walkSkip[d.Name()] {
				return filepath.SkipDir
			}
			return nil
		}
		switch kind := Classify(p); {
		case d.Type()&fs.ModeSymlink != 0:
			links = append(links, p)
		case kind == "":
		case d.Type().IsRegular():
			a.addFile(p, kind)
			found++
		default:
			a.fail(p, errors.New("not a regular file"))
			found++
		}
		return nil
	})
	if err != nil {
		a.fail(root, err)
		found++
	}
	// Links after the files, so that a file and its alias are audited
	// under the file's own path.
	for _, p := range links {
		found += a.addLink(p, realRoot)
	}
	return found
}

// addLink follows a symlink met in a walk of the directory whose real path is
// realRoot, and returns how many deployment files it found there.
func (a *Auditor) addLink(p, realRoot string) int {
	kind := Classify(p)
	target, err := filepath.EvalSymlinks(p)
	if err != nil {
		if kind == "" {
			return 0
		}
		a.fail(p, fmt.Errorf("cannot read: a symlink that leads nowhere: %w", err))
		return 1
	}
	st, err := os.Stat(target)
	if err != nil {
		if kind == "" {
			return 0
		}
		a.fail(p, fmt.Errorf("cannot read: %w", err))
		return 1
	}
	if st.IsDir() {
		if walkSkip[filepath.Base(p)] || target == realRoot || strings.HasPrefix(target, realRoot+string(filepath.Separator)) {
			return 0 // inside: the walk goes through it anyway
		}
		a.skipped = append(a.skipped, Skipped{Path: p, Target: target, Reason: "a symlinked directory out of the audited directory: not followed; name it to audit it"})
		return 0
	}
	if kind == "" {
		return 0
	}
	if !strings.HasPrefix(target, realRoot+string(filepath.Separator)) {
		a.skipped = append(a.skipped, Skipped{Path: p, Target: target, Reason: "a symlink out of the audited directory: not followed; name it to audit it"})
		return 0
	}
	if !st.Mode().IsRegular() {
		a.fail(p, fmt.Errorf("%s is not a regular file", target))
		return 1
	}
	a.addFile(p, kind)
	return 1
}

// fileKey names a file once whatever the path to it: its real path when it
// has one.
func fileKey(path string) string {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		return real
	}
	return filepath.Clean(path)
}

func (a *Auditor) fail(part string, err error) {
	a.unavailable = append(a.unavailable, Unavailable{Part: part, Reason: err.Error()})
}

func (a *Auditor) addFile(path, kind string) {
	key := fileKey(path)
	if a.seen[key] {
		return
	}
	a.seen[key] = true
	a.inputs = append(a.inputs, Input{Path: path, Kind: kind})
	var err error
	switch kind {
	case KindCompose, KindSwarm:
		var c *composeInput
		if c, err = loadCompose(path, kind == KindSwarm, a.opts); err == nil {
			a.composes = append(a.composes, c)
		}
	case KindOpenClaw:
		var o *openclawInput
		if o, err = loadOpenClaw(path); err == nil {
			a.openclaws = append(a.openclaws, o)
		}
	case KindCaddyfile:
		var c *caddyInput
		if c, err = loadCaddyfile(path, a.opts.AdaptCaddyfile); err == nil {
			a.caddies = append(a.caddies, c)
		}
	case KindCorefile:
		var c *coreInput
		if c, err = loadCorefile(path, a.opts.ParseCorefile); err == nil {
			a.cores = append(a.cores, c)
		}
	case KindUnit:
		var u *unitInput
		if u, err = loadUnit(path); err == nil {
			a.units = append(a.units, u)
		}
	case KindEnv:
		a.envs = append(a.envs, path)
	case KindTokens:
		a.tokenFiles = append(a.tokenFiles, path)
	case KindAllowlist:
		a.allowlists = append(a.allowlists, path)
	case KindDockerfile:
		a.dockerfiles = append(a.dockerfiles, path)
	case KindAuditLog:
		a.logs = append(a.logs, logRef{path: path, explicit: true})
	case KindQuarantine:
		a.dbs = append(a.dbs, path)
	case KindSecret:
		a.secrets = append(a.secrets, path)
	}
	if err != nil {
		a.fail(path, err)
	}
}

// addReferenced adds a file that a loaded file names (a token file in a
// Caddyfile, an allowlist in a Corefile) when it exists on this host. Paths
// inside containers usually do not, and are checked with --live or where the
// files are mounted from.
func (a *Auditor) addReferenced(path, kind string) {
	if path == "" || a.seen[fileKey(path)] {
		return
	}
	if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() {
		a.addFile(path, kind)
	}
}

// Run checks every input and returns the report.
func (a *Auditor) Run(ctx context.Context) *Report {
	var fs findings
	// Files named by other files join the audit first.
	for _, c := range a.caddies {
		for _, t := range c.tokenFiles {
			a.addReferenced(t, KindTokens)
		}
		a.logs = append(a.logs, c.auditLogs...)
	}
	for _, c := range a.cores {
		for _, al := range c.allowlists {
			a.addReferenced(al, KindAllowlist)
		}
		a.logs = append(a.logs, c.auditLogs...)
	}
	for _, c := range a.composes {
		for _, f := range c.secretFiles {
			kind := KindSecret
			if strings.Contains(strings.ToLower(filepath.Base(f)), "token") {
				kind = KindTokens
			}
			a.addReferenced(f, kind)
		}
		for _, f := range c.envFiles {
			a.addReferenced(f, KindEnv)
		}
		for _, f := range c.dockerfiles {
			a.addReferenced(f, KindDockerfile)
		}
	}

	d := a.deployment()
	for _, c := range a.composes {
		checkCompose(&fs, c, d)
	}
	for _, o := range a.openclaws {
		checkOpenClaw(&fs, o, d)
	}
	for _, c := range a.caddies {
		checkCaddy(&fs, c)
	}
	for _, c := range a.cores {
		checkCorefile(&fs, c)
	}
	for _, u := range a.units {
		checkUnit(&fs, u)
	}
	for _, p := range a.envs {
		a.check(p, checkEnvFile(&fs, p))
	}
	for _, p := range a.tokenFiles {
		a.check(p, checkTokenFile(&fs, p))
	}
	for _, p := range a.secrets {
		a.check(p, checkSecretMode(&fs, p, "secret file"))
	}
	for _, p := range a.allowlists {
		a.check(p, checkAllowlist(&fs, p))
	}
	for _, p := range a.dockerfiles {
		a.check(p, checkDockerfile(&fs, p))
	}
	checkAllowlistsAgree(&fs, a.caddies, a.cores)
	for _, o := range a.openclaws {
		checkUserHeader(&fs, o, a.caddies)
	}
	for _, l := range dedupLogs(a.logs) {
		a.check(l.path, checkLog(&fs, l, a.opts.Live != nil))
	}
	a.checkSkills(ctx, &fs, d)
	if a.opts.Live != nil {
		a.runLive(ctx, &fs, d)
	}

	rep := &Report{SchemaVersion: 1, Tool: "stackaudit", Live: a.opts.Live != nil,
		Inputs: a.inputs, Findings: fs.list, Unavailable: a.unavailable, Skipped: a.skipped}
	rep.finish()
	return rep
}

// check records err, if any, as a part that could not be checked.
func (a *Auditor) check(part string, err error) {
	if err != nil {
		a.fail(part, err)
	}
}

func dedupLogs(in []logRef) []logRef {
	var out []logRef
	for _, l := range in {
		i := slices.IndexFunc(out, func(o logRef) bool { return filepath.Clean(o.path) == filepath.Clean(l.path) })
		if i < 0 {
			out = append(out, l)
		} else if out[i].key == "" && l.key != "" {
			out[i] = l
		}
	}
	return out
}
