package wandb

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// TestKilledProgramLeavesReadableLog runs a child process that logs rows
// and is killed with SIGKILL mid-stream: the log it leaves must read to
// its last byte without error (records are handed to the OS whole), hold
// every row logged more than the flush delay before the kill, and have no
// exit record.
func TestKilledProgramLeavesReadableLog(t *testing.T) {
	if os.Getenv("WBI_WANDB_KILL_CHILD") != "" {
		t.Skip("child mode runs through TestKillChild")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.v")
	cmd.Env = append(os.Environ(), "WBI_WANDB_KILL_CHILD="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// The child prints "safe N" once row N-1 has been logged longer ago
	// than the flush delay, and keeps logging rows.
	safe := -1
	sc := bufio.NewScanner(stdout)
	deadline := time.Now().Add(20 * time.Second)
	for sc.Scan() && time.Now().Before(deadline) {
		var n int
		if _, err := fmt.Sscanf(sc.Text(), "safe %d", &n); err == nil {
			safe = n
			if n >= 300 {
				break
			}
		}
	}
	if safe < 0 {
		t.Fatal("child never reported progress")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	runs, _ := filepath.Glob(filepath.Join(dir, "wandb", "offline-run-*"))
	if len(runs) != 1 {
		t.Fatalf("run dirs %v", runs)
	}
	data, err := wandbfile.ReadRunDir(runs[0])
	var ce *wandbfile.CorruptError
	if errors.As(err, &ce) {
		t.Fatalf("killed program left a torn log: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(data.History) < safe {
		t.Fatalf("%d rows readable, want at least the %d flushed before the kill", len(data.History), safe)
	}
	if data.Exit != nil {
		t.Error("a killed run has an exit record")
	}
	for i, row := range data.History {
		if string(row["i"]) != fmt.Sprint(i) || !strings.HasPrefix(string(row["pad"]), `"xxx`) {
			t.Fatalf("row %d damaged: %v", i, row)
		}
	}
}

// TestKillChild is the child of TestKilledProgramLeavesReadableLog.
func TestKillChild(t *testing.T) {
	dir := os.Getenv("WBI_WANDB_KILL_CHILD")
	if dir == "" {
		t.Skip("only runs as a child process")
	}
	h := defaultHooks()
	h.stderr = io.Discard
	r, err := initRun(Options{Dir: dir}, h)
	if err != nil {
		t.Fatal(err)
	}
	pad := strings.Repeat("x", 700) // rows of ~1 KiB, several per block
	type logged struct {
		n  int
		at time.Time
	}
	var hist []logged
	for i := 0; ; i++ {
		r.Log(map[string]interface{}{"i": i, "pad": pad})
		hist = append(hist, logged{i + 1, time.Now()})
		// Rows logged before now-(drain+flush delay+margin) are on disk.
		cut := time.Now().Add(-(h.drainEvery + h.flushDelay + 200*time.Millisecond))
		safe := 0
		for _, l := range hist {
			if l.at.Before(cut) {
				safe = l.n
			}
		}
		fmt.Printf("safe %d\n", safe)
		time.Sleep(2 * time.Millisecond)
	}
}
