module example.com/vendored

go 1.20

require github.com/sashabaranov/go-openai v1.43.0
