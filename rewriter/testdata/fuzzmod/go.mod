// The module the fuzz test type-checks its inputs in: it gives the loader
// go-openai and the runtime, which the rewriter's own module does not
// require.
module example.com/fuzzmod

go 1.24.0

require (
	github.com/sashabaranov/go-openai v1.43.0
	github.com/wbinstrument/wbinstrument/runtime v0.0.0-00010101000000-000000000000
)

replace github.com/wbinstrument/wbinstrument/runtime => ../../../runtime
