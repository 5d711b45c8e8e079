package main

import (
	"io"

	"github.com/wbinstrument/wbinstrument/rewriter"
)

const revertUsage = `usage: wbinstrument revert [flags] [dir | package pattern ...]

Removes what "wbinstrument rewrite" added: the call-site and constructor
wrappers, the deferred finish in main, the generated wbinstrument_gen.go
files, the go.mod lines and the vendored runtime. The files come back
byte for byte; edits made since the rewrite stay. Arguments as for rewrite.

Examples:

	wbinstrument revert .
	wbinstrument revert -l ./...    # list what would change

Flags:
`

func runRevert(args []string, stdout, stderr io.Writer) int {
	var rf rewriteFlags
	fs := newFlagSet("revert", revertUsage, stderr, &rf, false)
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	ctx, stop := interruptible()
	defer stop()
	rep, err := rewriter.Revert(ctx, rewriter.Options{
		Patterns: fs.Args(),
		DryRun:   rf.list || rf.diff,
		Progress: rf.progress(stderr),
	})
	return finishReport("revert", rep, err, rf, stdout, stderr)
}
