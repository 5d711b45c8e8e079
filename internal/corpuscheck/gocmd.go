package corpuscheck

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// goCmd runs the go command in dir, with no GOFLAGS and no workspace of
// the developer's, and fails the test on error.
func goCmd(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
}
