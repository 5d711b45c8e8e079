package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"github.com/wbinstrument/wbinstrument/internal/checkout"
	"github.com/wbinstrument/wbinstrument/rewriter"
)

const rewriteUsage = `usage: wbinstrument rewrite [flags] [dir | package pattern ...]

Rewrites every go-openai and openai-go client construction and call in
user code so that each call is logged to Weights & Biases by the
wbinstrument runtime. A
directory means that directory and everything below it, in every module
found there; ./... style patterns and import paths are resolved in the
current module. No argument means ".".

Examples:

	go tool wbinstrument rewrite ./...     # after go get -tool (recommended)
	wbinstrument rewrite -l ./...          # CI: exit 1 if not instrumented
	wbinstrument rewrite -d ./cmd/app      # show the diff, write nothing
	wbinstrument rewrite -replace ~/src/wbinstrument .
	//go:generate go tool wbinstrument rewrite ./...

A released wbinstrument requires its own runtime version in go.mod and
adds the runtime's go.sum lines (from the go command: GOPROXY, GOFLAGS
and GONOSUMDB apply), so the rewritten module builds on any machine. A
build from a checkout points go.mod at the checkout's runtime instead.

Flags:
`

// rewriteFlags are the flags shared by rewrite and revert.
type rewriteFlags struct {
	list, diff, json, quiet, skipGenerated bool
	replace, pkg                           string
}

func newFlagSet(name, usage string, stderr io.Writer, rf *rewriteFlags, full bool) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	fs.BoolVar(&rf.list, "l", false, "list the files that would change; write nothing (exit 1 if any)")
	fs.BoolVar(&rf.diff, "d", false, "print a unified diff of the changes; write nothing (exit 1 if any)")
	fs.BoolVar(&rf.json, "json", false, "print a JSON report of every site and changed file (instead of the -l list or -d diff)")
	fs.BoolVar(&rf.quiet, "q", false, "quiet: no progress or notes on stderr, only warnings and errors (implied by -l)")
	if full {
		fs.StringVar(&rf.replace, "replace", "", "local wbinstrument checkout: require its runtime through a replace with `DIR`/runtime in go.mod (default for a build from a checkout: that checkout; a released tool requires the published runtime)")
		fs.StringVar(&rf.pkg, "pkg", rewriter.DefaultPkg, "import `path` of go-openai (for a fork)")
		fs.BoolVar(&rf.skipGenerated, "skip-generated", true, "leave files marked \"Code generated ... DO NOT EDIT.\" alone")
	}
	return fs
}

func runRewrite(args []string, stdout, stderr io.Writer) int {
	var rf rewriteFlags
	fs := newFlagSet("rewrite", rewriteUsage, stderr, &rf, true)
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	progress := rf.progress(stderr)
	bv := readBuildVersion()
	if rf.replace == "" && !bv.released() {
		// A build from a checkout has no published runtime to require:
		// the rewritten program gets the checkout's.
		root, err := checkout.Root()
		if err != nil {
			fmt.Fprintf(stderr, "wbinstrument rewrite: this build of wbinstrument comes from a checkout, not a release, so its runtime is not published; pass -replace DIR, DIR a wbinstrument checkout, or install a release: go install %s@latest (%v)\n", rewriter.ToolPackage, err)
			return 1
		}
		rf.replace = root
		if progress != nil {
			fmt.Fprintf(progress, "using the runtime of the wbinstrument checkout at %s (-replace %s)\n", root, root)
		}
	}
	opts := rewriter.Options{
		Patterns:       fs.Args(),
		Replace:        rf.replace,
		Pkg:            rf.pkg,
		SkipGenerated:  rf.skipGenerated,
		DryRun:         rf.list || rf.diff,
		RuntimeVersion: bv.runtime,
		Progress:       progress,
	}
	ctx, stop := interruptible()
	defer stop()
	rep, err := rewriter.Rewrite(ctx, opts)
	return finishReport("rewrite", rep, err, rf, stdout, stderr)
}

// interruptible returns a context that Ctrl-C (or SIGTERM) ends, so that
// a rewrite or revert stops before it changes anything and removes the
// temp files it wrote, instead of the process dying with them in the
// user's tree. Once stop is called, the signals act as usual again.
func interruptible() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// progress returns where progress lines and notes go: stderr, so that
// stdout holds only what -l, -d or -json print, or nil with -q or -l
// (a list of file names wants nothing else around it).
func (rf *rewriteFlags) progress(stderr io.Writer) io.Writer {
	if rf.quiet || rf.list {
		return nil
	}
	return stderr
}

// finishReport prints the report as the flags ask and returns the exit
// status: 1 for an error, or for -l/-d when something would change.
func finishReport(cmd string, rep *rewriter.Report, err error, rf rewriteFlags, stdout, stderr io.Writer) int {
	if err != nil {
		fmt.Fprintf(stderr, "wbinstrument %s: %v\n", cmd, err)
		return 1
	}
	wd, _ := os.Getwd()
	for _, w := range rep.Warnings {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	// With -json, stdout is the JSON document alone, so that it parses;
	// its changed_files are what -l would list.
	if rf.list && !rf.json {
		var names []string
		for _, f := range rep.Files {
			names = append(names, f.Path)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintln(stdout, n)
		}
	}
	if rf.diff && !rf.json {
		fmt.Fprint(stdout, rep.Diff(wd))
	}
	if rf.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintf(stderr, "wbinstrument %s: %v\n", cmd, err)
			return 1
		}
	} else if !rf.list && !rf.diff {
		fmt.Fprintln(stdout, rep.Summary())
	}
	if (rf.list || rf.diff) && rep.Changed() {
		return 1
	}
	return 0
}
