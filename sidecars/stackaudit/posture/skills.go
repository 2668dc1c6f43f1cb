package posture

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	_ "modernc.org/sqlite" // the quarantine database, read only
)

// SkillJudge hashes and scans a skill directory the way quarantine does
// (the command passes the scanner in; this package stays free of cgo).
type SkillJudge interface {
	TreeHash(dir string) (string, error)
	Verdict(ctx context.Context, dir string) (string, error)
}

type dbSkill struct {
	name, path, sha, verdict, status string
}

// readQuarantineDB reads the skills and override hashes without writing:
// the audit must not change the database or leave root-owned files beside it.
func readQuarantineDB(ctx context.Context, path string) ([]dbSkill, map[string]bool, error) {
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?mode=ro&_pragma=busy_timeout(5000)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT name, path, sha256, verdict, status FROM skills`)
	if err != nil {
		return nil, nil, fmt.Errorf("not a quarantine database: %w", err)
	}
	defer rows.Close()
	var skills []dbSkill
	for rows.Next() {
		var s dbSkill
		if err := rows.Scan(&s.name, &s.path, &s.sha, &s.verdict, &s.status); err != nil {
			return nil, nil, err
		}
		skills = append(skills, s)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	orows, err := db.QueryContext(ctx, `SELECT sha256 FROM overrides`)
	if err != nil {
		return nil, nil, fmt.Errorf("not a quarantine database: %w", err)
	}
	defer orows.Close()
	overrides := map[string]bool{}
	for orows.Next() {
		var sha string
		if err := orows.Scan(&sha); err != nil {
			return nil, nil, err
		}
		overrides[sha] = true
	}
	return skills, overrides, orows.Err()
}

// installPolicyDB returns the database the install policy command is given.
func installPolicyDB(r *Value) string {
	exec := r.Get("security", "installPolicy", "exec")
	args := exec.Get("args").Strings()
	for i, a := range args {
		if a == "--db" && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, "--db="); ok {
			return v
		}
	}
	return exec.Get("env", "QUARANTINE_DB").String()
}

// loadDirs lists OpenClaw's skill load directories that this config names.
func loadDirs(o *openclawInput, d *deployment) []string {
	var dirs []string
	if ws := o.root.Get("agents", "defaults", "workspace").String(); ws != "" && !strings.HasPrefix(ws, "~") {
		dirs = append(dirs, filepath.Join(ws, "skills"), filepath.Join(ws, ".agents", "skills"))
	}
	dirs = append(dirs, o.root.Get("skills", "load", "extraDirs").Strings()...)
	for _, s := range d.stateDirs {
		dirs = append(dirs, filepath.Join(s, "skills"), filepath.Join(s, "workspace", "skills"))
	}
	return dirs
}

func (a *Auditor) checkSkills(ctx context.Context, fs *findings, d *deployment) {
	live := a.opts.Live != nil
	type dbRef struct {
		path     string
		explicit bool
		source   string
		line     int
	}
	var dbs []dbRef
	if a.opts.QuarantineDB != "" {
		dbs = append(dbs, dbRef{path: a.opts.QuarantineDB, explicit: true})
	}
	for _, p := range a.dbs {
		dbs = append(dbs, dbRef{path: p, explicit: true})
	}
	for _, o := range a.openclaws {
		if p := installPolicyDB(o.root); p != "" {
			dbs = append(dbs, dbRef{path: p, source: o.path, line: o.root.Get("security", "installPolicy").LineOr(1)})
		}
	}
	for _, p := range d.quarantineDBs {
		dbs = append(dbs, dbRef{path: p})
	}
	var skills []dbSkill
	overrides := map[string]bool{}
	seen := map[string]bool{}
	for _, db := range dbs {
		if seen[filepath.Clean(db.path)] {
			continue
		}
		seen[filepath.Clean(db.path)] = true
		if _, err := os.Stat(db.path); err != nil {
			switch {
			case db.explicit:
				a.fail(db.path, fmt.Errorf("quarantine database: %w", err))
			case live:
				fs.add("SKILL_DB_MISSING", db.source, db.line, fmt.Sprintf("quarantine database %s does not exist", db.path))
			}
			continue
		}
		s, o, err := readQuarantineDB(ctx, db.path)
		if err != nil {
			a.fail(db.path, err)
			continue
		}
		skills = append(skills, s...)
		for k := range o {
			overrides[k] = true
		}
		for _, sk := range s {
			if sk.status == "blocked" && !overrides[sk.sha] {
				fs.add("SKILL_BLOCKED_LOADABLE", db.path, 0, fmt.Sprintf("skill %s at %s is blocked and still in its load directory", sk.name, sk.path))
			}
		}
	}
	if len(seen) == 0 && live && len(a.openclaws) > 0 {
		fs.add("SKILL_DB_MISSING", a.openclaws[0].path, 1, "no quarantine database is configured (installPolicy args --db, or QUARANTINE_DB)")
	}

	var dirs []string
	for _, o := range a.openclaws {
		dirs = append(dirs, loadDirs(o, d)...)
	}
	checked := map[string]bool{}
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue // not on this host
		}
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			if !e.IsDir() || strings.HasPrefix(e.Name(), ".") || checked[p] {
				continue
			}
			if _, err := os.Stat(filepath.Join(p, "SKILL.md")); err != nil {
				continue
			}
			checked[p] = true
			a.judgeSkill(ctx, fs, p, skills, overrides)
		}
	}
}

func (a *Auditor) judgeSkill(ctx context.Context, fs *findings, dir string, skills []dbSkill, overrides map[string]bool) {
	j := a.opts.Skills
	if j == nil {
		return
	}
	sha, err := j.TreeHash(dir)
	if err != nil {
		a.fail(dir, fmt.Errorf("cannot hash skill: %w", err))
		return
	}
	i := slices.IndexFunc(skills, func(s dbSkill) bool { return s.sha == sha })
	verdict := ""
	if i >= 0 {
		verdict = skills[i].verdict
	} else {
		if verdict, err = j.Verdict(ctx, dir); err != nil {
			a.fail(dir, fmt.Errorf("cannot scan skill: %w", err))
			return
		}
		if verdict != "block" {
			fs.add("SKILL_NOT_RECORDED", filepath.Join(dir, "SKILL.md"), 1, fmt.Sprintf("skill %s (verdict %s today) is not in the quarantine database", filepath.Base(dir), verdict))
		}
	}
	if verdict == "block" && !overrides[sha] {
		fs.add("SKILL_BLOCKED_LOADABLE", filepath.Join(dir, "SKILL.md"), 1, fmt.Sprintf("skill %s is blocked by the scanner and loadable", filepath.Base(dir)))
	}
}
