package reliability

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/wbinstrument/wbinstrument/internal/fakeopenai"
)

// TestFaultPanic makes the instrumented main panic after its calls. The
// program must crash as it would have (exit status 2, the panic's message
// and the line it came from), with every call logged and the run finished
// with exit code 2, so that W&B shows it crashed.
func TestFaultPanic(t *testing.T) {
	fake := fakeopenai.New()
	defer fake.Close()
	dir := t.TempDir()
	cmd := programCmd(t, fake, "sk-panic-test-key-0000", "WANDB_MODE=offline", "WANDB_DIR="+dir,
		"FAULT_CALLS=3", "FAULT_PANIC=fault: boom")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("the program ended with %v, want exit status 2 of a panic\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	line := 1 + strings.Count(programSource[:strings.Index(programSource, "panic(msg)")], "\n")
	msg := stderr.String()
	if i := strings.Index(msg, "panic: "); i < 0 {
		t.Fatalf("no panic on stderr:\n%s", msg)
	} else {
		msg = msg[i:]
	}
	if !strings.HasPrefix(msg, "panic: fault: boom\n\ngoroutine 1 [running]:\nmain.main()\n") ||
		!strings.Contains(msg, fmt.Sprintf("/main.go:%d +0x", line)) {
		t.Errorf("the panic is not reported as without instrumentation (main.main at main.go:%d):\n%s", line, msg)
	}
	rd := readRun(t, onlyRunDir(t, dir))
	if rd.Exit == nil || rd.Exit.ExitCode != 2 {
		t.Errorf("exit record %+v, want exit code 2", rd.Exit)
	}
	if n := len(callRows(rd.History)); n != 3 {
		t.Errorf("%d calls logged, want 3", n)
	}
}
