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
	defer wbiFinish()
//line :15:1
	ctx := context.Background()
	hc := &http.Client{}
	mw := func(req *http.Request, next option.MiddlewareNext) (*http.Response, error) { return next(req) }
	client := oai.NewClient(wbiOAI2Opts(option.WithHTTPClient(hc), option.WithMiddleware(mw))...)
	chat := oai.NewChatCompletionService(wbiOAI2Opts(client.Options...)...)
	ask := wbiOAI2Call1(chat.New, "main.go:20 main.main")
	params := oai.ChatCompletionNewParams{
		Model:    oai.ChatModelGPT4oMini,
		Messages: []oai.ChatCompletionMessageParamUnion{oai.UserMessage("hi")},
	}
	resp, err := ask(ctx, params)
	fmt.Println(resp, err)
	emb, err := wbiOAI2Call1(client.Embeddings.New, "main.go:27 main.main")(ctx, oai.EmbeddingNewParams{
		Model: oai.EmbeddingModelTextEmbedding3Small,
		Input: oai.EmbeddingNewParamsInputUnion{OfString: oai.String("x")},
	})
	fmt.Println(emb, err)
	newClient := oai.NewClient
	_ = newClient()
}
