// Package runlock is the run lock: a small file next to the run log
// naming the process that writes it. A log without an exit record is
// either a crashed run or one still being written; only the lock tells
// them apart, so `wbinstrument sync` does not complete a live run as
// crashed. The live writer (package wandb) writes it when the run starts
// and removes it at Finish; a killed program leaves it behind, naming a
// process that no longer exists. Sync (package online) asks Owner.
package runlock

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Suffix follows the log's name: run-<id>.wandb.lock. `wandb sync`
// and SyncTargets look for run-*.wandb only, so they never take it for a
// log.
const Suffix = ".lock"

// runLock is the content of the lock file.
type runLock struct {
	PID  int    `json:"pid"`
	Host string `json:"host"`
	// Started is when the run started, for the message naming the owner.
	Started time.Time `json:"started"`
	// ProcStart is the process's start time in clock ticks since boot,
	// field 22 of /proc/<pid>/stat, where the system has one: a pid that
	// names another process since (pids are reused) has another value.
	ProcStart string `json:"proc_start,omitempty"`
}

// Write creates the lock of the log at logPath. It is best effort:
// without it sync cannot tell a live run, which it then treats as a
// crashed one, as before the lock existed.
func Write(logPath string, started time.Time) error {
	host, _ := os.Hostname()
	pid := os.Getpid()
	b, err := json.Marshal(runLock{PID: pid, Host: host, Started: started.UTC(), ProcStart: procStart(pid)})
	if err != nil {
		return err
	}
	return os.WriteFile(logPath+Suffix, append(b, '\n'), 0o644)
}

// Remove deletes the lock once the log is complete.
func Remove(logPath string) {
	os.Remove(logPath + Suffix)
}

// Owner returns a description of the process still writing the log
// at logPath, or "" when none is: there is no lock, it is unreadable, or
// it names a process of this machine that has ended (or whose pid now
// belongs to another process). A lock from another machine cannot be
// checked and counts as live: the run may sit on a shared disk.
func Owner(logPath string) string {
	b, err := os.ReadFile(logPath + Suffix)
	if err != nil {
		return ""
	}
	var l runLock
	if json.Unmarshal(b, &l) != nil || l.PID <= 0 {
		return ""
	}
	owner := fmt.Sprintf("process %d on %s, run started %s", l.PID, l.Host, l.Started.Local().Format("2006-01-02 15:04:05"))
	if host, _ := os.Hostname(); l.Host != host {
		return owner + " (another machine: its liveness cannot be checked here)"
	}
	if l.PID == os.Getpid() {
		return owner + " (this process)"
	}
	if st, ok := readProcStat(l.PID); ok {
		// Linux: /proc answers exactly, zombies and reused pids included.
		if !st.running || (l.ProcStart != "" && st.start != l.ProcStart) {
			return ""
		}
		return owner
	}
	if _, err := os.Stat("/proc/self/stat"); err == nil {
		return "" // /proc works here and has no such process
	}
	if !processAlive(l.PID) {
		return ""
	}
	return owner
}

// procStat is what /proc/<pid>/stat says about a process.
type procStat struct {
	start   string // field 22: start time in clock ticks since boot
	running bool   // not a zombie: it has not ended
}

// readProcStat reads /proc/<pid>/stat; ok is false where there is no
// such file (no process, or not Linux).
func readProcStat(pid int) (procStat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, false
	}
	// The command name, field 2, is in parentheses and may hold spaces
	// or parentheses: fields are counted after the last ")". Field 3 is
	// the state (Z and X: ended), field 22 the start time.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return procStat{}, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return procStat{}, false
	}
	return procStat{start: f[19], running: f[0] != "Z" && f[0] != "X"}, true
}

// procStart is this system's start time of a running process, or "".
func procStart(pid int) string {
	st, ok := readProcStat(pid)
	if !ok || !st.running {
		return ""
	}
	return st.start
}
