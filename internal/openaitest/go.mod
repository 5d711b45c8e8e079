module github.com/wbinstrument/wbinstrument/internal/openaitest

go 1.24.0

require github.com/sashabaranov/go-openai v1.43.0
