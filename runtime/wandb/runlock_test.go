package wandb

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/internal/runlock"
)

// TestRunLockLivesUntilFinish checks that a run holds its lock while it
// is open (sync sees this process writing it) and removes it at Finish.
func TestRunLockLivesUntilFinish(t *testing.T) {
	r := mustInit(t, Options{Dir: t.TempDir()}, testHooks(io.Discard))
	log := filepath.Join(r.Dir(), "run-"+r.ID()+".wandb")
	if owner := runlock.Owner(log); !strings.Contains(owner, "(this process)") {
		t.Errorf("lock owner of an open run = %q, want this process", owner)
	}
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(log + runlock.Suffix); !os.IsNotExist(err) {
		t.Errorf("lock still there after Finish: %v", err)
	}
	if owner := runlock.Owner(log); owner != "" {
		t.Errorf("lock owner of a finished run = %q", owner)
	}
}
