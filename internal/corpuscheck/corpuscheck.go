// Package corpuscheck is the rewriter's check on a corpus of real
// programs, shared by rewriter's TestCorpus (go-openai's corpus in
// ../shared/corpus) and openaigocorpus's TestCorpusOpenAIGo (openai-go's):
// each program is rewritten in a temp copy, built and vetted, a second
// rewrite must change nothing, and revert must give every byte back.
package corpuscheck

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/internal/testtree"
	"github.com/wbinstrument/wbinstrument/rewriter"
)

// Run checks each program (each directory) in corpus, as parallel
// subtests; replace is the wbinstrument checkout whose runtime the
// rewritten programs use. It skips, loudly, when corpus is not there.
func Run(t *testing.T, corpus, replace string) {
	t.Helper()
	entries, err := os.ReadDir(corpus)
	if err != nil {
		t.Skipf("!!! SKIPPING %s: %s is not here (%v): the real-program check did NOT run !!!", t.Name(), corpus, err)
	}
	for _, e := range entries {
		if e.IsDir() {
			name := e.Name()
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				check(t, filepath.Join(corpus, name), replace)
			})
		}
	}
}

// check rewrites a copy of the program in src, builds and vets it,
// rewrites it again with -l and reverts it.
func check(t *testing.T, src, replace string) {
	dir := t.TempDir()
	testtree.Copy(t, src, dir)
	before := testtree.Read(t, dir)
	opts := rewriter.Options{Dir: dir, Patterns: []string{"./..."}, Replace: replace, SkipGenerated: true}
	start := time.Now()
	rep, err := rewriter.Rewrite(context.Background(), opts)
	if err != nil {
		t.Fatalf("rewrite: %v", err)
	}
	took := time.Since(start)
	counts := map[string]int{}
	for _, s := range rep.Sites {
		counts[s.Action]++
	}
	t.Logf("%d sites found, %d rewritten, %v (rewrite took %v)", len(rep.Sites), counts[rewriter.ActionRewritten], counts, took.Round(time.Millisecond))
	for _, w := range rep.Warnings {
		t.Logf("warning: %s", w)
	}
	if counts[rewriter.ActionRewritten] == 0 {
		t.Errorf("nothing rewritten")
	}
	// Both commands share the default GOCACHE and GOMODCACHE (goCmd only
	// clears GOFLAGS and GOWORK), and the rewrite's load has compiled the
	// dependencies' export data into that cache, so with a warm cache they
	// only compile and vet the program's own packages. What is left is
	// linking every main package (lingoose has 79 examples): -s -w still
	// links each one but skips the symbol table and DWARF, about a third
	// of the time.
	step := time.Now()
	goCmd(t, dir, "build", "-ldflags=-s -w", "-o", os.DevNull, "./...")
	tBuild := time.Since(step)
	step = time.Now()
	goCmd(t, dir, "vet", "./...")
	tVet := time.Since(step)
	step = time.Now()
	opts.DryRun = true
	rep2, err := rewriter.Rewrite(context.Background(), opts)
	if err != nil {
		t.Fatalf("second rewrite: %v", err)
	}
	for _, f := range rep2.Files {
		t.Errorf("second rewrite -l lists %s", f.Path)
	}
	tSecond := time.Since(step)
	step = time.Now()
	if _, err := rewriter.Revert(context.Background(), rewriter.Options{Dir: dir, Patterns: []string{"./..."}}); err != nil {
		t.Fatalf("revert: %v", err)
	}
	t.Logf("build %v, vet %v, second rewrite -l %v, revert %v", tBuild.Round(time.Millisecond), tVet.Round(time.Millisecond), tSecond.Round(time.Millisecond), time.Since(step).Round(time.Millisecond))
	testtree.Compare(t, before, testtree.Read(t, dir), nil)
}
