package quarantine

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// childEnv carries a crash child's orders: the test binary re-runs itself
// and TestMain, seeing the variable, moves a skill and stops dead at a step
// until the parent kills it with SIGKILL.
const childEnv = "QUARANTINE_TEST_KILL_CHILD"

type childOrders struct {
	DB, QDir string
	Skill    int64
	Kind     string // "quarantine" or "restore"
	Step     string
	Across   bool
}

func TestMain(m *testing.M) {
	if v := os.Getenv(childEnv); v != "" {
		os.Exit(runChild(v))
	}
	os.Exit(m.Run())
}

func runChild(orders string) int {
	var o childOrders
	if err := json.Unmarshal([]byte(orders), &o); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	s, err := Open(context.Background(), o.DB, Options{QuarantineDir: o.QDir, TreeHash: treeHash})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	if o.Across {
		s.rename = acrossDevices
	}
	s.stepHook = func(step string) {
		if step == o.Step {
			fmt.Printf("at %s\n", step)
			select {} // wait for SIGKILL
		}
	}
	if o.Kind == "quarantine" {
		_, err = s.Quarantine(context.Background(), o.Skill)
	} else {
		_, err = s.Override(context.Background(), o.Skill, "carol", AckPhrase)
	}
	fmt.Fprintf(os.Stderr, "child finished without reaching %s: %v\n", o.Step, err)
	return 4
}

// TestKilledDuringMove kills a real process in the middle of a move and
// checks that the next process finishes or rolls back the move.
func TestKilledDuringMove(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		kind, step string
		across     bool
		wantStatus Status
	}{
		{"quarantine", "intent", false, Blocked},
		{"quarantine", "renamed", false, Quarantined},
		{"quarantine", "copied", true, Blocked},
		{"quarantine", "aside", true, Quarantined},
		{"restore", "prepared", false, Quarantined},
		{"restore", "placed", true, Overridden},
	} {
		t.Run(fmt.Sprintf("a %s killed after %s ends %s", c.kind, c.step, c.wantStatus), func(t *testing.T) {
			e := newEnv(t)
			s := e.open()
			dir, sum := e.skill("evil", "text")
			sk, _ := s.Record(ctx, result(dir, sum, Block))
			if c.kind == "restore" {
				if _, err := s.Quarantine(ctx, sk.ID); err != nil {
					t.Fatal(err)
				}
			}
			s.Close()

			orders, _ := json.Marshal(childOrders{DB: e.db, QDir: e.qdir, Skill: sk.ID, Kind: c.kind, Step: c.step, Across: c.across})
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), childEnv+"="+string(orders))
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line := make(chan string, 1)
			go func() {
				l, _ := bufio.NewReader(out).ReadString('\n')
				line <- strings.TrimSpace(l)
			}()
			select {
			case l := <-line:
				if l != "at "+c.step {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("child said %q; stderr: %s", l, stderr.String())
				}
			case <-time.After(60 * time.Second):
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("child never reached %s; stderr: %s", c.step, stderr.String())
			}
			if err := cmd.Process.Kill(); err != nil { // SIGKILL: no clean-up runs
				t.Fatal(err)
			}
			cmd.Wait()

			s2 := e.open()
			got, err := s2.Get(ctx, fmt.Sprint(sk.ID))
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != c.wantStatus {
				t.Errorf("status %s, want %s", got.Status, c.wantStatus)
			}
			switch got.Status {
			case Quarantined:
				if exists(dir) || !exists(got.QuarantinePath) {
					t.Errorf("skill in load dir: %v, in quarantine: %v", exists(dir), exists(got.QuarantinePath))
				}
			default:
				if h, _ := treeHash(dir); h != sum {
					t.Error("the skill in the load directory is not the original")
				}
			}
			mv, _ := s2.Moves(ctx, sk.ID)
			if last := mv[len(mv)-1]; last.State == statePending {
				t.Errorf("move #%d is still pending", last.ID)
			}
		})
	}
}
