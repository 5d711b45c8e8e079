// Case structfield: a client in a struct field, built in cmd/app and used from package llm.
module example.com/structfield

go 1.19

require github.com/sashabaranov/go-openai v1.43.0
