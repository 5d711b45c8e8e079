module github.com/wbinstrument/wbinstrument

go 1.24.0

require (
	github.com/tiktoken-go/tokenizer v0.7.0
	github.com/wbinstrument/wbinstrument/runtime v0.1.0
	golang.org/x/mod v0.29.0
	golang.org/x/tools v0.38.0
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/dlclark/regexp2 v1.11.5 // indirect
	golang.org/x/sync v0.17.0 // indirect
)
