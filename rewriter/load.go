package rewriter

import (
	"context"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/tools/go/packages"
)

// A loadUnit is one go/packages query: patterns run from dir. Directory
// arguments become one unit per module found below them.
type loadUnit struct {
	dir      string
	patterns []string
	// under restricts the result to packages in this directory tree ("" =
	// no restriction), so a directory argument inside a module means that
	// tree only.
	under string
}

// modCache is the module cache, which holds thousands of modules that are
// not the user's: a directory argument above it (a home directory) must
// not walk into it.
var modCache = func() string {
	if c := os.Getenv("GOMODCACHE"); c != "" {
		return filepath.Clean(c)
	}
	if gp := filepath.SplitList(build.Default.GOPATH); len(gp) > 0 && gp[0] != "" {
		return filepath.Join(gp[0], "pkg", "mod")
	}
	return ""
}()

// skipDir reports directories the go command ignores for ./... and that
// we therefore never walk.
func skipDir(name string) bool {
	return name == "vendor" || name == "testdata" || name == "node_modules" ||
		strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// resolveArgs turns the arguments into load units.
func resolveArgs(o *Options) ([]loadUnit, error) {
	var units []loadUnit
	var patterns []string
	for _, arg := range o.Patterns {
		p, fi, err := o.statArg(arg)
		if err != nil || !fi.IsDir() || strings.Contains(arg, "...") {
			if err == nil && !fi.IsDir() {
				return nil, fmt.Errorf("%s: not a directory or package pattern", arg)
			}
			if os.IsPermission(err) {
				return nil, fmt.Errorf("%s: %v", arg, err)
			}
			if err != nil && (filepath.IsAbs(arg) || strings.HasPrefix(arg, ".")) && !strings.Contains(arg, "...") {
				return nil, fmt.Errorf("%s: no such directory", arg)
			}
			patterns = append(patterns, arg)
			continue
		}
		dirUnits, err := dirUnits(p)
		if err != nil {
			return nil, err
		}
		units = append(units, dirUnits...)
	}
	if len(patterns) > 0 {
		if findGoMod(o.Dir) == "" {
			return nil, fmt.Errorf("%s: not in a Go module (no go.mod here or in a parent directory)", o.Dir)
		}
		units = append(units, loadUnit{dir: o.Dir, patterns: patterns})
	}
	return units, nil
}

// dirUnits returns a unit for the module containing dir (restricted to
// dir's tree) and one per nested module below dir.
func dirUnits(dir string) ([]loadUnit, error) {
	var units []loadUnit
	if findGoMod(dir) != "" {
		units = append(units, loadUnit{dir: dir, patterns: []string{"./..."}, under: dir})
	}
	err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
		if !fi.IsDir() || path == dir {
			return nil
		}
		if skipDir(fi.Name()) || path == modCache {
			return filepath.SkipDir
		}
		if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
			units = append(units, loadUnit{dir: path, patterns: []string{"./..."}, under: path})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(units) == 0 {
		return nil, fmt.Errorf("%s: not a Go module (no go.mod in it, its parents or below it)", dir)
	}
	return units, nil
}

// findGoMod returns the go.mod governing dir, or "".
func findGoMod(dir string) string {
	for {
		p := filepath.Join(dir, "go.mod")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

const loadMode = packages.NeedName | packages.NeedFiles | packages.NeedImports |
	packages.NeedTypes | packages.NeedSyntax | packages.NeedTypesInfo | packages.NeedModule

// sources keeps the bytes go/packages parsed, by file name, so that the
// rewrite edits exactly the text that was type-checked and does not read
// each file a second time.
type sources struct {
	mu    sync.Mutex
	files map[string][]byte
}

// parseFile is the parser go/packages uses when Config.ParseFile is nil,
// keeping src.
func (s *sources) parseFile(fset *token.FileSet, filename string, src []byte) (*ast.File, error) {
	s.mu.Lock()
	s.files[filename] = src
	s.mu.Unlock()
	return parser.ParseFile(fset, filename, src, parser.AllErrors|parser.ParseComments)
}

// get returns the bytes parsed as filename, if it was parsed.
func (s *sources) get(filename string) ([]byte, bool) {
	if s == nil {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	src, ok := s.files[filename]
	return src, ok
}

// load runs every unit and returns the root packages, deduplicated, in a
// stable order, and the sources it parsed. Any package error (in roots or
// their dependencies) fails the whole load: a partial type check could
// miss sites.
func load(ctx context.Context, o *Options, units []loadUnit) ([]*packages.Package, *sources, error) {
	srcs := &sources{files: map[string][]byte{}}
	seen := map[string]bool{}
	var roots []*packages.Package
	var all []*packages.Package // every package visited, roots and dependencies
	visited := map[*packages.Package]bool{}
	dirOf := map[*packages.Package]string{} // the directory go list ran in
	for _, u := range units {
		start := time.Now()
		o.progressf("loading %s in %s...", strings.Join(u.patterns, " "), u.dir)
		cfg := &packages.Config{Mode: loadMode, Context: ctx, Dir: u.dir, Tests: false, ParseFile: srcs.parseFile}
		pkgs, err := packages.Load(cfg, u.patterns...)
		if err != nil {
			return nil, nil, fmt.Errorf("loading %s in %s: %v", strings.Join(u.patterns, " "), u.dir, err)
		}
		n := 0
		packages.Visit(pkgs, nil, func(p *packages.Package) {
			n++
			if !visited[p] {
				visited[p] = true
				dirOf[p] = u.dir
				all = append(all, p)
			}
		})
		o.progressf("loaded %d packages in %v", n, time.Since(start).Round(time.Millisecond))
		for _, p := range pkgs {
			if seen[p.ID] || len(p.GoFiles) == 0 {
				continue
			}
			if u.under != "" && !within(u.under, filepath.Dir(p.GoFiles[0])) {
				continue
			}
			seen[p.ID] = true
			roots = append(roots, p)
		}
	}
	if err := loadErrors(all, dirOf); err != nil {
		return nil, nil, err
	}
	sort.Slice(roots, func(i, j int) bool { return roots[i].PkgPath < roots[j].PkgPath })
	return roots, srcs, nil
}

// maxErrorsPerPackage is how many errors a LoadError shows for one
// package, as the go command stops at 10 with "too many errors".
const maxErrorsPerPackage = 10

// LoadError lists, package by package, the file:line:col errors that
// stopped a rewrite before any file was changed.
type LoadError struct {
	Packages []PackageErrors
}

// PackageErrors are the errors of one package that does not load or
// type-check, in file, line and column order.
type PackageErrors struct {
	// Path is the package's import path (its ID when it has none).
	Path string
	// Errors are "file:line:col: message" strings.
	Errors []string
}

// Error shows the first maxErrorsPerPackage errors of each package and
// counts the rest.
func (e *LoadError) Error() string {
	var b strings.Builder
	b.WriteString("packages do not load or type-check, nothing changed:")
	for _, p := range e.Packages {
		fmt.Fprintf(&b, "\n# %s", p.Path)
		for i, msg := range p.Errors {
			if i == maxErrorsPerPackage {
				fmt.Fprintf(&b, "\n\ttoo many errors: and %d more", len(p.Errors)-i)
				break
			}
			b.WriteString("\n\t" + strings.ReplaceAll(msg, "\n", "\n\t"))
		}
	}
	return b.String()
}

// loadErrors gathers the errors of the loaded packages into a LoadError,
// or returns nil when there are none. As the go command does, it leaves
// out what follows from an earlier error: the type errors of a package
// that has syntax or go list errors, and those of a package that imports
// a package with errors; the compiler output that go list passes on is
// left out too when the parser or the type checker reports the same.
func loadErrors(pkgs []*packages.Package, dirOf map[*packages.Package]string) error {
	own := func(p *packages.Package) []packages.Error {
		var errs []packages.Error
		for _, e := range p.Errors {
			if !strings.Contains(e.Msg, "matched no packages") {
				errs = append(errs, e)
			}
		}
		return errs
	}
	// broken[p]: p or a package it imports, directly or not, has errors.
	broken := map[*packages.Package]bool{}
	var isBroken func(p *packages.Package) bool
	isBroken = func(p *packages.Package) bool {
		if b, ok := broken[p]; ok {
			return b
		}
		broken[p] = false // an import cycle is reported by go list
		b := len(own(p)) > 0
		for _, imp := range p.Imports {
			if isBroken(imp) {
				b = true
			}
		}
		broken[p] = b
		return b
	}
	var out []PackageErrors
	for _, p := range pkgs {
		errs := own(p)
		if len(errs) == 0 {
			continue
		}
		depBroken := false
		for _, imp := range p.Imports {
			if isBroken(imp) {
				depBroken = true
			}
		}
		// go list compiles the package for its export data and passes on
		// the compiler's output ("# pkg\nfile:line:col: ..."), which the
		// parser's and the type checker's errors say again, with full paths.
		compilerOutput := func(e packages.Error) bool {
			return e.Kind == packages.ListError && strings.HasPrefix(e.Msg, "# ")
		}
		kinds := map[packages.ErrorKind]bool{}
		for _, e := range errs {
			if !compilerOutput(e) {
				kinds[e.Kind] = true
			}
		}
		var msgs []string
		seen := map[string]bool{}
		for _, e := range errs {
			switch {
			case compilerOutput(e) && (kinds[packages.ParseError] || kinds[packages.TypeError]):
				continue
			case e.Kind == packages.TypeError && (depBroken || kinds[packages.ParseError] || kinds[packages.ListError]):
				continue
			}
			if e.Pos != "" && !filepath.IsAbs(e.Pos) && dirOf[p] != "" {
				// go list reports some positions (a missing import) relative
				// to where it ran; the parser and type checker, absolute.
				e.Pos = filepath.Join(dirOf[p], e.Pos)
			}
			if msg := e.Error(); !seen[msg] {
				seen[msg] = true
				msgs = append(msgs, msg)
			}
		}
		if len(msgs) == 0 {
			continue // all its errors follow from those of an import
		}
		sort.SliceStable(msgs, func(i, j int) bool { return posLess(msgs[i], msgs[j]) })
		if kinds[packages.ParseError] {
			msgs = firstPerLine(msgs)
		}
		path := p.PkgPath
		if path == "" {
			path = p.ID
		}
		out = append(out, PackageErrors{Path: path, Errors: msgs})
	}
	if len(out) == 0 {
		return nil
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return &LoadError{Packages: out}
}

// firstPerLine keeps the first of the sorted syntax errors on each line:
// the parser, asked for all its errors, reports the spurious ones that
// follow a real one on the same line, which go build does not show.
func firstPerLine(msgs []string) []string {
	var out []string
	lastFile, lastLine := "", 0
	for _, m := range msgs {
		f, l, _ := splitPos(m)
		if f != "" && f == lastFile && l == lastLine {
			continue
		}
		lastFile, lastLine = f, l
		out = append(out, m)
	}
	return out
}

// posLess orders "file:line:col: message" errors by file, then line and
// column as numbers; errors without a position come first.
func posLess(a, b string) bool {
	fa, la, ca := splitPos(a)
	fb, lb, cb := splitPos(b)
	if fa != fb {
		return fa < fb
	}
	if la != lb {
		return la < lb
	}
	return ca < cb
}

// splitPos returns the file, line and column that start an error message,
// or "", 0, 0.
func splitPos(msg string) (file string, line, col int) {
	m := posRE.FindStringSubmatch(msg)
	if m == nil {
		return "", 0, 0
	}
	line, _ = strconv.Atoi(m[2])
	col, _ = strconv.Atoi(m[3])
	return m[1], line, col
}

var posRE = regexp.MustCompile(`^(.+?\.go):(\d+)(?::(\d+))?: `)

// within reports whether path is root or below it.
func within(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
