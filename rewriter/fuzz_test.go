package rewriter

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/tools/go/packages"
)

// The fuzz target type-checks each input itself against the real
// go-openai and the standard packages the inputs use, loaded once per
// fuzzing process from export data (a go/packages load per input would
// be far too slow), then runs the same finder, splicer and revert as
// Rewrite.

// fuzzImports are the packages a fuzz input may import.
var fuzzImports = []string{"context", "errors", "fmt", "io", "log", "net/http", "os", "strings", "sync", "time", DefaultPkg, runtimePkg,
	oaiV3, oaiV3 + "/option", oaiV3 + "/responses", oaiV3 + "/azure"}

// oaiV3 is the openai-go major the fuzz inputs may use (the finder treats
// every major alike, by import path and type identity).
const oaiV3 = "github.com/openai/openai-go/v3"

type mapImporter map[string]*types.Package

func (m mapImporter) Import(path string) (*types.Package, error) {
	if p, ok := m[path]; ok {
		return p, nil
	}
	return nil, os.ErrNotExist
}

var (
	importsOnce sync.Once
	imports     mapImporter
	importsErr  error
)

// fuzzImporter loads fuzzImports once.
func fuzzImporter(t testing.TB) mapImporter {
	importsOnce.Do(func() {
		// testdata/fuzzmod requires go-openai and openai-go, which the rewriter's own
		// module does not; it is outside the repository's workspace.
		cfg := &packages.Config{Mode: packages.NeedName | packages.NeedTypes, Dir: filepath.Join("testdata", "fuzzmod"),
			Env: append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")}
		pkgs, err := packages.Load(cfg, fuzzImports...)
		if err != nil {
			importsErr = err
			return
		}
		imports = mapImporter{}
		for _, p := range pkgs {
			if len(p.Errors) > 0 {
				importsErr = p.Errors[0]
				return
			}
			imports[p.PkgPath] = p.Types
		}
	})
	if importsErr != nil {
		t.Fatalf("loading %v: %v", fuzzImports, importsErr)
	}
	return imports
}

var fuzzSeeds = []string{
	`package main

import (
	"context"

	openai "github.com/sashabaranov/go-openai"
)

func main() {
	c := openai.NewClient("k")
	ctx := context.Background()
	_, _ = c.CreateChatCompletion(ctx, openai.ChatCompletionRequest{Model: "m"})
	f := c.ListModels
	_, _ = f(ctx)
	_ = c.DeleteFile(ctx, "x") //wbinstrument:ignore
	_, _ = c.ListFineTuningJobEvents(ctx, "j", openai.ListFineTuningJobEventsWithLimit(2))
	go func() { _, _ = openai.NewClientWithConfig(openai.DefaultConfig("k")).ListModels(ctx) }()
	newClient := openai.NewClientWithConfig
	_ = newClient
}
`,
	`package main

import (
	"context"
	. "github.com/sashabaranov/go-openai"
)

func main() { c := NewOrgClient("k", "o"); c.ListModels(context.Background()) }
`,
	"package main\r\n\r\nimport (\r\n\t\"context\"\r\n\r\n\topenai \"github.com/sashabaranov/go-openai\"\r\n)\r\n\r\nfunc main() {\r\n\topenai.NewClient(\"k\").ListModels(context.Background())\r\n}\r\n",
	`package main

import (
	"context"

	openai "github.com/sashabaranov/go-openai"
)

type bot struct{ *openai.Client }

func (b *bot) ListModels(context.Context) (openai.ModelsList, error) { return openai.ModelsList{}, nil }

func main() {
	defer wbiFinish()
//line :13:1
	b := &bot{wbiNewClient(openai.NewClientWithConfig, openai.DefaultConfig, "k")}
	_, _ = b.ListModels(context.Background())
	_, _ = wbiCall1(b.GetModel, "main.go:3 main.main")(context.Background(), "m")
}
`,
	`package main

import (
	"context"
	"fmt"
	"net/http"

	oai "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/azure"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"
)

type chatter interface {
	New(context.Context, oai.ChatCompletionNewParams, ...option.RequestOption) (*oai.ChatCompletion, error)
}

type app struct{ client oai.Client }

func main() {
	ctx := context.Background()
	opts := []option.RequestOption{option.WithAPIKey("k"), option.WithHTTPClient(&http.Client{})}
	a := app{client: oai.NewClient(opts...)}
	p := oai.ChatCompletionNewParams{Model: oai.ChatModelGPT4oMini, Messages: []oai.ChatCompletionMessageParamUnion{oai.UserMessage("hi")}}
	r, err := a.client.Chat.Completions.New(ctx, p, option.WithMaxRetries(0))
	fmt.Println(r, err)
	s := a.client.Chat.Completions.NewStreaming(ctx, p)
	acc := oai.ChatCompletionAccumulator{}
	for s.Next() {
		acc.AddChunk(s.Current())
	}
	var c chatter = &a.client.Chat.Completions
	_, _ = c.New(ctx, p)
	newResp := a.client.Responses.New
	_, _ = newResp(ctx, responses.ResponseNewParams{})
	svc := responses.NewResponseService(option.WithAPIKey("k"))
	_ = svc.Delete(ctx, "r") //wbinstrument:ignore
	az := oai.NewClient(azure.WithEndpoint("https://x.openai.azure.com", "2024-06-01"), azure.WithAPIKey("k"))
	go func() { _, _ = az.Embeddings.New(ctx, oai.EmbeddingNewParams{}) }()
	it := a.client.Models.ListAutoPaging(ctx)
	for it.Next() {
	}
	chat := oai.NewChatCompletionService()
	_, _ = chat.New(ctx, p)
}
`,
	`package main

import (
	"context"
	. "github.com/openai/openai-go/v3"
)

func main() { c := NewClient(); c.Models.Get(context.Background(), "m") }
`,
}

func FuzzRewrite(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	// Seeds from the golden inputs (those that import only fuzzImports
	// take part; the others fail the type check and are skipped).
	files, _ := filepath.Glob("../testdata/rewrite/*/*.go")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, src []byte) { fuzzCheck(t, dir, src) })
}

