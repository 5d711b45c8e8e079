package rewriter

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/types"
	"os"
	"path/filepath"
	"sort"

	"golang.org/x/tools/go/packages"
)

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
	o.sources = srcs
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
		changes, sites, warns, glue, err := planPackage(o, p, reach.reaches(p))
		if err != nil {
			return nil, err
		}
		rep.Sites = append(rep.Sites, sites...)
		rep.Warnings = append(rep.Warnings, warns...)
		rep.Files = append(rep.Files, changes...)
		st.add(changes)
		if glue {
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
	rep.sort()
	if err := ctx.Err(); err != nil {
		return nil, interrupted(err)
	}
	if !o.DryRun && len(rep.Files) > 0 {
		if err := commit(rep.Files, st.wait()); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// reacher answers whether a package imports go-openai, directly or not.
type reacher struct {
	pkg  string
	memo map[string]bool
}

func (r *reacher) reaches(p *packages.Package) bool {
	if v, ok := r.memo[p.ID]; ok {
		return v
	}
	r.memo[p.ID] = false // cycles cannot happen in Go, but be safe
	v := p.PkgPath == r.pkg || oaiMajor(p.PkgPath) != 0
	for _, imp := range p.Imports {
		if v {
			break
		}
		v = r.reaches(imp)
	}
	r.memo[p.ID] = v
	return v
}

// planPackage finds the sites of one package and computes its file
// changes, including the glue file; glue reports whether the package
// refers to the glue (so its module needs the runtime). Files are edited
// as o.sources holds them, as they were parsed, or else as read now.
func planPackage(o *Options, p *packages.Package, reachesOpenAI bool) (changes []FileChange, sites []Site, warns []string, glue bool, err error) {
	dir := filepath.Dir(p.GoFiles[0])
	gluePath := filepath.Join(dir, GlueFile)
	if err := checkCollisions(p, gluePath); err != nil {
		return nil, nil, nil, false, err
	}
	f := &finder{opts: o, pkg: p, modRoot: p.Module.Dir, hookPkg: p.Name == "main" && reachesOpenAI}
	f.findClient()
	majors := map[int]bool{} // openai-go majors whose glue the package uses
	for _, file := range p.Syntax {
		tf := p.Fset.File(file.Pos())
		if tf == nil {
			continue
		}
		name := tf.Name()
		if filepath.Base(name) == GlueFile || !within(p.Module.Dir, name) {
			continue
		}
		src, ok := o.sources.get(name)
		if !ok {
			var rerr error
			if src, rerr = os.ReadFile(name); rerr != nil {
				return nil, nil, nil, false, fmt.Errorf("%s: %v", name, rerr)
			}
		}
		if len(src) != tf.Size() {
			return nil, nil, nil, false, fmt.Errorf("%s: changed while being rewritten; run again", name)
		}
		f.file, f.tfile, f.src, f.filename = file, tf, src, name
		f.generated = o.SkipGenerated && ast.IsGenerated(file)
		f.hookEdits = nil
		f.hookEnd = -1
		f.scanDirectives()
		start := len(f.out)
		f.walkFile()
		var edits []edit
		for _, fd := range f.out[start:] {
			if fd.major != 0 {
				majors[fd.major] = true
			}
			edits = append(edits, fd.edits...)
			if fd.glue {
				glue = true
			}
		}
		edits = append(edits, f.hookEdits...)
		if len(edits) == 0 {
			continue
		}
		out, warn, ferr := finishFile(name, src, edits)
		if ferr != nil {
			return nil, nil, nil, false, ferr
		}
		if warn != "" {
			f.warns = append(f.warns, warn)
		}
		if !bytes.Equal(out, src) {
			changes = append(changes, FileChange{Path: name, Old: src, New: out})
		}
	}
	if f.hookFound {
		glue = true
	}
	for _, fd := range f.out {
		sites = append(sites, fd.site)
	}
	if glue {
		want := glueSourceFor(p.Name, majors, wantsBridge(p.Module.GoMod, o.Replace))
		cur, rerr := os.ReadFile(gluePath)
		if rerr != nil {
			cur = nil
		}
		if !bytes.Equal(cur, want) {
			changes = append(changes, FileChange{Path: gluePath, Old: cur, New: want})
		}
	}
	return changes, sites, f.warns, glue, nil
}

// checkCollisions fails when the user's package declares a name the glue
// file needs.
func checkCollisions(p *packages.Package, gluePath string) error {
	names := reservedNames()
	for m := 1; m <= 3; m++ {
		names = append(names, oaiReservedNames(m)...)
	}
	for _, n := range names {
		obj := p.Types.Scope().Lookup(n)
		if obj == nil {
			continue
		}
		pos := p.Fset.Position(obj.Pos())
		if pos.Filename == gluePath {
			continue
		}
		if _, ok := obj.(*types.Func); !ok || filepath.Base(pos.Filename) != GlueFile {
			return fmt.Errorf("%s: %s is declared here but wbinstrument needs that name in package %s; rename it", pos, n, p.PkgPath)
		}
	}
	return nil
}
