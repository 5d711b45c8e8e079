package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wbinstrument/wbinstrument/internal/testtree"
)

// repoRoot is the checkout passed as -replace.
func repoRoot(t *testing.T) string {
	r, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// copyCase copies a rewrite test case into a temp dir.
func copyCase(t *testing.T, name string) string {
	t.Helper()
	dst := t.TempDir()
	testtree.Copy(t, filepath.Join(repoRoot(t), "testdata", "rewrite", name), dst)
	return dst
}

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			data, _ := os.ReadFile(p)
			m[p] = string(data)
		}
		return nil
	})
	return m
}

func sameTree(t *testing.T, want, got map[string]string) {
	t.Helper()
	if len(want) != len(got) {
		t.Errorf("tree has %d files, want %d", len(got), len(want))
	}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("%s changed", p)
		}
	}
}

func cli(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestRewriteListDiffApplyRevert(t *testing.T) {
	dir := copyCase(t, "direct")
	orig := snapshot(t, dir)
	replace := "-replace=" + repoRoot(t)

	code, out, stderr := cli("rewrite", "-l", replace, dir)
	if code != 1 || !strings.Contains(out, filepath.Join(dir, "main.go")) || !strings.Contains(out, "wbinstrument_gen.go") {
		t.Fatalf("rewrite -l: exit %d, out %q, stderr %q", code, out, stderr)
	}
	sameTree(t, orig, snapshot(t, dir))

	code, out, _ = cli("rewrite", "-d", replace, dir)
	if code != 1 || !strings.Contains(out, "+\tdefer wbiFinish()") || !strings.Contains(out, `wbiCall1(c.CreateChatCompletion, "main.go:21 main.run")`) {
		t.Fatalf("rewrite -d: exit %d, out:\n%s", code, out)
	}
	sameTree(t, orig, snapshot(t, dir))

	code, out, stderr = cli("rewrite", replace, dir)
	if code != 0 || !regexp.MustCompile(`^6 sites in 1 file \(6 rewritten\); 3 files changed\n$`).MatchString(out) {
		t.Fatalf("rewrite: exit %d, out %q, stderr %q", code, out, stderr)
	}
	if !strings.Contains(stderr, "os.Exit in main") {
		t.Errorf("no os.Exit warning on stderr: %q", stderr)
	}

	code, out, _ = cli("rewrite", "-l", replace, dir)
	if code != 0 || out != "" {
		t.Fatalf("rewrite -l after rewrite: exit %d, out %q", code, out)
	}

	code, out, stderr = cli("revert", dir)
	if code != 0 {
		t.Fatalf("revert: exit %d, %s %s", code, out, stderr)
	}
	sameTree(t, orig, snapshot(t, dir))
}

func TestRewriteJSON(t *testing.T) {
	dir := copyCase(t, "ignore")
	code, out, stderr := cli("rewrite", "-json", "-l", "-replace="+repoRoot(t), dir)
	if code != 1 {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	// With -json, stdout is the JSON document alone.
	var rep struct {
		Files []struct {
			Path string `json:"path"`
		} `json:"changed_files"`
		Sites []struct {
			File   string `json:"file"`
			Line   int    `json:"line"`
			Column int    `json:"column"`
			Target string `json:"target"`
			Action string `json:"action"`
		} `json:"sites"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON (%v): %s", err, out)
	}
	if len(rep.Files) != 3 || !strings.HasSuffix(rep.Files[0].Path, "go.mod") {
		t.Errorf("changed_files = %+v, want go.mod, main.go and the glue file", rep.Files)
	}
	actions := map[string]int{}
	for _, s := range rep.Sites {
		if s.File == "" || s.Line == 0 || s.Column == 0 || s.Target == "" {
			t.Errorf("incomplete site %+v", s)
		}
		actions[s.Action]++
	}
	if actions["rewritten"] != 2 || actions["skipped by directive"] != 5 {
		t.Errorf("actions = %v, want 2 rewritten and 5 skipped by directive", actions)
	}
}

func TestRewriteErrors(t *testing.T) {
	replace := "-replace=" + repoRoot(t)
	if code, _, stderr := cli("rewrite", replace, filepath.Join(t.TempDir(), "nope")); code != 1 || !strings.Contains(stderr, "no such directory") {
		t.Errorf("missing dir: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := cli("rewrite", replace, t.TempDir()); code != 1 || !strings.Contains(stderr, "not a Go module") {
		t.Errorf("not a module: exit %d, stderr %q", code, stderr)
	}

	dir := copyCase(t, "mixed")
	os.WriteFile(filepath.Join(dir, "broken.go"), []byte("package main\n\nfunc broken() {\n\tx := \n}\n"), 0o644)
	before := snapshot(t, dir)
	code, _, stderr := cli("rewrite", replace, dir)
	if code != 1 || !regexp.MustCompile(`broken\.go:\d+:\d+`).MatchString(stderr) {
		t.Errorf("syntax error: exit %d, stderr %q", code, stderr)
	}
	sameTree(t, before, snapshot(t, dir))

	dir = copyCase(t, "direct")
	main := filepath.Join(dir, "main.go")
	if err := os.Chmod(main, 0o444); err != nil {
		t.Fatal(err)
	}
	before = snapshot(t, dir)
	code, _, stderr = cli("rewrite", replace, dir)
	if code != 1 || !strings.Contains(stderr, "main.go: file is read-only") {
		t.Errorf("read-only: exit %d, stderr %q", code, stderr)
	}
	sameTree(t, before, snapshot(t, dir))
}

func TestRewriteHelp(t *testing.T) {
	for _, c := range []string{"rewrite", "revert"} {
		code, out, _ := cli(c, "-h")
		if code != 0 || !strings.Contains(out, "usage: wbinstrument "+c) || !strings.Contains(out, "Examples:") {
			t.Errorf("%s -h: exit %d, out %q", c, code, out)
		}
	}
	if code, _, _ := cli("rewrite", "-nosuchflag"); code != 2 {
		t.Errorf("bad flag: exit %d, want 2", code)
	}
}

// TestRewriteDefaultReplace: a development build, given no -replace, points
// the rewritten module at the runtime of the checkout it was built from, so
// that the program builds; it says so on stderr.
func TestRewriteDefaultReplace(t *testing.T) {
	dir := copyCase(t, "direct")
	root := repoRoot(t)
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	code, _, errs := cli("rewrite", ".")
	if code != 0 {
		t.Fatalf("rewrite: exit %d\n%s", code, errs)
	}
	if !strings.Contains(errs, "using the runtime of the wbinstrument checkout at "+root) {
		t.Errorf("stderr does not say which runtime is used:\n%s", errs)
	}
	mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "replace github.com/wbinstrument/wbinstrument/runtime => " + filepath.Join(root, "runtime"); !strings.Contains(string(mod), want) {
		t.Errorf("go.mod lacks %q:\n%s", want, mod)
	}
}

// TestRewriteLoadErrorsCapped: a syntax error shows the syntax errors
// alone, ten per package in line order, then how many more there are; the
// type errors that follow from it, in the package and in the packages
// that import it, are left out.
func TestRewriteLoadErrorsCapped(t *testing.T) {
	dir := copyCase(t, "mixed")
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// lib.go: an unclosed "var x = (" turns each of the 40 functions after
	// it into a syntax error, and every use of them into a type error.
	var lib, use, user strings.Builder
	lib.WriteString("package lib\n\nvar x = (\n")
	use.WriteString("package lib\n\nfunc Sum() int {\n")
	user.WriteString("package main\n\nimport \"example.com/mixed/lib\"\n\nfunc useLib() {\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&lib, "func F%d() int { return %d }\n", i, i)
		fmt.Fprintf(&use, "\t_ = F%d()\n", i)
		fmt.Fprintf(&user, "\t_ = lib.F%d()\n", i)
	}
	use.WriteString("\treturn 0\n}\n")
	user.WriteString("}\n")
	write("lib/lib.go", lib.String())
	write("lib/use.go", use.String())
	write("uselib.go", user.String())
	// other/other.go: type errors alone, in a package of its own.
	var other strings.Builder
	other.WriteString("package other\n\nfunc f() {\n")
	for i := 1; i <= 13; i++ {
		fmt.Fprintf(&other, "\t_ = undefined%d\n", i)
	}
	other.WriteString("}\n")
	write("other/other.go", other.String())
	before := snapshot(t, dir)

	code, out, errs := cli("rewrite", "-q", "-replace="+repoRoot(t), dir)
	if code != 1 || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	sameTree(t, before, snapshot(t, dir))
	var want []string
	want = append(want,
		"wbinstrument rewrite: packages do not load or type-check, nothing changed:",
		"# example.com/mixed/lib")
	for i := 1; i <= 10; i++ {
		want = append(want, fmt.Sprintf("\t%s:%d:6: expected '(', found F%d", filepath.Join(dir, "lib", "lib.go"), i+3, i))
	}
	want = append(want, "\ttoo many errors: and 30 more", "# example.com/mixed/other")
	for i := 1; i <= 10; i++ {
		want = append(want, fmt.Sprintf("\t%s:%d:6: undefined: undefined%d", filepath.Join(dir, "other", "other.go"), i+3, i))
	}
	want = append(want, "\ttoo many errors: and 3 more", "")
	if got := errs; got != strings.Join(want, "\n") {
		t.Errorf("stderr:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}

	// One syntax error: that error alone, not the type error it causes
	// (x declared and not used) nor the parser's follow-up complaints.
	dir = copyCase(t, "mixed")
	write("broken.go", "package main\n\nfunc broken() {\n\tx := \n}\n")
	code, _, errs = cli("rewrite", "-q", "-replace="+repoRoot(t), dir)
	re := regexp.MustCompile(`^wbinstrument rewrite: packages do not load or type-check, nothing changed:\n# example.com/mixed\n\t.*broken\.go:5:1: [^\n]*\n$`)
	if code != 1 || !re.MatchString(errs) {
		t.Errorf("one syntax error: exit %d, stderr:\n%s", code, errs)
	}
	// An import no module provides: go list reports it relative to where
	// it ran; the error names the file by its full path all the same.
	dir = copyCase(t, "mixed")
	write("missing.go", "package main\n\nimport _ \"example.com/nowhere/pkg\"\n")
	code, _, errs = cli("rewrite", "-q", "-replace="+repoRoot(t), dir)
	if want := "\t" + filepath.Join(dir, "missing.go") + ":3:8: "; code != 1 || !strings.Contains(errs, want) {
		t.Errorf("missing import: exit %d, stderr:\n%s\nwant a line starting %q", code, errs, want)
	}
}
