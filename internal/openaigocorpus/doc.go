// Package openaigocorpus holds the integration test of the rewriter on
// the real programs using openai-go in ../shared/corpus-openaigo: rewrite,
// build, vet, a second rewrite that changes nothing, revert byte for byte.
// It is a package of its own, beside rewriter's TestCorpus on go-openai's
// corpus, so that each corpus has the go command's per-package time budget.
package openaigocorpus
