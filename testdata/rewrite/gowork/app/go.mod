module example.com/gowork/app

go 1.22

require github.com/sashabaranov/go-openai v1.43.0
