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
	out := map[string]string{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if fi.IsDir() {
			if strings.HasPrefix(rel, "vendor/github.com/wbinstrument") {
				return filepath.SkipDir
			}
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out[rel] = strings.ReplaceAll(string(data), root, placeholder)
		return nil
	})
	if err != nil {
		t.Fatal(err)
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

// goCmd runs the go command in dir and fails the test on error.
func goCmd(t testing.TB, dir string, args ...string) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=")
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
var caseOptions = map[string]func(*Options){
	"vendored": func(o *Options) { o.Pkg = "example.com/openaifork" },
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
			got["wbinstrument.report"] = siteLines(dir, rep)
			goldenDir := filepath.Join("../golden/rewrite", name)
			if *update {
				os.RemoveAll(goldenDir)
				for rel, data := range got {
					p := filepath.Join(goldenDir, filepath.FromSlash(rel))
					os.MkdirAll(filepath.Dir(p), 0o755)
					if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			want := readTree(t, goldenDir, root)
			compareTrees(t, want, got)

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
					goCmd(t, m, "build", "-o", os.DevNull, "./...")
					goCmd(t, m, "vet", "./...")
				}
			}

			if _, err := Revert(context.Background(), Options{Dir: dir}); err != nil {
				t.Fatalf("revert: %v", err)
			}
			compareTrees(t, before, readTree(t, dir, root))
		})
	}
}

func compareTrees(t *testing.T, want, got map[string]string) {
	t.Helper()
	var names []string
	for n := range want {
		names = append(names, n)
	}
	for n := range got {
		if _, ok := want[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		w, wok := want[n]
		g, gok := got[n]
		switch {
		case !wok:
			t.Errorf("unexpected file %s:\n%s", n, g)
		case !gok:
			t.Errorf("missing file %s", n)
		case w != g:
			t.Errorf("%s differs:\n%s", n, unifiedDiff(n, []byte(w), []byte(g)))
		}
	}
}
