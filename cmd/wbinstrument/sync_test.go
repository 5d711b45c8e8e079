package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/internal/fakewandb"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

const syncKey = "sync-test-key-9a8b7c6d5e4f"

// syncEnv points sync at srv with short retries and clears settings a
// developer may have exported.
func syncEnv(t *testing.T, srv *fakewandb.Server, key string) {
	t.Helper()
	for _, k := range []string{"WANDB_ENTITY", "WANDB_PROJECT", "WANDB_MODE", "WANDB_DIR", "WANDB_RUN_ID", "WANDB_SILENT"} {
		t.Setenv(k, "")
	}
	t.Setenv("WANDB_API_KEY", key)
	t.Setenv("WANDB_BASE_URL", srv.URL())
	t.Setenv("WANDB_X_FILE_STREAM_RETRY_WAIT_MIN_SECONDS", "0.01")
	t.Setenv("WANDB_X_FILE_STREAM_RETRY_WAIT_MAX_SECONDS", "0.05")
}

// syncServer starts a fake W&B that accepts syncKey, closed when the test
// ends, and points sync at it.
func syncServer(t *testing.T) *fakewandb.Server {
	t.Helper()
	srv := fakewandb.New(syncKey)
	t.Cleanup(srv.Close)
	syncEnv(t, srv, syncKey)
	return srv
}

