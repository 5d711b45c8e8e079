package rewriter

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/wbinstrument/wbinstrument/internal/testtree"
)

var update = flag.Bool("update", false, "rewrite the golden files under ../golden")

// placeholder stands for the wbinstrument checkout in testdata and golden
// files, whose absolute path differs between machines.
const placeholder = "$WBI"

// replaceRoot is the checkout given as -replace in tests: the repository,
// or WBI_TEST_REPLACE (a checkout with another runtime) when set.
func replaceRoot(t testing.TB) string {
	if r := os.Getenv("WBI_TEST_REPLACE"); r != "" {
		return r
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// copyTree copies src to dst, substituting the placeholder.
func copyTree(t testing.TB, src, dst, root string) {
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		data = bytes.ReplaceAll(data, []byte(placeholder), []byte(root))
		return os.WriteFile(target, data, fi.Mode().Perm()|0o200)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// readTree returns every file below dir (relative slash paths), with the
// checkout path turned back into the placeholder; the vendored runtime is
// left out (it is the runtime's source, checked separately).
func readTree(t testing.TB, dir, root string) map[string]string {
	t.Helper()
	out := testtree.Read(t, dir)
	for rel, data := range out {
		if strings.HasPrefix(rel, "vendor/github.com/wbinstrument/") {
			delete(out, rel)
			continue
		}
		out[rel] = strings.ReplaceAll(data, root, placeholder)
	}
	return out
}

func siteLines(dir string, rep *Report) string {
	var b strings.Builder
	for _, s := range rep.Sites {
		rel, _ := filepath.Rel(dir, s.File)
		fmt.Fprintf(&b, "%s:%d:%d %s %s [%s] %s", filepath.ToSlash(rel), s.Line, s.Column, s.Func, s.Target, s.Kind, s.Action)
		if s.Reason != "" {
			fmt.Fprintf(&b, " (%s)", s.Reason)
		}
		b.WriteString("\n")
	}
	for _, w := range rep.Warnings {
		b.WriteString("warning: " + strings.ReplaceAll(w, dir+string(filepath.Separator), "") + "\n")
	}
	return b.String()
}

// goCmd runs the go command in dir with GOFLAGS and GOWORK cleared, so
// that the developer's settings do not reach the module under test.
func goCmd(t testing.TB, dir string, args ...string) {
	t.Helper()
	runGo(t, dir, []string{"GOFLAGS=", "GOWORK="}, args...)
}

// runGo runs the go command in dir with env added to this process's
// environment, and fails the test with its output on error.
func runGo(t testing.TB, dir string, env []string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
}

// moduleDirs lists the directories holding a go.mod below dir.
func moduleDirs(dir string) []string {
	var dirs []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.IsDir() && p != dir && skipDir(fi.Name()) {
			return filepath.SkipDir
		}
		if err == nil && !fi.IsDir() && fi.Name() == "go.mod" {
			dirs = append(dirs, filepath.Dir(p))
		}
		return nil
	})
	return dirs
}

// runtimePresent reports whether the runtime package the glue imports
// exists in the checkout used for -replace.
func runtimePresent(root string) bool {
	m, _ := filepath.Glob(filepath.Join(root, "runtime", "wbopenai", "*.go"))
	return len(m) > 0
}

// caseOptions are per-case rewrite options beyond the defaults.
var caseOptions = map[string]func(*Options){}

// thirdPartyVendor reports vendored files of other modules: the rewrite
// must leave them as they are (checked against the input), so the golden
// tree does not repeat them.
func thirdPartyVendor(rel string) bool {
	return strings.HasPrefix(rel, "vendor/") && rel != "vendor/modules.txt" &&
		!strings.HasPrefix(rel, "vendor/"+RuntimeModule+"/")
}

// checkVendoredRuntime checks that every vendored copy of the runtime
// below dir is the runtime's source: its non-test .go files (no go.mod,
// which `go mod vendor` leaves out of dependencies for a go line of 1.17
// or later).
func checkVendoredRuntime(t *testing.T, dir, root string) {
	t.Helper()
	for _, m := range moduleDirs(dir) {
		if !fileExists(filepath.Join(m, "vendor", "modules.txt")) {
			continue
		}
		// What `go mod vendor` would copy: every non-test .go file of the
		// runtime's packages that the glue's import needs, as the go
		// command lists them (a package only tests import stays out).
		want := map[string]string{}
		src := filepath.Join(root, "runtime")
		for _, dir := range runtimeDeps(t, src) {
			ents, _ := os.ReadDir(dir)
			for _, e := range ents {
				if n := e.Name(); !e.IsDir() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
					data, _ := os.ReadFile(filepath.Join(dir, n))
					rel, _ := filepath.Rel(src, filepath.Join(dir, n))
					want[filepath.ToSlash(rel)] = string(data)
				}
			}
		}
		got := map[string]string{}
		vdir := vendorDir(m)
		filepath.Walk(vdir, func(p string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				data, _ := os.ReadFile(p)
				rel, _ := filepath.Rel(vdir, p)
				got[filepath.ToSlash(rel)] = string(data)
			}
			return nil
		})
		if len(want) == 0 {
			t.Fatalf("no runtime sources under %s", src)
		}
		compareTrees(t, want, got)
	}
}

