package openaigocorpus

import (
	"path/filepath"
	"testing"

	"github.com/wbinstrument/wbinstrument/internal/corpuscheck"
)

// corpusDir holds real programs using openai-go (see its README).
const corpusDir = "/work/shared/corpus-openaigo"

// TestCorpusOpenAIGo rewrites each real program in a temp copy, builds
// and vets it, checks that a second rewrite would change nothing and that
// revert restores every file byte for byte, as rewriter's TestCorpus does
// for go-openai's corpus.
func TestCorpusOpenAIGo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds real programs")
	}
	root, _ := filepath.Abs("../..")
	corpuscheck.Run(t, corpusDir, root)
}
