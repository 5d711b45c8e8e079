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
	defer wbiFinish()
//line :23:1
	ctx := context.Background()
	f := openai.NewClient
	models, err := wbiCall0(f("key").ListModels, "main.go:25 main.main")(ctx)
	fmt.Println(len(models.Models), err)
	c := build((openai.NewClient))
	_, err = wbiCall1(c.GetModel, "main.go:28 main.main")(ctx, "gpt-4o-mini")
	fmt.Println(err)
	fa := factory{org: openai.NewOrgClient}
	err = wbiCallE1(fa.org("key", "org").DeleteFile, "main.go:31 main.main")(ctx, "file-1")
	fmt.Println(err)
	local := newClient(openai.DefaultConfig("key"))
	_, err = wbiCall1(local.CreateEmbeddings, "main.go:34 main.main")(ctx, openai.EmbeddingRequest{Input: []string{"x"}, Model: openai.SmallEmbedding3})
	fmt.Println(err)
	ignored := openai.NewClient //wbinstrument:ignore
	_ = ignored
}
