package rewriter

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// The fuzz target type-checks each input itself against small stand-ins
// for context and go-openai (a go/packages load per input would be far
// too slow), then runs the same finder, splicer and revert as Rewrite.

const fakeContext = `package context
type Context interface{ Done() <-chan struct{} }
func Background() Context { return nil }
`

const fakeOpenAI = `package openai
import "context"
type ClientConfig struct{ BaseURL string }
type Client struct{ config ClientConfig }
type Request struct{ Model string }
type Response struct{ ID string }
func DefaultConfig(string) ClientConfig { return ClientConfig{} }
func NewClient(string) *Client { return &Client{} }
func NewOrgClient(string, string) *Client { return &Client{} }
func NewClientWithConfig(ClientConfig) *Client { return &Client{} }
func (c *Client) CreateChatCompletion(context.Context, Request) (Response, error) { return Response{}, nil }
func (c *Client) ListModels(context.Context) (Response, error) { return Response{}, nil }
func (c *Client) DeleteFile(context.Context, string) error { return nil }
func (c *Client) Embed(context.Context, Request, ...string) (Response, error) { return Response{}, nil }
`

type mapImporter map[string]*types.Package

func (m mapImporter) Import(path string) (*types.Package, error) {
	if p, ok := m[path]; ok {
		return p, nil
	}
	return nil, os.ErrNotExist
}

func fakeImporter(t testing.TB, fset *token.FileSet) mapImporter {
	imp := mapImporter{}
	for _, d := range []struct{ path, src string }{{"context", fakeContext}, {DefaultPkg, fakeOpenAI}} {
		f, err := parser.ParseFile(fset, d.path+".go", d.src, 0)
		if err != nil {
			t.Fatal(err)
		}
		p, err := (&types.Config{Importer: imp}).Check(d.path, fset, []*ast.File{f}, nil)
		if err != nil {
			t.Fatal(err)
		}
		imp[d.path] = p
	}
	return imp
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
	_, _ = c.CreateChatCompletion(ctx, openai.Request{Model: "m"})
	f := c.ListModels
	_, _ = f(ctx)
	_ = c.DeleteFile(ctx, "x") //wbinstrument:ignore
	_, _ = c.Embed(ctx, openai.Request{}, "a", "b")
	go func() { _, _ = openai.NewClientWithConfig(openai.DefaultConfig("k")).ListModels(ctx) }()
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
}

func FuzzRewrite(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	// Seeds from the golden inputs that only need what the stand-ins have.
	files, _ := filepath.Glob("../testdata/rewrite/*/*.go")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, src []byte) {
		fset := token.NewFileSet()
		imp := fakeImporter(t, fset)
		name := filepath.Join(dir, "main.go")
		if err := os.WriteFile(name, src, 0o644); err != nil {
			t.Fatal(err)
		}
		file, err := parser.ParseFile(fset, name, src, parser.ParseComments)
		if err != nil {
			return // Rewrite reports syntax errors as load errors.
		}
		info := &types.Info{Uses: map[*ast.Ident]types.Object{}, Defs: map[*ast.Ident]types.Object{}, Selections: map[*ast.SelectorExpr]*types.Selection{}, Types: map[ast.Expr]types.TypeAndValue{}}
		tp, err := (&types.Config{Importer: imp, Error: func(error) {}}).Check("example.com/fuzz", fset, []*ast.File{file}, info)
		if err != nil {
			return // Rewrite refuses packages that do not type-check.
		}
		p := &packages.Package{ID: "fuzz", Name: file.Name.Name, PkgPath: "example.com/fuzz", GoFiles: []string{name},
			Fset: fset, Syntax: []*ast.File{file}, Types: tp, TypesInfo: info, Module: &packages.Module{Dir: dir, GoMod: filepath.Join(dir, "go.mod")}}
		o := &Options{Pkg: DefaultPkg, SkipGenerated: true}
		changes, _, _, _, err := planPackage(o, p, true)
		if err != nil {
			if strings.Contains(err.Error(), "panic") {
				t.Fatal(err)
			}
			return
		}
		for _, c := range changes {
			if c.Path != name {
				continue
			}
			if _, err := parser.ParseFile(token.NewFileSet(), name, c.New, parser.ParseComments); err != nil {
				t.Fatalf("rewritten file does not parse: %v\n%s", err, c.New)
			}
			if bytes.Contains(src, []byte("wbi")) {
				continue // pre-existing wbi forms are the user's, revert may touch them
			}
			back, _, err := revertSource(name, c.New)
			if err != nil || !bytes.Equal(back, src) {
				t.Fatalf("revert does not restore the input (err %v):\n--- input\n%s\n--- rewritten\n%s\n--- reverted\n%s", err, src, c.New, back)
			}
		}
	})
}
