// Command wbinstrument rewrites Go programs that call OpenAI through
// github.com/sashabaranov/go-openai or the official
// github.com/openai/openai-go so that every call is logged to Weights &
// Biases, and works with the runs they write.
//
// Usage:
//
//	wbinstrument <command> [flags] [arguments]
//
// Run "wbinstrument help" for the list of commands.
//
// Where to start: the commands table in this file names every command and
// the function that runs it, in the file named after the command
// (rewrite.go and revert.go drive package rewriter, view.go package view,
// sync.go and sync_spans.go upload runs with runtime/wandb and
// runtime/wbopenai, demo.go runs package demo). The work itself is in
// those packages; this package parses flags and prints.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
)

// A command is one subcommand of the CLI; its run function lives in a
// file named after it.
type command struct {
	name  string
	short string // one line for the command list
	// run executes the command with the arguments after its name and
	// returns the process exit status.
	run func(args []string, stdout, stderr io.Writer) int
}

// commands is every subcommand, by name.
var commands = map[string]*command{
	"rewrite": {name: "rewrite", short: "instrument the go-openai and openai-go calls of a Go module in place", run: runRewrite},
	"revert":  {name: "revert", short: "remove the instrumentation a rewrite added, byte for byte", run: runRevert},
	"view":    {name: "view", short: "browse a run's calls locally: trace table, timeline, models", run: runView},
	"sync":    {name: "sync", short: "upload offline W&B runs (or unfinished online uploads) to W&B", run: runSync},
	"demo":    {name: "demo", short: "instrument and run an example program against a fake OpenAI server", run: runDemo},
	"version": {name: "version", short: "print the version of wbinstrument", run: runVersion},
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches to a subcommand; it is main without the os.Exit, for tests.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		if len(args) > 1 {
			c, ok := commands[args[1]]
			if !ok {
				fmt.Fprintf(stderr, "wbinstrument help: unknown command %q\nRun 'wbinstrument help' for the list of commands.\n", args[1])
				return 2
			}
			return c.run([]string{"-h"}, stdout, stderr)
		}
		if len(args) == 0 {
			// A mistake, like a bad flag: the usage goes where errors go,
			// as go and gofmt do.
			usage(stderr)
			return 2
		}
		usage(stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "wbinstrument: unknown command %q\nRun 'wbinstrument help' for usage.\n", args[0])
		return 2
	}
	return c.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprint(w, "wbinstrument logs every OpenAI call of a Go program (go-openai or openai-go) to Weights & Biases.\n\nUsage:\n\n\twbinstrument <command> [flags] [arguments]\n\nCommands:\n\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "\t%-10s %s\n", n, commands[n].short)
	}
	fmt.Fprint(w, "\nRun 'wbinstrument help <command>' for a command's flags and examples.\n")
}

// parseFlags parses args like fs.Parse, but prints the usage asked for
// with -h on stdout (exit status 0), once, and a bad flag's error and the
// usage on stderr (exit status 2). It reports the exit status to return
// when parsing ends the command. Every command parses its flags with it;
// its fs.Usage must write to fs.Output().
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case err == nil:
		fs.SetOutput(stderr)
		return 0, true
	case err == flag.ErrHelp:
		fs.SetOutput(stdout)
		fs.Usage()
		return 0, false
	default:
		fs.SetOutput(stderr)
		fmt.Fprintf(stderr, "wbinstrument %s: %v\n", fs.Name(), err)
		fs.Usage()
		return 2, false
	}
}
