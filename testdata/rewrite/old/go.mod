module example.com/old

go 1.19

require github.com/sashabaranov/go-openai v1.20.0
