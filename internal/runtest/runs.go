package runtest

import (
	"path/filepath"
	"testing"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// OneRun returns the run directory matching pattern ("offline-run-*" for
// offline runs, "run-*" for online ones) under dir/wandb, where a test's
// program logged with WANDB_DIR=dir, and fails t unless there is exactly
// one.
func OneRun(t testing.TB, dir, pattern string) string {
	t.Helper()
	runs, _ := filepath.Glob(filepath.Join(dir, "wandb", pattern))
	if len(runs) != 1 {
		t.Fatalf("want one %s run dir under %s, found %v", pattern, dir, runs)
	}
	return runs[0]
}

// ReadOneRun reads the run that OneRun finds.
func ReadOneRun(t testing.TB, dir, pattern string) *wandbfile.RunData {
	t.Helper()
	rd, err := wandbfile.ReadRunDir(OneRun(t, dir, pattern))
	if err != nil {
		t.Fatalf("reading the run: %v", err)
	}
	return rd
}
