package rewriter

// For the external tests (package rewriter_test): the checkout a test's
// rewrite points at, and whether its runtime is there yet.
var (
	ReplaceRoot    = replaceRoot
	RuntimePresent = runtimePresent
)
