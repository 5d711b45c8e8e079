package rewriter

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// cancelOn cancels a context when a progress line contains substr, as
// Ctrl-C would at that moment in the CLI.
type cancelOn struct {
	substr string
	cancel context.CancelFunc
}

func (c *cancelOn) Write(p []byte) (int, error) {
	if strings.Contains(string(p), c.substr) {
		c.cancel()
	}
	return len(p), nil
}

// TestRewriteInterrupted stops a rewrite once its packages are loaded:
// the first package is planned and its new files are being staged when
// the rewrite sees the context end. No file may change, and no temp file
// may be left in the tree.
func TestRewriteInterrupted(t *testing.T) {
	root := replaceRoot(t)
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "testdata", "rewrite", "direct"), dir, root)
	before := readTree(t, dir, root)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := Rewrite(ctx, Options{Dir: dir, Patterns: []string{"./..."}, Replace: root, Progress: &cancelOn{substr: "loaded", cancel: cancel}})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "nothing changed") {
		t.Fatalf("Rewrite = %v, want an interruption that changed nothing", err)
	}
	compareTrees(t, before, readTree(t, dir, root))
}

// TestRevertInterrupted reverts with a context that has ended: the
// instrumented tree stays as it is.
func TestRevertInterrupted(t *testing.T) {
	root := replaceRoot(t)
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "testdata", "rewrite", "direct"), dir, root)
	if _, err := Rewrite(context.Background(), Options{Dir: dir, Patterns: []string{"./..."}, Replace: root}); err != nil {
		t.Fatal(err)
	}
	before := readTree(t, dir, root)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Revert(ctx, Options{Dir: dir, Patterns: []string{dir}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Revert = %v, want an interruption", err)
	}
	compareTrees(t, before, readTree(t, dir, root))
}
