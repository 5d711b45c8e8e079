// Command otel uses OpenTelemetry (go.mod requires go.opentelemetry.io/otel): the glue imports the runtime's otelbridge and go.mod requires it, so calls become child spans of the request's span.
package main

import (
	"context"

	openai "github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel"
)

func main() {
	defer wbiFinish()
//line :12:1
	ctx, span := otel.Tracer("example.com/otel").Start(context.Background(), "handle request")
	defer span.End()
	c := wbiNewClient(openai.NewClientWithConfig, openai.DefaultConfig, "key")
	_, err := wbiCall1(c.CreateChatCompletion, "main.go:15 main.main")(ctx, openai.ChatCompletionRequest{Model: openai.GPT4oMini})
	span.RecordError(err)
}
