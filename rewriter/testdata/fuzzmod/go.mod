// The module the fuzz test type-checks its inputs in: it gives the loader
// go-openai, openai-go (v3.26.0: an older v3 than the end-to-end tests')
// and the runtime, which the rewriter's own module does not
// require.
module example.com/fuzzmod

go 1.24.0

require (
	github.com/openai/openai-go/v3 v3.26.0
	github.com/sashabaranov/go-openai v1.43.0
	github.com/wbinstrument/wbinstrument/runtime v0.0.0-00010101000000-000000000000
)

require (
	github.com/Azure/azure-sdk-for-go/sdk/azcore v1.17.0 // indirect
	github.com/Azure/azure-sdk-for-go/sdk/internal v1.10.0 // indirect
	github.com/tidwall/gjson v1.18.0 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.2.1 // indirect
	github.com/tidwall/sjson v1.2.5 // indirect
	golang.org/x/net v0.34.0 // indirect
	golang.org/x/text v0.21.0 // indirect
)

replace github.com/wbinstrument/wbinstrument/runtime => ../../../runtime
