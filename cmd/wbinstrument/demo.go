package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/wbinstrument/wbinstrument/internal/checkout"
	"github.com/wbinstrument/wbinstrument/internal/demo"
)

func runDemo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	dir := fs.String("dir", ".", "`directory` whose wandb/ subdirectory receives the run (like WANDB_DIR)")
	keep := fs.Bool("keep", false, "keep the temporary copy of the rewritten example program")
	sdk := fs.String("sdk", demo.SDKGoOpenAI, "the example program's `SDK`: go-openai or openai-go (the official github.com/openai/openai-go/v3)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `usage: wbinstrument demo [-dir DIR] [-keep] [-sdk go-openai|openai-go]

Copies a small example program that uses go-openai (or, with -sdk
openai-go, the official SDK openai-go) into a temporary
directory, rewrites it with wbinstrument, builds it, and runs it against a
built-in fake OpenAI server on 127.0.0.1. The program writes a real offline
W&B run under DIR/wandb/; the demo then prints what was logged, read back
from the run file. No network, no OpenAI key, no W&B account.

Examples:

	go run ./cmd/wbinstrument demo
	go run ./cmd/wbinstrument demo -dir /tmp/runs -keep
	go run ./cmd/wbinstrument demo -sdk openai-go

Flags:
`)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	// A released tool's demo uses the published runtime, as its rewrites
	// do; a build from a checkout uses the checkout's.
	var root string
	bv := readBuildVersion()
	if !bv.released() {
		r, err := checkout.Root()
		if err != nil {
			fmt.Fprintln(stderr, "wbinstrument demo:", err)
			return 1
		}
		root = r
	}
	wandbDir, err := filepath.Abs(*dir)
	if err != nil {
		fmt.Fprintln(stderr, "wbinstrument demo:", err)
		return 1
	}
	work, err := os.MkdirTemp("", "wbinstrument-demo-")
	if err != nil {
		fmt.Fprintln(stderr, "wbinstrument demo:", err)
		return 1
	}
	if *keep {
		fmt.Fprintf(stderr, "demo: keeping the example program in %s\n", work)
	} else {
		defer os.RemoveAll(work)
	}
	res, err := demo.Run(context.Background(), demo.Options{Root: root, RuntimeVersion: bv.runtime, WorkDir: filepath.Join(work, "wbdemo"), WandbDir: wandbDir, Log: stderr, SDK: *sdk})
	if err != nil {
		fmt.Fprintln(stderr, "wbinstrument demo:", err)
		return 1
	}
	fmt.Fprintf(stdout, "The example program printed:\n\n%s", res.Output)
	demo.PrintSummary(stdout, res)
	return 0
}
