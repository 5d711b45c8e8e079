package rewriter

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
)

// Revert removes our instrumentation from the files the options name and
// restores what Rewrite changed, byte for byte: it recognises only the
// forms Rewrite writes, so the user's other edits stay. It needs no type
// information, so it works even when the instrumented code no longer
// builds.
func Revert(ctx context.Context, opts Options) (*Report, error) {
	o := &opts
	if err := o.normalize(); err != nil {
		return nil, err
	}
	files, modRoots, err := revertFiles(ctx, o)
	if err != nil {
		return nil, err
	}
	rep := &Report{}
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		if filepath.Base(name) == GlueFile {
			if bytes.HasPrefix(src, []byte(glueHeader)) {
				rep.Files = append(rep.Files, FileChange{Path: name, Old: src})
			}
			continue
		}
		if !bytes.Contains(src, []byte("wbi")) {
			continue
		}
		out, sites, err := revertSource(name, src)
		if err != nil {
			return nil, err
		}
		rep.Sites = append(rep.Sites, sites...)
		if !bytes.Equal(out, src) {
			rep.Files = append(rep.Files, FileChange{Path: name, Old: src, New: out})
		}
	}
	for _, root := range modRoots {
		c, runtimeOurs, err := revertGoMod(filepath.Join(root, "go.mod"))
		if err != nil {
			return nil, err
		}
		if c != nil {
			rep.Files = append(rep.Files, *c)
		}
		sc, err := revertGoSum(root, runtimeOurs)
		if err != nil {
			return nil, err
		}
		if sc != nil {
			rep.Files = append(rep.Files, *sc)
		}
		vc, err := revertVendor(root)
		if err != nil {
			return nil, err
		}
		rep.Files = append(rep.Files, vc...)
	}
	return finish(ctx, rep, o.DryRun, nil)
}

