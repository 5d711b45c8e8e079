module example.com/go116

go 1.16

require (
	example.com/a v0.0.0
	github.com/sashabaranov/go-openai v1.43.0
)

replace (
	example.com/a => ./_deps/a
	example.com/b => ./_deps/b
)