// runtimeDeps lists the directories of runtimePkg and of the packages of
// the runtime module it imports, by `go list -deps` in the runtime
// module at src.
func runtimeDeps(t *testing.T, src string) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-f", "{{if .Module}}{{if eq .Module.Path \""+RuntimeModule+"\"}}{{.Dir}}{{end}}{{end}}", runtimePkg)
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", runtimePkg, err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// gofmtCleanFiles lists the .go files below dir (relative paths) that
// gofmt would leave unchanged.
func gofmtCleanFiles(tree map[string]string) map[string]bool {
	clean := map[string]bool{}
	for rel, data := range tree {
		if strings.HasSuffix(rel, ".go") && !thirdPartyVendor(rel) && gofmtClean([]byte(data)) {
			clean[rel] = true
		}
	}
	return clean
}

func TestGolden(t *testing.T) {
	root := replaceRoot(t)
	cases, err := os.ReadDir("../testdata/rewrite")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		name := c.Name()
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in := filepath.Join("../testdata/rewrite", name)
			if c := caseComment(in); !strings.HasPrefix(c, "// ") || strings.HasPrefix(c, "// Code generated") {
				t.Errorf("%s: the case's main.go (or go.mod, go.work) must start with a one-line comment saying what it tests; it starts with %q", in, c)
			}
			dir := t.TempDir()
			copyTree(t, in, dir, root)
			before := readTree(t, dir, root)
			opts := Options{Dir: dir, Replace: root, SkipGenerated: true}
			if f := caseOptions[name]; f != nil {
				f(&opts)
			}
			rep, err := Rewrite(context.Background(), opts)
			if err != nil {
				t.Fatalf("rewrite: %v", err)
			}
			got := readTree(t, dir, root)
			// gofmt-clean input stays gofmt-clean, and our glue is clean.
			wasClean := gofmtCleanFiles(before)
			isClean := gofmtCleanFiles(got)
			warned := strings.Join(rep.Warnings, "\n")
			for rel := range got {
				if (wasClean[rel] || filepath.Base(rel) == GlueFile) && !isClean[rel] &&
					!strings.Contains(warned, filepath.Join(dir, filepath.FromSlash(rel))+":") {
					t.Errorf("%s: rewritten file is not gofmt-clean, and no warning says so", rel)
				}
			}
			for rel, data := range got {
				if thirdPartyVendor(rel) {
					if before[rel] != data {
						t.Errorf("%s: vendored file of another module changed", rel)
					}
					delete(got, rel)
				}
			}
			checkVendoredRuntime(t, dir, root)
			// golden/rewrite/<case> holds the files the rewrite changed or
			// added, and its report: any other file must be as it was.
			changed := changedFiles(before, got)
			changed["wbinstrument.report"] = siteLines(dir, rep)
			goldenDir := filepath.Join("../golden/rewrite", name)
			if *update {
				writeGolden(t, goldenDir, changed)
			}
			compareTrees(t, readTree(t, goldenDir, root), changed)

			// A second run changes nothing.
			rep2, err := Rewrite(context.Background(), opts)
			if err != nil {
				t.Fatalf("second rewrite: %v", err)
			}
			for _, f := range rep2.Files {
				t.Errorf("second rewrite changed %s", f.Path)
			}

			if !runtimePresent(root) {
				t.Logf("!!! SKIPPING the build of the golden output: %s/runtime/wbopenai has no Go files yet !!!", root)
			} else {
				for _, m := range moduleDirs(dir) {
					// A vendored module must build from vendor/ alone.
					mod := "-mod=readonly"
					if fileExists(filepath.Join(m, "vendor", "modules.txt")) {
						mod = "-mod=vendor"
					}
					goCmd(t, m, "build", mod, "-o", os.DevNull, "./...")
					goCmd(t, m, "vet", mod, "./...")
				}
			}

			if _, err := Revert(context.Background(), Options{Dir: dir}); err != nil {
				t.Fatalf("revert: %v", err)
			}
			reverted := readTree(t, dir, root)
			if _, instrumented := before[GlueFile]; !instrumented {
				compareTrees(t, before, reverted)
				return
			}
			// The input was instrumented already: revert must give the
			// code without instrumentation; golden/revert/<case> holds the
			// files revert changed, and the list of those it removed.
			revertChanged := changedFiles(before, reverted)
			revertDir := filepath.Join("../golden/revert", name)
			if *update {
				writeGolden(t, revertDir, revertChanged)
			}
			compareTrees(t, readTree(t, revertDir, root), revertChanged)
			if strings.Contains(strings.Join(mapValues(reverted), ""), "wbi") {
				t.Errorf("revert left wbi forms behind")
			}
		})
	}
}

// removedList names, in the golden files of a case, the files the step
// removed, one a line.
const removedList = "wbinstrument.removed"

// changedFiles returns the files of after that differ from before or are
// new, and, under removedList, the files before had and after has not.
func changedFiles(before, after map[string]string) map[string]string {
	out := map[string]string{}
	for rel, data := range after {
		if old, ok := before[rel]; !ok || old != data {
			out[rel] = data
		}
	}
	var removed []string
	for rel := range before {
		// Vendored modules of others are checked apart and left out.
		if _, ok := after[rel]; !ok && !thirdPartyVendor(rel) {
			removed = append(removed, rel)
		}
	}
	if len(removed) > 0 {
		sort.Strings(removed)
		out[removedList] = strings.Join(removed, "\n") + "\n"
	}
	return out
}

// writeGolden replaces the golden directory with files (for -update).
func writeGolden(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	for rel, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// caseComment is the one-line comment that starts every case: the first
// line of its main.go, or else of its go.mod or go.work, which says what
// the case tests.
func caseComment(dir string) string {
	for _, name := range []string{"main.go", "go.mod", "go.work"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err == nil {
			line, _, _ := strings.Cut(string(data), "\n")
			return line
		}
	}
	return ""
}

func mapValues(m map[string]string) []string {
	var v []string
	for _, s := range m {
		v = append(v, s)
	}
	return v
}

// compareTrees reports each file of want missing from got, each file got
// has in addition, and each that differs, with its unified diff.
func compareTrees(t *testing.T, want, got map[string]string) {
	t.Helper()
	testtree.Compare(t, want, got, unifiedDiff)
}
