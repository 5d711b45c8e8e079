module github.com/wbinstrument/wbinstrument/bench

go 1.24.0

require github.com/sashabaranov/go-openai v1.43.0
