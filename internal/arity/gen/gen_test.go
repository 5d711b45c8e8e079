package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wbinstrument/wbinstrument/internal/arity"
)

// TestGeneratedUpToDate regenerates wrappers.go into a temp dir and
// compares it byte for byte with the committed one: a table edit without
// go generate, or a hand edit of the generated file, fails here.
func TestGeneratedUpToDate(t *testing.T) {
	tmp := filepath.Join(t.TempDir(), "wrappers.go")
	if err := run([]string{"-o", tmp}); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(tmp)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(wrappersFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is out of date with the arity table of internal/arity: run go generate ./internal/arity", wrappersFile)
	}
}

// The runtime's wrapper files, from this directory.
var (
	wrappersFile       = filepath.Join("..", "..", "..", "runtime", "wbopenai", "wrappers.go")
	openAIWrappersFile = filepath.Join("..", "..", "..", "runtime", "wbopenai", "openaigo_wrappers.go")
)

// TestWrappersDeclared checks the generated wrappers.go declares exactly
// the table's wrappers, each with a doc comment, and that the hand-written
// openaigo_wrappers.go declares OpenAICall, OpenAIValue and OpenAIErr for
// 0 to arity.OpenAIMax parameters, which the rewriter picks from.
func TestWrappersDeclared(t *testing.T) {
	got := declared(t, wrappersFile, regexp.MustCompile(`^Call[VE]?\d+$`))
	var want []string
	for _, f := range []struct {
		name string
		a    arityRange
	}{{"Call", callArity}, {"CallV", callVArity}, {"CallE", callEArity}} {
		for n := f.a.min; n <= f.a.max; n++ {
			want = append(want, f.name+strconv.Itoa(n))
		}
	}
	equal(t, "wrappers.go", got, want)

	got = declared(t, openAIWrappersFile, regexp.MustCompile(`^OpenAI(Call|Value|Err)\d+$`))
	want = nil
	for n := 0; n <= arity.OpenAIMax; n++ {
		for _, k := range []string{"Call", "Value", "Err"} {
			want = append(want, "OpenAI"+k+strconv.Itoa(n))
		}
	}
	equal(t, "openaigo_wrappers.go", got, want)
}

// declared returns the functions of file whose names match re, failing
// on one without a doc comment.
func declared(t *testing.T, file string, re *regexp.Regexp) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || !re.MatchString(fd.Name.Name) {
			continue
		}
		if fd.Doc == nil {
			t.Errorf("%s: %s has no doc comment", file, fd.Name.Name)
		}
		names = append(names, fd.Name.Name)
	}
	return names
}

// equal compares in order: the files declare the wrappers in the
// table's order.
func equal(t *testing.T, file string, got, want []string) {
	t.Helper()
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("%s declares %v, the arity table wants %v", file, got, want)
	}
}
