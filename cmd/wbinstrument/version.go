package main

import (
	"flag"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/wbinstrument/wbinstrument/internal/checkout"
	"github.com/wbinstrument/wbinstrument/rewriter"
)

// releaseVersion is the version this source tree is released as: the tag
// vX.Y.Z of the root module, after runtime/vX.Y.Z of the runtime module,
// which the root go.mod requires at the same version (RELEASING.md;
// TestReleaseVersion holds the two together). A build from a checkout
// reports "(devel)" and uses the checkout's runtime instead.
const releaseVersion = "v0.1.0"

// A buildVersion is what the binary knows of where it came from.
type buildVersion struct {
	// tool is the version of the module holding this command, as the go
	// command recorded it: vX.Y.Z for go install ...@vX.Y.Z or go tool,
	// "(devel)" for a build inside a checkout.
	tool string
	// runtime is the published runtime version the binary was built
	// with, which rewrites require; "" when the runtime came from a
	// directory (a checkout's workspace or a replace), so that rewrites
	// must point at a checkout.
	runtime string
}

// readBuildVersion reads the module versions the go command stamped into
// the binary. The runtime's version is read from the dependency itself
// rather than derived from the tool's: under `go tool`, the user's module
// may select a newer runtime than the tool's go.mod requires, and the
// rewrite must then keep that one rather than downgrade it.
func readBuildVersion() buildVersion {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		info = &debug.BuildInfo{} // a binary built without module support
	}
	return versionFrom(info)
}

func versionFrom(info *debug.BuildInfo) buildVersion {
	bv := buildVersion{tool: "(devel)"}
	if info.Main.Path == checkout.ModulePath && info.Main.Version != "" {
		bv.tool = info.Main.Version
	}
	for _, d := range info.Deps {
		switch d.Path {
		case checkout.ModulePath:
			// go run or go tool of the command from a dependency
			// module: the main module is the user's.
			if d.Version != "" {
				bv.tool = d.Version
			}
		case rewriter.RuntimeModule:
			switch {
			case d.Version == "(devel)" || d.Version == "":
			case d.Replace != nil && d.Replace.Version == "":
				// Replaced by a directory: not published.
			case d.Replace != nil:
				bv.runtime = d.Replace.Version
			default:
				bv.runtime = d.Version
			}
		}
	}
	return bv
}

// released reports whether the binary was built from published modules,
// so that its rewrites require the published runtime.
func (bv buildVersion) released() bool { return bv.runtime != "" }

// String is the version line: the tool's version, and the runtime's where
// it is not the same.
func (bv buildVersion) String() string {
	switch {
	case !bv.released():
		return fmt.Sprintf("wbinstrument %s (a build from a checkout of %s; rewrites use the checkout's runtime)", bv.tool, releaseVersion)
	case bv.runtime != bv.tool:
		return fmt.Sprintf("wbinstrument %s (runtime %s)", bv.tool, bv.runtime)
	}
	return "wbinstrument " + bv.tool
}

// runVersion prints the version line.
func runVersion(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: wbinstrument version\n\nPrints the tool's version, and the runtime module version that rewrites require where it differs.")
	}
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "wbinstrument version: takes no arguments, got %q\n", fs.Args())
		fs.Usage()
		return 2
	}
	fmt.Fprintln(stdout, readBuildVersion())
	return 0
}
