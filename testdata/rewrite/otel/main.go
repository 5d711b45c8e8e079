// Command otel uses OpenTelemetry (go.mod requires go.opentelemetry.io/otel): the glue imports the runtime's otelbridge and go.mod requires it, so calls become child spans of the request's span.
package main

import (
	"context"

	openai "github.com/sashabaranov/go-openai"
	"go.opentelemetry.io/otel"
)

func main() {
	ctx, span := otel.Tracer("example.com/otel").Start(context.Background(), "handle request")
	defer span.End()
	c := openai.NewClient("key")
	_, err := c.CreateChatCompletion(ctx, openai.ChatCompletionRequest{Model: openai.GPT4oMini})
	span.RecordError(err)
}
