package rewriter

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"golang.org/x/mod/semver"
)

// Options configure Rewrite and Revert.
type Options struct {
	// Dir is the working directory that relative arguments are resolved
	// against; "" means the process's current directory.
	Dir string
	// Patterns are directories (meaning the directory tree, in every module
	// found there) or package patterns such as ./... or import paths.
	// Empty means ".".
	Patterns []string
	// Replace is a local checkout of wbinstrument; when set, the user's
	// go.mod gets a replace of the runtime module to Replace/runtime.
	Replace string
	// Pkg is the import path matched as go-openai; "" means DefaultPkg.
	Pkg string
	// SkipGenerated leaves files marked "Code generated ... DO NOT EDIT."
	// alone (our own glue file excepted).
	SkipGenerated bool
	// DryRun computes the report and the changes but writes nothing.
	DryRun bool
	// RuntimeVersion is the published runtime version to require, with
	// its go.sum lines and no replace; ignored (PseudoVersion is used)
	// when Replace is set. One of the two must be set.
	RuntimeVersion string
	// Progress, when non-nil, receives progress lines for long loads.
	Progress io.Writer
}

// Rewrite instruments every go-openai use in the packages the options
// name. It changes no file at all when anything fails; with DryRun it only
// reports what it would change.
func Rewrite(ctx context.Context, opts Options) (*Report, error) {
	o := &opts
	if err := o.normalize(); err != nil {
		return nil, err
	}
	if err := o.checkRuntimeVersion(); err != nil {
		return nil, err
	}
	units, err := resolveArgs(o)
	if err != nil {
		return nil, err
	}
	pkgs, srcs, err := load(ctx, o, units)
	if err != nil {
		return nil, err
	}
	r := &rewriteRun{opts: o, sources: srcs}
	rep := &Report{}
	var st *stager
	if !o.DryRun {
		st = newStager()
		defer st.discard()
	}
	modules := map[string]string{} // go.mod path -> module root, for modules we instrument
	reach := reacher{pkg: o.Pkg, memo: map[string]bool{}}
	for _, p := range pkgs {
		if p.Module == nil || p.Module.GoMod == "" {
			return nil, fmt.Errorf("%s: package %s is not in a Go module", filepath.Dir(p.GoFiles[0]), p.PkgPath)
		}
		if p.Module.Dir != "" && !within(p.Module.Dir, filepath.Dir(p.GoFiles[0])) {
			continue // a dependency's package named by import path
		}
		plan, err := planPackage(r, p, reach.reaches(p))
		if err != nil {
			return nil, err
		}
		rep.Sites = append(rep.Sites, plan.sites...)
		rep.Warnings = append(rep.Warnings, plan.warns...)
		rep.Files = append(rep.Files, plan.changes...)
		st.add(plan.changes)
		if plan.glue {
			modules[p.Module.GoMod] = p.Module.Dir
		}
		if err := ctx.Err(); err != nil {
			return nil, interrupted(err)
		}
	}
	rep.Warnings = append(rep.Warnings, uncovered(o, pkgs)...)
	var mods []string
	for m := range modules {
		mods = append(mods, m)
	}
	sort.Strings(mods)
	for _, m := range mods {
		c, sum, ours, err := rewriteGoMod(m, o)
		if err != nil {
			return nil, err // it names go.mod, with the line where it can
		}
		if c != nil {
			rep.Files = append(rep.Files, *c)
		}
		if sum {
			sc, err := rewriteGoSum(modules[m], o.RuntimeVersion, ours)
			if err != nil {
				return nil, err
			}
			if sc != nil {
				rep.Files = append(rep.Files, *sc)
			}
		}
		vc, err := rewriteVendor(modules[m], o)
		if err != nil {
			return nil, err
		}
		rep.Files = append(rep.Files, vc...)
	}
	return finish(ctx, rep, o.DryRun, st)
}

// rewriteRun is what one Rewrite knows besides its options: the state
// the load produced, which the planning of every package reads. It keeps
// that state off the public Options.
type rewriteRun struct {
	opts *Options
	// sources are the bytes go/packages parsed, by file name: the
	// rewrite edits the text that was type-checked.
	sources *sources
}

// normalize fills in the defaults (Dir, Patterns, Pkg) and makes Dir and
// Replace absolute, checking that Replace is a wbinstrument checkout.
func (o *Options) normalize() error {
	if o.Dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return fmt.Errorf("rewriter: working directory: %v", err)
		}
		o.Dir = wd
	}
	abs, err := filepath.Abs(o.Dir)
	if err != nil {
		return fmt.Errorf("rewriter: %s: %v", o.Dir, err)
	}
	o.Dir = abs
	if len(o.Patterns) == 0 {
		o.Patterns = []string{"."}
	}
	if o.Pkg == "" {
		o.Pkg = DefaultPkg
	}
	if o.Replace != "" {
		r, err := filepath.Abs(o.Replace)
		if err != nil {
			return fmt.Errorf("rewriter: -replace %s: %v", o.Replace, err)
		}
		if fi, err := os.Stat(filepath.Join(r, "runtime", "go.mod")); err != nil || fi.IsDir() {
			return fmt.Errorf("rewriter: -replace %s: no runtime/go.mod there: not a wbinstrument checkout", o.Replace)
		}
		o.Replace = r
	}
	if o.Replace != "" {
		o.RuntimeVersion = PseudoVersion
	}
	return nil
}

// checkRuntimeVersion makes sure a rewrite knows where the runtime comes
// from: a checkout (Replace) or a published version.
func (o *Options) checkRuntimeVersion() error {
	switch {
	case o.Replace != "":
		return nil
	case o.RuntimeVersion == "":
		return fmt.Errorf("rewriter: no runtime version to require: set Options.RuntimeVersion (a released runtime) or Options.Replace (a checkout)")
	case !semver.IsValid(o.RuntimeVersion):
		return fmt.Errorf("rewriter: runtime version %q is not a semantic version such as v0.1.0", o.RuntimeVersion)
	}
	return nil
}

// statArg returns argument arg as a path (a relative one is taken from
// o.Dir) and what os.Stat says of it, by which Rewrite and Revert tell
// directory arguments from package patterns.
func (o *Options) statArg(arg string) (string, os.FileInfo, error) {
	p := arg
	if !filepath.IsAbs(p) {
		p = filepath.Join(o.Dir, p)
	}
	fi, err := os.Stat(p)
	return p, fi, err
}

// progressf writes a progress line to o.Progress, if it is set.
func (o *Options) progressf(format string, args ...interface{}) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format+"\n", args...)
	}
}