// fuzzPackage parses and type-checks src as dir/main.go together with
// our glue file, as the package looks after a rewrite; nil when it does
// not type-check (Rewrite refuses such packages), with the errors.
func fuzzPackage(t *testing.T, dir string, src []byte) (*packages.Package, []error) {
	fset := token.NewFileSet()
	name := filepath.Join(dir, "main.go")
	if err := os.WriteFile(name, src, 0o644); err != nil {
		t.Fatal(err)
	}
	file, err := parser.ParseFile(fset, name, src, parser.ParseComments)
	if err != nil {
		return nil, []error{err}
	}
	glue, err := parser.ParseFile(fset, filepath.Join(dir, GlueFile), glueSource(file.Name.Name, map[int]bool{3: true}), parser.ParseComments)
	if err != nil {
		t.Fatalf("glue does not parse: %v", err)
	}
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}, Defs: map[*ast.Ident]types.Object{}, Selections: map[*ast.SelectorExpr]*types.Selection{}, Types: map[ast.Expr]types.TypeAndValue{}, Implicits: map[ast.Node]types.Object{}}
	var errs []error
	conf := &types.Config{Importer: fuzzImporter(t), Error: func(err error) { errs = append(errs, err) }}
	tp, _ := conf.Check("example.com/fuzz", fset, []*ast.File{file, glue}, info)
	if len(errs) > 0 {
		return nil, errs
	}
	return &packages.Package{ID: "fuzz", Name: file.Name.Name, PkgPath: "example.com/fuzz", GoFiles: []string{name, filepath.Join(dir, GlueFile)},
		Fset: fset, Syntax: []*ast.File{file, glue}, Types: tp, TypesInfo: info, Module: &packages.Module{Dir: dir, GoMod: filepath.Join(dir, "go.mod")}}, nil
}

