module github.com/wbinstrument/wbinstrument/internal/openaitest/v120

go 1.18

require (
	github.com/sashabaranov/go-openai v1.20.0
	github.com/wbinstrument/wbinstrument/runtime v0.0.0
)

replace github.com/wbinstrument/wbinstrument/runtime => ../../../runtime
