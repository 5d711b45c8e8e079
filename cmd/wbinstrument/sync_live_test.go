package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// TestSyncSkipsLiveRunUnlessForced leaves a run open in this process:
// sync must skip it with a message naming the process and -force, upload
// nothing, and with -force upload it as crashed.
func TestSyncSkipsLiveRunUnlessForced(t *testing.T) {
	srv := syncServer(t)
	r, err := wandb.Init(wandb.Options{Project: "synced", Mode: "offline", Dir: t.TempDir(), Silent: true, FinishTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Finish()
	const n = 5
	for i := 0; i < n; i++ {
		r.Log(map[string]interface{}{"i": i})
	}
	// Wait for the rows to reach the log, so -force has them to upload.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if d, err := wandbfile.ReadRunDir(r.Dir()); err == nil && len(d.History) == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("rows never reached the log")
		}
	}

	code, out, errs := runCLI("sync", filepath.Dir(r.Dir()))
	want := fmt.Sprintf("still being written by process %d ", os.Getpid())
	if code != 0 || !strings.Contains(out, "skipped") || !strings.Contains(out, want) || !strings.Contains(out, "-force") {
		t.Fatalf("sync of a live run: exit %d, want 0 and a skip naming %q and -force\n%s%s", code, want, out, errs)
	}
	if runs := srv.Runs(); len(runs) != 0 {
		t.Fatalf("sync of a live run uploaded %+v", runs)
	}

	code, out, errs = runCLI("sync", "-force", r.Dir())
	if code != 0 || !strings.Contains(out, "crashed") {
		t.Fatalf("sync -force of a live run: exit %d\n%s%s", code, out, errs)
	}
	serverRows(t, srv, "synced", r.ID(), n, 1)
}
