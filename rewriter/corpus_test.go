package rewriter

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// corpusDir holds real programs using go-openai (see its README); CI runs
// this test from there.
const corpusDir = "/work/shared/corpus"

// TestCorpus rewrites each real program in a temp copy, builds and vets
// it, checks that a second rewrite would change nothing and that revert
// restores every file byte for byte.
func TestCorpus(t *testing.T) {
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		t.Skipf("!!! SKIPPING TestCorpus: %s is not here (%v): the real-program check did NOT run !!!", corpusDir, err)
	}
	root := replaceRoot(t)
	if !runtimePresent(root) {
		t.Skipf("!!! SKIPPING TestCorpus: %s/runtime/wbopenai has no Go files yet !!!", root)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		name := e.Name()
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			copyTree(t, filepath.Join(corpusDir, name), dir, root)
			before := readTree(t, dir, root)
			start := time.Now()
			rep, err := Rewrite(context.Background(), Options{Dir: dir, Patterns: []string{"./..."}, Replace: root, SkipGenerated: true})
			if err != nil {
				t.Fatalf("rewrite: %v", err)
			}
			took := time.Since(start)
			counts := map[string]int{}
			for _, s := range rep.Sites {
				counts[s.Action]++
			}
			t.Logf("%s: %d sites found, %d rewritten, %v (rewrite took %v)", name, len(rep.Sites), counts[ActionRewritten], counts, took.Round(time.Millisecond))
			for _, w := range rep.Warnings {
				t.Logf("warning: %s", w)
			}
			// Both commands share the default GOCACHE and GOMODCACHE (goCmd
			// only clears GOFLAGS and GOWORK), and the rewrite's load has
			// compiled the dependencies' export data into that cache, so
			// with a warm cache they only compile and vet the program's
			// own packages. What is left is linking every main package
			// (lingoose has 79 examples): -s -w still links each one but
			// skips the symbol table and DWARF, about a third of the time.
			step := time.Now()
			goCmd(t, dir, "build", "-ldflags=-s -w", "-o", os.DevNull, "./...")
			tBuild := time.Since(step)
			step = time.Now()
			goCmd(t, dir, "vet", "./...")
			tVet := time.Since(step)
			step = time.Now()
			rep2, err := Rewrite(context.Background(), Options{Dir: dir, Patterns: []string{"./..."}, Replace: root, SkipGenerated: true, DryRun: true})
			if err != nil {
				t.Fatalf("second rewrite: %v", err)
			}
			for _, f := range rep2.Files {
				t.Errorf("second rewrite -l lists %s", f.Path)
			}
			tSecond := time.Since(step)
			step = time.Now()
			if _, err := Revert(context.Background(), Options{Dir: dir, Patterns: []string{"./..."}}); err != nil {
				t.Fatalf("revert: %v", err)
			}
			t.Logf("%s: build %v, vet %v, second rewrite -l %v, revert %v", name, tBuild.Round(time.Millisecond), tVet.Round(time.Millisecond), tSecond.Round(time.Millisecond), time.Since(step).Round(time.Millisecond))
			compareTrees(t, before, readTree(t, dir, root))
		})
	}
}
