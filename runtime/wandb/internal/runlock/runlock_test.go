package runlock

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestWriteNamesThisProcess pins the lock's content, and that Owner
// reads it back as this process until Remove.
func TestWriteNamesThisProcess(t *testing.T) {
	log := filepath.Join(t.TempDir(), "run-x.wandb")
	if err := Write(log, time.Now()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(log + Suffix)
	if err != nil {
		t.Fatalf("no lock after Write: %v", err)
	}
	var l runLock
	if err := json.Unmarshal(b, &l); err != nil {
		t.Fatalf("lock %q: %v", b, err)
	}
	host, _ := os.Hostname()
	if l.PID != os.Getpid() || l.Host != host || l.Started.IsZero() {
		t.Errorf("lock %+v, want pid %d on %s with the start time", l, os.Getpid(), host)
	}
	if runtime.GOOS == "linux" && l.ProcStart == "" {
		t.Error("lock on Linux lacks the process start time")
	}
	if owner := Owner(log); !strings.Contains(owner, "(this process)") {
		t.Errorf("Owner of an open run = %q, want this process", owner)
	}
	Remove(log)
	if owner := Owner(log); owner != "" {
		t.Errorf("Owner after Remove = %q", owner)
	}
}

var (
	deadOnce sync.Once
	dead     int
	deadErr  error
)

// deadPID is the pid of a process that has ended and been reaped (one
// child for all tests: starting this test binary again is not free).
func deadPID(t *testing.T) int {
	t.Helper()
	deadOnce.Do(func() {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		deadErr = cmd.Run()
		if deadErr == nil {
			dead = cmd.Process.Pid
		}
	})
	if deadErr != nil {
		t.Fatal(deadErr)
	}
	return dead
}

func TestLiveWriterJudgesTheLock(t *testing.T) {
	host, _ := os.Hostname()
	parent := os.Getppid() // alive while this test runs (go test or a shell)
	cases := []struct {
		name string
		lock string // "" for no lock file
		live bool
		says string
	}{
		{"no lock", "", false, ""},
		{"garbage", "not json", false, ""},
		{"no pid", `{"host":"` + host + `"}`, false, ""},
		{"dead process", lockJSON(runLock{PID: deadPID(t), Host: host}), false, ""},
		{"live process", lockJSON(runLock{PID: parent, Host: host, ProcStart: procStart(parent)}), true, "process"},
		{"another machine", lockJSON(runLock{PID: 1, Host: host + "-elsewhere"}), true, "another machine"},
	}
	if runtime.GOOS == "linux" {
		// The parent's pid, but a start time of another process: the pid
		// was reused since the lock was written.
		cases = append(cases, struct {
			name string
			lock string
			live bool
			says string
		}{"reused pid", lockJSON(runLock{PID: parent, Host: host, ProcStart: "1"}), false, ""})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			log := filepath.Join(t.TempDir(), "run-x.wandb")
			if c.lock != "" {
				if err := os.WriteFile(log+Suffix, []byte(c.lock), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			owner := Owner(log)
			if (owner != "") != c.live || !strings.Contains(owner, c.says) {
				t.Errorf("Owner = %q, want live=%v mentioning %q", owner, c.live, c.says)
			}
		})
	}
}

func lockJSON(l runLock) string {
	if l.Started.IsZero() {
		l.Started = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	}
	b, _ := json.Marshal(l)
	return string(b)
}

func TestProcessAliveSignalCheck(t *testing.T) {
	if !processAlive(os.Getpid()) {
		t.Error("this process is not alive")
	}
	if runtime.GOOS != "plan9" && runtime.GOOS != "js" && processAlive(deadPID(t)) {
		t.Error("a reaped process is alive")
	}
}