// revertFiles lists the .go files and module roots the arguments cover:
// directory trees are walked (no loading needed), patterns go through the
// go command for their file lists.
func revertFiles(ctx context.Context, o *Options) (files, roots []string, err error) {
	seenRoot := map[string]bool{}
	addRoot := func(dir string) {
		if gm := findGoMod(dir); gm != "" && !seenRoot[filepath.Dir(gm)] {
			seenRoot[filepath.Dir(gm)] = true
			roots = append(roots, filepath.Dir(gm))
		}
	}
	var patterns []string
	for _, arg := range o.Patterns {
		p, fi, serr := o.statArg(arg)
		if serr != nil || !fi.IsDir() || strings.Contains(arg, "...") {
			if serr != nil && (filepath.IsAbs(arg) || strings.HasPrefix(arg, ".")) && !strings.Contains(arg, "...") {
				return nil, nil, fmt.Errorf("%s: no such directory", arg)
			}
			patterns = append(patterns, arg)
			continue
		}
		if findGoMod(p) == "" {
			if _, derr := dirUnits(p); derr != nil {
				return nil, nil, derr
			}
		}
		addRoot(p)
		werr := filepath.Walk(p, func(path string, fi os.FileInfo, err error) error {
			if err != nil {
				return fmt.Errorf("%s: %v", path, err)
			}
			if fi.IsDir() {
				if path != p && skipDir(fi.Name()) {
					return filepath.SkipDir
				}
				if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
					addRoot(path)
				}
				return nil
			}
			if strings.HasSuffix(path, ".go") {
				files = append(files, path)
			}
			return nil
		})
		if werr != nil {
			return nil, nil, werr
		}
	}
	if len(patterns) > 0 {
		if findGoMod(o.Dir) == "" {
			return nil, nil, fmt.Errorf("%s: not in a Go module (no go.mod here or in a parent directory)", o.Dir)
		}
		cfg := &packages.Config{Mode: packages.NeedName | packages.NeedFiles | packages.NeedModule, Context: ctx, Dir: o.Dir}
		pkgs, lerr := packages.Load(cfg, patterns...)
		if lerr != nil {
			return nil, nil, lerr
		}
		for _, p := range pkgs {
			if p.Module == nil || len(p.GoFiles) == 0 || !within(p.Module.Dir, p.GoFiles[0]) {
				continue
			}
			addRoot(p.Module.Dir)
			dir := filepath.Dir(p.GoFiles[0])
			files = append(files, p.GoFiles...)
			// The glue may be excluded from GoFiles if it was broken;
			// always consider it.
			if g := filepath.Join(dir, GlueFile); fileExists(g) {
				files = append(files, g)
			}
		}
	}
	sort.Strings(files)
	files = dedup(files)
	return files, roots, nil
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func dedup(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// revertSource undoes our forms in one file.
func revertSource(name string, src []byte) ([]byte, []Site, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, nil, fmt.Errorf("%v (nothing changed)", err)
	}
	tf := fset.File(file.Pos())
	off := func(p token.Pos) int { return tf.Offset(p) }
	text := func(n ast.Node) string { return string(src[off(n.Pos()):off(n.End())]) }
	var edits []edit
	var sites []Site
	site := func(p token.Pos, target string) {
		ps := fset.Position(p)
		sites = append(sites, Site{File: name, Line: ps.Line, Column: ps.Column, Target: target, Kind: "reverted", Action: ActionReverted})
	}
	// del removes src[a:b] if it reads exactly want, so that only our own
	// forms are touched.
	del := func(a, b int, want string) bool {
		if a < 0 || b > len(src) || a > b || string(src[a:b]) != want {
			return false
		}
		edits = append(edits, edit{a, b, ""})
		return true
	}
	ast.Inspect(file, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.CallExpr:
			id, ok := x.Fun.(*ast.Ident)
			if !ok {
				return true
			}
			switch {
			case isCallWrapper(id.Name) && len(x.Args) == 2:
				lit, ok := x.Args[1].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				a0 := x.Args[0]
				if del(off(x.Pos()), off(a0.Pos()), id.Name+"(") {
					edits = append(edits, edit{off(a0.End()), off(x.Rparen) + 1, ""})
					site(a0.Pos(), text(a0))
				}
			case isOAIOpts(id.Name):
				// NewClient(wbiOAI3Opts(a, b)...): the forwarder's call
				// and the ellipsis after it go.
				rp := off(x.Rparen)
				if rp+4 <= len(src) && string(src[rp:rp+4]) == ")..." && del(off(x.Pos()), off(x.Lparen)+1, id.Name+"(") {
					edits = append(edits, edit{rp, rp + 4, ""})
					site(x.Pos(), "openai-go constructor")
				}
			case id.Name == wbiConfig && len(x.Args) == 1:
				a0 := x.Args[0]
				if del(off(x.Pos()), off(a0.Pos()), wbiConfig+"(") {
					edits = append(edits, edit{off(a0.End()), off(x.Rparen) + 1, ""})
					site(x.Pos(), ctorNewClientWithConfig)
				}
			case (id.Name == wbiNewClient && len(x.Args) == 3) || (id.Name == wbiNewOrgClient && len(x.Args) == 4):
				a0, a1 := text(x.Args[0]), text(x.Args[1])
				q := strings.TrimSuffix(a0, ctorNewClientWithConfig)
				if a0 == q || a1 != q+cfgDefault {
					return true
				}
				ctor := ctorNewClient
				if id.Name == wbiNewOrgClient {
					ctor = ctorNewOrgClient
				}
				start := off(x.Pos())
				want := fmt.Sprintf("%s(%s, %s, ", id.Name, a0, a1)
				if string(src[start:off(x.Args[2].Pos())]) == want {
					edits = append(edits, edit{start, off(x.Args[2].Pos()), q + ctor + "("})
					site(x.Pos(), ctor)
				}
			}
		case *ast.FuncDecl:
			if x.Recv == nil && x.Name.Name == "main" && x.Body != nil && len(x.Body.List) > 0 && isFinishDefer(x.Body.List[0]) {
				if e, ok := revertHook(src, tf, x.Body); ok {
					edits = append(edits, e)
					site(x.Body.List[0].Pos(), "Finish")
				}
			}
		}
		return true
	})
	if len(edits) == 0 {
		return src, nil, nil
	}
	out, err := applyEdits(src, edits)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", name, err)
	}
	if gofmtClean(src) {
		if f, err := formatSource(out); err == nil {
			out = f
		}
	}
	return out, sites, nil
}

// revertHook returns the deletion undoing our main() hook.
func revertHook(src []byte, tf *token.File, body *ast.BlockStmt) (edit, bool) {
	lb := tf.Offset(body.Lbrace)
	d := body.List[0]
	if tf.Line(body.Lbrace) == tf.Line(d.Pos()) {
		// One-line form: "{ defer wbiFinish(); rest }" or "{ defer wbiFinish() }".
		if rest := string(src[lb+1:]); strings.HasPrefix(rest, " "+finishStmt+";") {
			return edit{lb + 1, lb + 1 + len(finishStmt) + 2, ""}, true
		}
		if len(body.List) == 1 && string(src[lb+1:tf.Offset(body.Rbrace)]) == " "+finishStmt+" " {
			return edit{lb + 1, tf.Offset(body.Rbrace), ""}, true
		}
		return edit{}, false
	}
	ds, de := lineAt(src, tf.Offset(d.Pos()))
	if strings.TrimSpace(string(src[ds:de])) != finishStmt || de+1 >= len(src) {
		return edit{}, false
	}
	ls, le := lineAt(src, de+1)
	if !lineDirective.Match(src[ls:le]) {
		return edit{}, false
	}
	if le > ls && src[le-1] == '\r' {
		le--
	}
	// Remove the newline before our two lines and the lines themselves,
	// which is exactly what the rewrite inserted.
	start := ds - 1
	if start > 0 && src[start-1] == '\r' {
		start--
	}
	return edit{start, le, ""}, true
}