// offlineRun writes an offline run of n rows under dir/wandb and returns
// its run directory and id.
func offlineRun(t *testing.T, dir string, n int) (string, string) {
	t.Helper()
	r, err := wandb.Init(wandb.Options{Project: "synced", Mode: "offline", Dir: dir, Silent: true, FinishTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		for !r.Log(map[string]interface{}{"i": i, "usage/total_tokens": i}) {
			time.Sleep(time.Millisecond)
		}
	}
	r.UpdateSummary(map[string]interface{}{"rows": n})
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	return r.Dir(), r.ID()
}

func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// serverRows checks the server holds rows 0..n-1 of the run, in order.
func serverRows(t *testing.T, srv *fakewandb.Server, project, id string, n, exitCode int) fakewandb.Run {
	t.Helper()
	run, _ := srv.CheckRows(t, fakewandb.DefaultEntity, project, id, n, exitCode)
	return run
}

// noSecret fails if the test's key shows in texts or under dir.
func noSecret(t *testing.T, dir string, texts ...string) {
	t.Helper()
	fakewandb.NoKey(t, syncKey, dir, texts...)
}

func TestSyncDefaultDirOnceThenSkipThenForce(t *testing.T) {
	srv := syncServer(t)
	dir := t.TempDir()
	runDir, id := offlineRun(t, dir, 1500)
	t.Chdir(dir)

	code, out, errs := runCLI("sync")
	if code != 0 {
		t.Fatalf("sync exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	if !strings.Contains(out, "synced ") || !strings.Contains(out, "1500 rows") || !strings.Contains(out, "/runs/"+id) {
		t.Errorf("stdout does not report the upload:\n%s", out)
	}
	if !strings.Contains(errs, "1500/1500 rows") {
		t.Errorf("no progress for a 1500-row run:\n%s", errs)
	}
	serverRows(t, srv, "synced", id, 1500, 0)
	if _, err := os.Stat(filepath.Join(runDir, "run-"+id+".wandb.synced")); err != nil {
		t.Errorf("no .synced marker: %v", err)
	}

	before := len(srv.Requests())
	code, out, errs = runCLI("sync")
	if code != 0 || !strings.Contains(out, "skipped") {
		t.Errorf("second sync: exit %d\n%s%s", code, out, errs)
	}
	if n := len(srv.Requests()) - before; n != 0 {
		t.Errorf("second sync sent %d requests, want none", n)
	}

	code, out, errs = runCLI("sync", "-force", "-q", runDir)
	if code != 0 {
		t.Fatalf("sync -force: exit %d\n%s%s", code, out, errs)
	}
	if strings.Contains(errs, "rows\n") {
		t.Errorf("-q still printed progress:\n%s", errs)
	}
	run := serverRows(t, srv, "synced", id, 1500, 0)
	if run.Resent < 1500 {
		t.Errorf("re-upload resent %d lines onto the stored ones, want every one of the 1500 rows", run.Resent)
	}
	noSecret(t, dir, out, errs)
}

func TestSyncBadKey(t *testing.T) {
	srv := fakewandb.New("another-key-0000")
	defer srv.Close()
	syncEnv(t, srv, syncKey)
	dir := t.TempDir()
	offlineRun(t, dir, 5)
	offlineRun(t, dir, 5)
	code, out, errs := runCLI("sync", filepath.Join(dir, "wandb"))
	if code == 0 {
		t.Fatalf("sync with a bad key exited 0\n%s%s", out, errs)
	}
	for _, want := range []string{"401", "WANDB_API_KEY", "stopping", "1 run(s) not tried"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "wandb", "*", "*.synced")); len(m) != 0 {
		t.Errorf("markers written after a refused key: %v", m)
	}
	noSecret(t, dir, out, errs)
}

func TestSyncUnknownEntity(t *testing.T) {
	syncServer(t)
	dir := t.TempDir()
	runDir, _ := offlineRun(t, dir, 3)
	code, _, errs := runCLI("sync", "-entity", "nobody", runDir)
	if code == 0 || !strings.Contains(errs, "entity nobody not found") {
		t.Errorf("exit %d, stderr:\n%s\nwant non-zero and the server's message", code, errs)
	}
}

// cutRun writes an offline run of n rows (see offlineRun) and reads its
// log, for a test to find where to cut it with cutAt.
func cutRun(t *testing.T, n int) (runDir, id string, data *wandbfile.RunData) {
	t.Helper()
	runDir, id = offlineRun(t, t.TempDir(), n)
	data, err := wandbfile.ReadRunDir(runDir)
	if err != nil {
		t.Fatal(err)
	}
	return runDir, id, data
}

// cutAt truncates the run log of runDir at byte off.
func cutAt(t *testing.T, runDir, id string, off int64) {
	t.Helper()
	if err := os.Truncate(filepath.Join(runDir, "run-"+id+".wandb"), off); err != nil {
		t.Fatal(err)
	}
}

func TestSyncTornLog(t *testing.T) {
	srv := syncServer(t)
	runDir, id, data := cutRun(t, 20)
	// Tear the 16th history record: 15 rows stay readable.
	var off int64 = -1
	seen := 0
	for _, rec := range data.Records {
		if rec.History != nil {
			if seen == 15 {
				off = rec.Offset
				break
			}
			seen++
		}
	}
	cutAt(t, runDir, id, off+5)
	code, out, errs := runCLI("sync", runDir)
	if code == 0 {
		t.Fatalf("sync of a torn log exited 0\n%s%s", out, errs)
	}
	if !strings.Contains(errs, fmt.Sprintf("byte %d", off)) || !strings.Contains(errs, "15 rows") {
		t.Errorf("stderr does not give the offset %d and the rows uploaded:\n%s", off, errs)
	}
	serverRows(t, srv, "synced", id, 15, 1)
	if _, err := os.Stat(filepath.Join(runDir, "run-"+id+".wandb.synced")); err == nil {
		t.Error("a torn log was marked synced")
	}
}

func TestSyncCrashedRun(t *testing.T) {
	srv := syncServer(t)
	runDir, id, data := cutRun(t, 8)
	last := data.Records[len(data.Records)-1]
	if last.Exit == nil {
		t.Fatalf("last record is not the exit record: %+v", last)
	}
	cutAt(t, runDir, id, last.Offset) // a clean end without an exit record
	code, out, errs := runCLI("sync", filepath.Join(runDir, "run-"+id+".wandb"))
	if code != 0 || !strings.Contains(out, "crashed") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	serverRows(t, srv, "synced", id, 8, 1)
}

func TestSyncUsage(t *testing.T) {
	code, out, errs := runCLI("sync", "-h")
	if code != 0 || !strings.Contains(out, "Examples:") || !strings.Contains(out, "-force") || errs != "" {
		t.Errorf("sync -h: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	t.Setenv("WANDB_API_KEY", "")
	code, _, errs = runCLI("sync", t.TempDir())
	if code != 1 || !strings.Contains(errs, "WANDB_API_KEY") {
		t.Errorf("sync without a key: exit %d\n%s", code, errs)
	}
}
