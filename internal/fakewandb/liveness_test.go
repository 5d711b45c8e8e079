package fakewandb_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/internal/fakewandb"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/online"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

const liveRows = 20

// TestSyncSkipsLiveRunThenSyncsItKilled runs a child program that writes
// an offline run and keeps it open. While it lives, Sync must skip the
// run and send nothing, though its log has no exit record; once it is
// killed (its lock left behind, naming a dead process), Sync uploads it
// as crashed.
func TestSyncSkipsLiveRunThenSyncsItKilled(t *testing.T) {
	if os.Getenv("WBI_LIVE_CHILD") != "" {
		t.Skip("child mode runs through TestLiveChild")
	}
	env(t)
	srv := fakewandb.New(key)
	defer srv.Close()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLiveChild$")
	cmd.Env = append(os.Environ(), "WBI_LIVE_CHILD="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe() // the child lives until this closes
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stdout)
	var runDir string
	for lines.Scan() {
		if d := strings.TrimPrefix(lines.Text(), "run "); d != lines.Text() {
			runDir = d
			break
		}
	}
	if runDir == "" {
		t.Fatal("the child never reported its run directory")
	}
	// The rows reach the log within the writer's flush delay (~1 s).
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, err := wandbfile.ReadRunDir(runDir)
		if err == nil && len(d.History) == liveRows {
			if d.Exit != nil {
				t.Fatal("a live run has an exit record")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the child's %d rows did not reach the log: %v", liveRows, err)
		}
		time.Sleep(20 * time.Millisecond)
	}

	opts := online.SyncOptions{APIKey: key, BaseURL: srv.URL(), RetryBase: time.Millisecond, RetryMax: 10 * time.Millisecond}
	res, err := online.Sync(context.Background(), runDir, opts)
	if err != nil {
		t.Fatalf("Sync of a live run: %v", err)
	}
	if !res.Skipped || !strings.Contains(res.Live, fmt.Sprintf("process %d ", cmd.Process.Pid)) {
		t.Fatalf("Sync of a live run: %+v; want skipped, naming process %d", res, cmd.Process.Pid)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("Sync of a live run sent %d requests", n)
	}
	if m, _ := filepath.Glob(filepath.Join(runDir, "*.synced")); len(m) > 0 {
		t.Errorf("a skipped live run was marked synced: %v", m)
	}

	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	locks, _ := filepath.Glob(filepath.Join(runDir, "run-*.wandb.lock"))
	if len(locks) != 1 {
		t.Fatalf("a killed program left locks %v, want its one lock", locks)
	}
	res, err = online.Sync(context.Background(), runDir, opts)
	if err != nil {
		t.Fatalf("Sync of the killed run: %v", err)
	}
	if res.Skipped || res.Live != "" || !res.Crashed || res.Rows != liveRows || !res.MarkerWritten {
		t.Fatalf("Sync of the killed run: %+v; want %d rows uploaded as crashed", res, liveRows)
	}
	checkRun(t, srv, fakewandb.DefaultEntity, "proj", res.RunID, liveRows, 1)
}

// TestLiveChild is the child of TestSyncSkipsLiveRunThenSyncsItKilled: it
// logs rows and waits, its run open, until stdin closes or it is killed.
func TestLiveChild(t *testing.T) {
	dir := os.Getenv("WBI_LIVE_CHILD")
	if dir == "" {
		t.Skip("only runs as a child process")
	}
	r, err := wandb.Init(wandb.Options{Project: "proj", Mode: "offline", Dir: dir, Silent: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < liveRows; i++ {
		for !r.Log(map[string]interface{}{"i": i, "usage/total_tokens": i}) {
			time.Sleep(time.Millisecond)
		}
	}
	fmt.Printf("run %s\n", r.Dir())
	io.Copy(io.Discard, os.Stdin)
	r.Finish()
}

// TestOnlineCatchesUpBeforeFinish overflows a tiny inbox while the server
// is down; once it is back, the sender must read the records it did not
// keep from the run log while the program still runs, so every row is on
// the server before Finish, exactly once and in order.
func TestOnlineCatchesUpBeforeFinish(t *testing.T) {
	const n = 400
	srv, r := overflowWhileDown(t, n)
	deadline := time.Now().Add(15 * time.Second)
	for {
		if run, ok := srv.Run(fakewandb.DefaultEntity, "proj", r.ID()); ok {
			if rows, err := run.History(); err == nil && len(rows) == n {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not get all %d rows before Finish", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// More rows after the catch-up go through the inbox again.
	for i := n; i < n+50; i++ {
		for !r.Log(map[string]interface{}{"i": i, "usage/total_tokens": 2 * i}) {
			time.Sleep(time.Millisecond)
		}
	}
	if err := r.Finish(); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	run := checkRun(t, srv, fakewandb.DefaultEntity, "proj", r.ID(), n+50, 0)
	if run.Resent != 0 {
		t.Errorf("%d lines sent twice", run.Resent)
	}
}
