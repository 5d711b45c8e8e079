package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoGenerate is the go:generate use end to end: the CLI binary on
// PATH, a //go:generate line in a package two directories below go.mod,
// and `go generate ./...` run from the module root. The go command runs
// the tool with the package directory as working directory, so "." must
// mean that directory's tree (the llm package beside it is left alone)
// while the go.mod found above it gets the runtime lines.
func TestGoGenerate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI and a module")
	}
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "wbinstrument"), ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the CLI: %v\n%s", err, out)
	}
	dir := copyCase(t, "structfield")
	app := filepath.Join(dir, "cmd", "app", "main.go")
	src, err := os.ReadFile(app)
	if err != nil {
		t.Fatal(err)
	}
	directive := "//go:generate wbinstrument rewrite -replace " + repoRoot(t) + " .\n"
	src = []byte(strings.Replace(string(src), "package main\n", directive+"\npackage main\n", 1))
	if err := os.WriteFile(app, src, 0o644); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	env := append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "GOFLAGS=", "GOWORK=off")
	goIn := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}

	out := goIn("generate", "./...")
	if !strings.Contains(out, "2 sites in 1 file") {
		t.Errorf("go generate output %q: want the summary of the cmd/app tree only", out)
	}
	after := snapshot(t, dir)
	rewritten := after[app]
	if !strings.Contains(rewritten, "openai.NewClientWithConfig(wbiConfig(openai.DefaultConfig(\"key\")))") {
		t.Errorf("cmd/app/main.go not instrumented:\n%s", rewritten)
	}
	if _, ok := after[filepath.Join(dir, "cmd", "app", "wbinstrument_gen.go")]; !ok {
		t.Errorf("no glue file in cmd/app")
	}
	if llm := filepath.Join(dir, "llm", "llm.go"); after[llm] != before[llm] {
		t.Errorf("llm/llm.go is outside the generate directory but was changed")
	}
	if _, ok := after[filepath.Join(dir, "llm", "wbinstrument_gen.go")]; ok {
		t.Errorf("glue file written in llm, outside the generate directory")
	}
	if gm := after[filepath.Join(dir, "go.mod")]; !strings.Contains(gm, "replace github.com/wbinstrument/wbinstrument/runtime => "+filepath.Join(repoRoot(t), "runtime")) {
		t.Errorf("go.mod above the package has no runtime replace:\n%s", gm)
	}
	goIn("build", "-o", os.DevNull, "./...")

	// A second go generate changes nothing.
	goIn("generate", "./...")
	sameTree(t, after, snapshot(t, dir))

	cmd := exec.Command(filepath.Join(bin, "wbinstrument"), "revert", ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("revert: %v\n%s", err, out)
	}
	sameTree(t, before, snapshot(t, dir))
}
