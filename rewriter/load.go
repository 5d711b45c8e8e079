package rewriter

import (
	"context"
	"fmt"
	"go/build"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/tools/go/packages"
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
	// RuntimeVersion is the runtime module version to require; ignored
	// (PseudoVersion is used) when Replace is set.
	RuntimeVersion string
	// Progress, when non-nil, receives progress lines for long loads.
	Progress io.Writer
}

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
	if o.RuntimeVersion == "" || o.Replace != "" {
		o.RuntimeVersion = PseudoVersion
	}
	return nil
}

func (o *Options) progressf(format string, args ...interface{}) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, format+"\n", args...)
	}
}

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
		p := arg
		if !filepath.IsAbs(p) {
			p = filepath.Join(o.Dir, p)
		}
		fi, err := os.Stat(p)
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

// load runs every unit and returns the root packages, deduplicated, in a
// stable order. Any package error (in roots or their dependencies) fails
// the whole load: a partial type check could miss sites.
func load(ctx context.Context, o *Options, units []loadUnit) ([]*packages.Package, error) {
	seen := map[string]bool{}
	var roots []*packages.Package
	var errs []string
	errSeen := map[string]bool{}
	for _, u := range units {
		start := time.Now()
		o.progressf("loading %s in %s...", strings.Join(u.patterns, " "), u.dir)
		cfg := &packages.Config{Mode: loadMode, Context: ctx, Dir: u.dir, Tests: false}
		pkgs, err := packages.Load(cfg, u.patterns...)
		if err != nil {
			return nil, fmt.Errorf("loading %s in %s: %v", strings.Join(u.patterns, " "), u.dir, err)
		}
		n := 0
		packages.Visit(pkgs, nil, func(p *packages.Package) {
			n++
			for _, e := range p.Errors {
				msg := e.Error()
				if strings.Contains(msg, "matched no packages") {
					continue
				}
				if !errSeen[msg] {
					errSeen[msg] = true
					errs = append(errs, msg)
				}
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
	if len(errs) > 0 {
		sort.Strings(errs)
		return nil, &LoadError{Errors: errs}
	}
	sort.Slice(roots, func(i, j int) bool { return roots[i].PkgPath < roots[j].PkgPath })
	return roots, nil
}

// LoadError lists the file:line:col errors that stopped a rewrite before
// any file was changed.
type LoadError struct{ Errors []string }

func (e *LoadError) Error() string {
	return "packages do not load or type-check, nothing changed:\n\t" + strings.Join(e.Errors, "\n\t")
}

// within reports whether path is root or below it.
func within(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
