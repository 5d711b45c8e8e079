// Package demo runs wbinstrument end to end on a small example program: it
// copies the program into a work directory, rewrites it with the real
// rewriter, builds and runs it against the built-in fake OpenAI server, and
// reads back the offline W&B run it wrote. The `wbinstrument demo` command
// and the end-to-end tests share it.
package demo

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

//go:embed testdata/program/main.go testdata/program/go.sum.txt testdata/programoai/main.go testdata/programoai/go.mod.txt testdata/programoai/go.sum.txt
var program embed.FS

// SDKs the demo has an example program for.
const (
	SDKGoOpenAI = "go-openai"
	SDKOpenAIGo = "openai-go"
)

// GoOpenAIVersion is the go-openai version the example program pins.
const GoOpenAIVersion = "v1.43.0"

// DemoAPIKey is the fake key the example program sends. It looks like a
// real key so the tests can prove it never reaches the run files.
const DemoAPIKey = "sk-wbinstrument-demo-0123456789abcdef"

// WriteProgram writes the example program as a module into dir: main.go,
// go.mod and the go.sum lines of go-openai, so that building it needs
// nothing beyond the module cache or proxy. The program lives under
// testdata/ so that the CLI's module does not require go-openai, which
// `go get -tool` would otherwise impose on its users' programs.
func WriteProgram(dir string) error {
	src, err := program.ReadFile("testdata/program/main.go")
	if err != nil {
		return err
	}
	mod := "module example.com/wbdemo\n\ngo 1.22\n\nrequire github.com/sashabaranov/go-openai " + GoOpenAIVersion + "\n"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, data := range map[string][]byte{"main.go": src, "go.mod": []byte(mod), "go.sum": GoSum()} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// GoSum returns the go.sum lines of go-openai at GoOpenAIVersion, for the
// example program and the test modules built like it.
func GoSum() []byte {
	sum, err := program.ReadFile("testdata/program/go.sum.txt")
	if err != nil {
		panic(err) // embedded: cannot happen
	}
	return sum
}

// WriteProgramOpenAIGo writes the openai-go example program as a module
// into dir, with its go.mod and go.sum (openai-go v3.102.0 and its
// dependencies) as they are embedded, so that building it needs nothing
// beyond the module cache (or the module proxy on a first run).
func WriteProgramOpenAIGo(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, src := range map[string]string{"main.go": "testdata/programoai/main.go", "go.mod": "testdata/programoai/go.mod.txt", "go.sum": "testdata/programoai/go.sum.txt"} {
		data, err := program.ReadFile(src)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writeProgram writes the example program of sdk ("" is go-openai).
func writeProgram(dir, sdk string) error {
	switch sdk {
	case "", SDKGoOpenAI:
		return WriteProgram(dir)
	case SDKOpenAIGo:
		return WriteProgramOpenAIGo(dir)
	}
	return fmt.Errorf("no example program for SDK %q (want %s or %s)", sdk, SDKGoOpenAI, SDKOpenAIGo)
}

// Build compiles the module in dir into dir/program and returns its path.
func Build(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "program")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build in %s: %v\n%s", dir, err, out)
	}
	return bin, nil
}

// Exec runs bin with the given extra environment and returns its stdout;
// stderr goes to the given writer (it carries the run's start and finish
// lines).
func Exec(ctx context.Context, bin string, env []string, stderr io.Writer) ([]byte, error) {
	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(os.Environ(), env...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = stderr
	err := cmd.Run()
	if err != nil {
		return stdout.Bytes(), fmt.Errorf("running %s: %v", bin, err)
	}
	return stdout.Bytes(), nil
}
