module github.com/wbinstrument/wbinstrument/reliability

go 1.24.0

require (
	github.com/openai/openai-go/v3 v3.26.0
	github.com/sashabaranov/go-openai v1.43.0
)

require (
	github.com/tidwall/gjson v1.18.0 // indirect
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.2.1 // indirect
	github.com/tidwall/sjson v1.2.5 // indirect
)
