// Command ctorvalue builds its clients through go-openai constructors
// held as values: those are reported, not rewritten, and the calls on the
// clients they build are still wrapped at the call site.
package main

import (
	"context"
	"fmt"
	"os"

	openai "github.com/sashabaranov/go-openai"
)

var newClient = openai.NewClientWithConfig

type factory struct {
	org func(string, string) *openai.Client
}

func build(mk func(string) *openai.Client) *openai.Client { return mk(os.Getenv("OPENAI_API_KEY")) }

func main() {
	ctx := context.Background()
	f := openai.NewClient
	models, err := f("key").ListModels(ctx)
	fmt.Println(len(models.Models), err)
	c := build((openai.NewClient))
	_, err = c.GetModel(ctx, "gpt-4o-mini")
	fmt.Println(err)
	fa := factory{org: openai.NewOrgClient}
	err = fa.org("key", "org").DeleteFile(ctx, "file-1")
	fmt.Println(err)
	local := newClient(openai.DefaultConfig("key"))
	_, err = local.CreateEmbeddings(ctx, openai.EmbeddingRequest{Input: []string{"x"}, Model: openai.SmallEmbedding3})
	fmt.Println(err)
	ignored := openai.NewClient //wbinstrument:ignore
	_ = ignored
}
