package openaigocorpus

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/internal/testtree"
	"github.com/wbinstrument/wbinstrument/rewriter"
)

// corpusDir holds real programs using openai-go (see its README).
const corpusDir = "/work/shared/corpus-openaigo"

// TestCorpusOpenAIGo rewrites each real program in a temp copy, builds
// and vets it, checks that a second rewrite would change nothing and that
// revert restores every file byte for byte, as rewriter's TestCorpus does
// for go-openai's corpus.
func TestCorpusOpenAIGo(t *testing.T) {
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		t.Skipf("!!! SKIPPING TestCorpusOpenAIGo: %s is not here (%v): the real-program check did NOT run !!!", corpusDir, err)
	}
	if testing.Short() {
		t.Skip("builds real programs")
	}
	root, _ := filepath.Abs("../..")
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		name := e.Name()
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			testtree.Copy(t, filepath.Join(corpusDir, name), dir)
			before := readTree(t, dir)
			opts := rewriter.Options{Dir: dir, Patterns: []string{"./..."}, Replace: root, SkipGenerated: true}
			start := time.Now()
			rep, err := rewriter.Rewrite(context.Background(), opts)
			if err != nil {
				t.Fatalf("rewrite: %v", err)
			}
			counts := map[string]int{}
			for _, s := range rep.Sites {
				counts[s.Action]++
			}
			t.Logf("%s: %d sites found, %d rewritten, %v (rewrite took %v)", name, len(rep.Sites), counts[rewriter.ActionRewritten], counts, time.Since(start).Round(time.Millisecond))
			if counts[rewriter.ActionRewritten] == 0 {
				t.Errorf("nothing rewritten")
			}
			goCmd(t, dir, "build", "-ldflags=-s -w", "-o", os.DevNull, "./...")
			goCmd(t, dir, "vet", "./...")
			opts.DryRun = true
			rep2, err := rewriter.Rewrite(context.Background(), opts)
			if err != nil {
				t.Fatalf("second rewrite: %v", err)
			}
			for _, f := range rep2.Files {
				t.Errorf("second rewrite -l lists %s", f.Path)
			}
			if _, err := rewriter.Revert(context.Background(), rewriter.Options{Dir: dir, Patterns: []string{"./..."}}); err != nil {
				t.Fatalf("revert: %v", err)
			}
			after := readTree(t, dir)
			var names []string
			for n := range before {
				names = append(names, n)
			}
			for n := range after {
				if _, ok := before[n]; !ok {
					names = append(names, n)
				}
			}
			sort.Strings(names)
			for _, n := range names {
				if before[n] != after[n] {
					t.Errorf("%s differs after revert", n)
				}
			}
		})
	}
}

// goCmd runs the go command in dir and fails the test on error.
func goCmd(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
}

// readTree returns every file below dir by relative path.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
