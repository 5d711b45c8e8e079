package rewriter_test

import (
	"path/filepath"
	"testing"

	"github.com/wbinstrument/wbinstrument/internal/corpuscheck"
	"github.com/wbinstrument/wbinstrument/rewriter"
)

// corpusDir holds real programs using go-openai (see its README): the
// shared folder beside the repository, found from the repository root
// (the parent of this package's directory) like the other tests' inputs.
var corpusDir = filepath.Join("..", "..", "shared", "corpus")

// TestCorpus rewrites each real program in a temp copy, builds and vets
// it, checks that a second rewrite would change nothing and that revert
// restores every file byte for byte. It is an external test (package
// rewriter_test) so that it can use corpuscheck, which imports rewriter.
func TestCorpus(t *testing.T) {
	root := rewriter.ReplaceRoot(t)
	if !rewriter.RuntimePresent(root) {
		t.Skipf("!!! SKIPPING TestCorpus: %s/runtime/wbopenai has no Go files yet !!!", root)
	}
	corpuscheck.Run(t, corpusDir, root)
}
