// A program on openai-go v2 with an alias import, the user's own HTTP
// client and middleware, a service built alone and a method value.
package main

import (
	"context"
	"fmt"
	"net/http"

	oai "github.com/openai/openai-go/v2"
	"github.com/openai/openai-go/v2/option"
)

func main() {
	ctx := context.Background()
	hc := &http.Client{}
	mw := func(req *http.Request, next option.MiddlewareNext) (*http.Response, error) { return next(req) }
	client := oai.NewClient(option.WithHTTPClient(hc), option.WithMiddleware(mw))
	chat := oai.NewChatCompletionService(client.Options...)
	ask := chat.New
	params := oai.ChatCompletionNewParams{
		Model:    oai.ChatModelGPT4oMini,
		Messages: []oai.ChatCompletionMessageParamUnion{oai.UserMessage("hi")},
	}
	resp, err := ask(ctx, params)
	fmt.Println(resp, err)
	emb, err := client.Embeddings.New(ctx, oai.EmbeddingNewParams{
		Model: oai.EmbeddingModelTextEmbedding3Small,
		Input: oai.EmbeddingNewParamsInputUnion{OfString: oai.String("x")},
	})
	fmt.Println(emb, err)
	newClient := oai.NewClient
	_ = newClient()
}