// fuzzPlan returns the new main.go that a rewrite of src would write
// (src itself when unchanged); ok is false when src does not type-check
// or the rewrite refuses it with an error.
func fuzzPlan(t *testing.T, dir string, src []byte) (out []byte, ok bool) {
	p, _ := fuzzPackage(t, dir, src)
	if p == nil {
		return nil, false
	}
	plan, err := planPackage(&rewriteRun{opts: &Options{Pkg: DefaultPkg, SkipGenerated: true}}, p, true)
	if err != nil {
		if strings.Contains(err.Error(), "panic") || !strings.Contains(err.Error(), "main.go") {
			t.Fatalf("rewrite error without a position in the file: %v", err)
		}
		return nil, false
	}
	for _, c := range plan.changes {
		if filepath.Base(c.Path) != "main.go" {
			continue
		}
		if gofmtClean(src) && !gofmtClean(c.New) && !strings.Contains(strings.Join(plan.warns, "\n"), "not gofmt-clean") {
			t.Fatalf("gofmt-clean input rewritten to a file gofmt changes, with no warning:\n--- input\n%s\n--- rewritten\n%s", src, c.New)
		}
		return c.New, true
	}
	return src, true
}

// fuzzCheck asserts the rewriter's invariants on one input: the output
// type-checks (so it builds), stays gofmt-clean (or says why not), a
// second rewrite changes nothing, and revert gives back the input. It reports whether the input took part
// (type-checked and was accepted).
func fuzzCheck(t *testing.T, dir string, src []byte) bool {
	out, ok := fuzzPlan(t, dir, src)
	if !ok {
		return false
	}
	if bytes.Equal(out, src) {
		return true
	}
	if _, errs := fuzzPackage(t, dir, out); len(errs) > 0 {
		t.Fatalf("rewritten file does not type-check: %v\n--- input\n%s\n--- rewritten\n%s", errs, src, out)
	}
	again, ok := fuzzPlan(t, dir, out)
	if !ok || !bytes.Equal(again, out) {
		t.Fatalf("second rewrite changes the file (ok %v):\n--- input\n%s\n--- first\n%s\n--- second\n%s", ok, src, out, again)
	}
	back, _, err := revertSource(filepath.Join(dir, "main.go"), out)
	if err != nil {
		t.Fatalf("revert: %v\n--- rewritten\n%s", err, out)
	}
	checkSiteLines(t, out, back)
	if bytes.Contains(src, []byte("wbi")) {
		return true // our forms were there already: revert removes them too
	}
	if !bytes.Equal(back, src) {
		t.Fatalf("revert does not restore the input (err %v):\n--- input\n%s\n--- rewritten\n%s\n--- reverted\n%s", err, src, out, back)
	}
	return true
}

// checkSiteLines asserts that the site literal of every call-site
// wrapper in out names the line that its method has in the code without
// instrumentation (back), the line the user sees.
func checkSiteLines(t *testing.T, out, back []byte) {
	file, err := parser.ParseFile(token.NewFileSet(), "main.go", out, 0)
	if err != nil {
		t.Fatalf("rewritten file does not parse: %v", err)
	}
	lines := strings.Split(string(back), "\n")
	ast.Inspect(file, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) != 2 {
			return true
		}
		id, ok := call.Fun.(*ast.Ident)
		sel, ok2 := call.Args[0].(*ast.SelectorExpr)
		lit, ok3 := call.Args[1].(*ast.BasicLit)
		if !ok || !ok2 || !ok3 || !isCallWrapper(id.Name) && !isOAIWrapper(id.Name) {
			return true
		}
		site, _ := strconv.Unquote(lit.Value)
		var line int
		if _, err := fmt.Sscanf(strings.TrimPrefix(site, "main.go:"), "%d", &line); err != nil || line < 1 || line > len(lines) {
			t.Fatalf("site literal %s: no line of the file", lit.Value)
		}
		if !strings.Contains(lines[line-1], "."+sel.Sel.Name) {
			t.Fatalf("site literal %s: line %d of the uninstrumented file is %q, not the call of %s\n--- rewritten\n%s", lit.Value, line, lines[line-1], sel.Sel.Name, out)
		}
		return true
	})
}

// TestFuzzSeeds keeps the fuzz target honest: its hand-written seeds
// must type-check and be rewritten, or the campaign explores nothing.
func TestFuzzSeeds(t *testing.T) {
	dir := t.TempDir()
	for i, s := range fuzzSeeds {
		out, ok := fuzzPlan(t, dir, []byte(s))
		if !ok || bytes.Equal(out, []byte(s)) {
			t.Errorf("seed %d: not rewritten (ok %v)", i, ok)
			continue
		}
		fuzzCheck(t, dir, []byte(s))
	}
}
