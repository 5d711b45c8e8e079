package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wbinstrument/wbinstrument/internal/checkout"
	"github.com/wbinstrument/wbinstrument/internal/demo"
)

// checkoutRoot is the wbinstrument checkout these tests run in.
func checkoutRoot(tb testing.TB) string {
	tb.Helper()
	root, err := checkout.Root()
	if err != nil {
		tb.Fatal(err)
	}
	return root
}

// goOpenAISum returns the go.sum lines of go-openai the demo embeds, so
// that generated modules build from the module cache alone.
func goOpenAISum(tb testing.TB, root string) string {
	tb.Helper()
	return string(demo.GoSum())
}

// siteCalls are the go-openai calls a generated package makes after its
// constructor, in turn; each is one call site the rewriter instruments.
var siteCalls = []string{
	`c.CreateChatCompletion(ctx, openai.ChatCompletionRequest{Model: openai.GPT4oMini, Messages: msgs})`,
	`c.CreateChatCompletionStream(ctx, openai.ChatCompletionRequest{Model: openai.GPT4oMini, Messages: msgs})`,
	`c.CreateEmbeddings(ctx, openai.EmbeddingRequest{Input: []string{q}, Model: openai.SmallEmbedding3})`,
	`c.ListModels(ctx)`,
	`c.Moderations(ctx, openai.ModerationRequest{Input: q})`,
	`c.CreateCompletion(ctx, openai.CompletionRequest{Model: openai.GPT3Dot5TurboInstruct, Prompt: q})`,
	`c.GetModel(ctx, "gpt-4o")`,
	`c.CreateImage(ctx, openai.ImageRequest{Prompt: q})`,
	`c.ListFiles(ctx)`,
}

// genModule writes a module of pkgs library packages with sitesPerPkg
// go-openai sites each (one constructor, then method calls), plus a main
// package that imports them all, the shape of a service with many
// handlers. It returns the number of sites written.
func genModule(tb testing.TB, dir string, pkgs, sitesPerPkg int) int {
	tb.Helper()
	root := checkoutRoot(tb)
	write := func(rel, text string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	write("go.mod", "module example.com/gen\n\ngo 1.22\n\nrequire github.com/sashabaranov/go-openai "+demo.GoOpenAIVersion+"\n")
	write("go.sum", goOpenAISum(tb, root))
	sites := 0
	var imports, calls strings.Builder
	for p := 0; p < pkgs; p++ {
		name := fmt.Sprintf("p%04d", p)
		var b strings.Builder
		fmt.Fprintf(&b, "package %s\n\nimport (\n\t\"context\"\n\n\topenai \"github.com/sashabaranov/go-openai\"\n)\n\n", name)
		b.WriteString("// Handle asks the API a few things about q.\n")
		b.WriteString("func Handle(ctx context.Context, key, q string) error {\n")
		b.WriteString("\tmsgs := []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: q}}\n\t_ = msgs\n")
		b.WriteString("\tc := openai.NewClient(key)\n")
		sites++
		for s := 1; s < sitesPerPkg; s++ {
			fmt.Fprintf(&b, "\tif _, err := %s; err != nil {\n\t\treturn err\n\t}\n", siteCalls[(s-1)%len(siteCalls)])
			sites++
		}
		b.WriteString("\treturn nil\n}\n")
		write(filepath.Join("internal", name, name+".go"), b.String())
		fmt.Fprintf(&imports, "\t%q\n", "example.com/gen/internal/"+name)
		fmt.Fprintf(&calls, "\tif err := %s.Handle(ctx, key, q); err != nil {\n\t\tlog.Fatal(err)\n\t}\n", name)
	}
	write("main.go", "package main\n\nimport (\n\t\"context\"\n\t\"log\"\n\t\"os\"\n\n"+imports.String()+")\n\n"+
		"func main() {\n\tctx, key, q := context.Background(), os.Getenv(\"OPENAI_API_KEY\"), \"hello\"\n"+calls.String()+"}\n")
	return sites
}
