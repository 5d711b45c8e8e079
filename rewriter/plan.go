package rewriter

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/types"
	"os"
	"path/filepath"

	"golang.org/x/tools/go/packages"
)

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

// A packagePlan is what planPackage computes for one package.
type packagePlan struct {
	// changes are the package's file changes, the glue file included.
	changes []FileChange
	sites   []Site
	warns   []string
	// glue tells whether the package refers to the glue, so that its
	// module needs the runtime.
	glue bool
}

// planPackage finds the sites of one package and computes its file
// changes, including the glue file. Files are edited as r.sources holds
// them, as they were parsed, or else as read now.
func planPackage(r *rewriteRun, p *packages.Package, reachesOpenAI bool) (packagePlan, error) {
	var plan packagePlan
	dir := filepath.Dir(p.GoFiles[0])
	gluePath := filepath.Join(dir, GlueFile)
	if err := checkCollisions(p, gluePath); err != nil {
		return packagePlan{}, err
	}
	f := &finder{opts: r.opts, pkg: p, modRoot: p.Module.Dir, hookPkg: p.Name == "main" && reachesOpenAI}
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
		src, ok := r.sources.get(name)
		if !ok {
			var rerr error
			if src, rerr = os.ReadFile(name); rerr != nil {
				return packagePlan{}, fmt.Errorf("%s: %v", name, rerr)
			}
		}
		if len(src) != tf.Size() {
			return packagePlan{}, fmt.Errorf("%s: changed while being rewritten; run again", name)
		}
		f.fileScope = f.newFileScope(file, tf, src, name, r.opts.SkipGenerated && ast.IsGenerated(file))
		start := len(f.out)
		f.walkFile()
		var edits []edit
		for _, fd := range f.out[start:] {
			if fd.major != 0 {
				majors[fd.major] = true
			}
			edits = append(edits, fd.edits...)
			if fd.glue {
				plan.glue = true
			}
		}
		edits = append(edits, f.hookEdits...)
		if len(edits) == 0 {
			continue
		}
		out, warn, ferr := finishFile(name, src, edits)
		if ferr != nil {
			return packagePlan{}, ferr
		}
		if warn != "" {
			f.warns = append(f.warns, warn)
		}
		if !bytes.Equal(out, src) {
			plan.changes = append(plan.changes, FileChange{Path: name, Old: src, New: out})
		}
	}
	if f.hookFound {
		plan.glue = true
	}
	for _, fd := range f.out {
		plan.sites = append(plan.sites, fd.site)
	}
	if plan.glue {
		want := glueSourceFor(p.Name, majors, wantsBridge(p.Module.GoMod, r.opts.Replace))
		cur, rerr := os.ReadFile(gluePath)
		if rerr != nil {
			cur = nil
		}
		if !bytes.Equal(cur, want) {
			plan.changes = append(plan.changes, FileChange{Path: gluePath, Old: cur, New: want})
		}
	}
	plan.warns = f.warns
	return plan, nil
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
