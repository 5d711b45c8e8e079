package reliability

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/wbinstrument/wbinstrument/internal/fakeopenai"
)

// mountTmpfs mounts a tmpfs of the given size (with extra options) on a
// fresh directory, or skips the test loudly when this process may not.
func mountTmpfs(t *testing.T, opts string) string {
	t.Helper()
	dir := t.TempDir()
	if os.Geteuid() != 0 {
		t.Skipf("SKIPPED LOUDLY: mounting a tmpfs needs root (euid %d); this fault is not tested here", os.Geteuid())
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", opts, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("SKIPPED LOUDLY: mount -t tmpfs -o %s failed (%v: %s); this fault is not tested here", opts, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// runProgram runs the test program with n calls and WANDB_DIR=wandbDir.
func runProgram(t *testing.T, n string, extra ...string) (code int, stdout, stderr string) {
	t.Helper()
	fake := fakeopenai.New()
	defer fake.Close()
	cmd := programCmd(t, fake, "sk-disk-test-key-0000", append([]string{"WANDB_MODE=offline",
		"FAULT_CALLS=" + n, "FAULT_DELAY=1ms", "FAULT_PROMPT=" + strings.Repeat("fill the disk ", 200)}, extra...)...)
	var o, e strings.Builder
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, o.String(), e.String()
}

// warnings returns the lines of stderr that warn about logging.
func warnings(stderr string) []string {
	var w []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(strings.ToLower(l), "warning") || strings.HasPrefix(l, "wbinstrument:") {
			w = append(w, l)
		}
	}
	return w
}

// TestFaultUnwritableWandbDir runs the instrumented program with WANDB_DIR
// on a read-only file system and on a full one: it must answer every call
// as it would without us, exit 0, and say so in exactly one warning line.
func TestFaultUnwritableWandbDir(t *testing.T) {
	const n = 200
	var summary []string
	for _, tc := range []struct{ name, opts string }{
		{"read-only", "ro,size=1m"},
		{"disk-full", "size=64k"},
	} {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			dir := mountTmpfs(t, tc.opts)
			code, out, errOut := runProgram(t, "200", "WANDB_DIR="+dir)
			ok := strings.Count(out, "\nok ") + map[bool]int{true: 1}[strings.HasPrefix(out, "ok ")]
			if code != 0 || ok != n || !strings.Contains(out, "done 200") {
				t.Errorf("the program did not carry on: exit %d, %d of %d calls answered\nstdout tail: %.300s\nstderr: %s", code, ok, n, tail(out, 300), errOut)
			}
			w := warnings(errOut)
			if len(w) != 1 {
				t.Errorf("want exactly one warning line, got %d:\n%s", len(w), strings.Join(w, "\n"))
			}
			line := tc.name + ": exit " + itoa(code) + ", " + itoa(ok) + "/" + itoa(n) + " calls answered, " + itoa(len(w)) + " warning line(s)"
			if len(w) > 0 {
				line += ": " + w[0]
			}
			t.Log(line)
			summary = append(summary, line)
		})
	}
	t.Logf("SUMMARY unwritable WANDB_DIR: %d cases\n%s", len(summary), strings.Join(summary, "\n"))
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
