package rewriter

import (
	"bytes"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
)

// A vendored module builds from vendor/ only, so the runtime must be
// there, listed in vendor/modules.txt exactly as `go mod vendor` would
// list it (which may be impossible offline, so we do it ourselves).

func vendorDir(modRoot string) string {
	return filepath.Join(modRoot, "vendor", filepath.FromSlash(RuntimeModule))
}

// readModulesTxt returns the path and contents of modRoot's
// vendor/modules.txt; old is nil when the module is not vendored.
func readModulesTxt(modRoot string) (path string, old []byte, err error) {
	path = filepath.Join(modRoot, "vendor", "modules.txt")
	old, err = os.ReadFile(path)
	if os.IsNotExist(err) {
		return path, nil, nil
	}
	if err != nil {
		return path, nil, err
	}
	if old == nil {
		old = []byte{} // an empty modules.txt is still a vendored module
	}
	return path, old, nil
}

// rewriteVendor copies the runtime into modRoot/vendor and lists it in
// modules.txt, and the OpenTelemetry bridge too when the module gets it
// (wantsBridge); nil when the module is not vendored.
func rewriteVendor(modRoot string, o *Options) ([]FileChange, error) {
	mt, old, err := readModulesTxt(modRoot)
	if old == nil || err != nil {
		return nil, err
	}
	bridge := wantsBridge(filepath.Join(modRoot, "go.mod"), o.Replace)
	// The runtime's version is go.mod's: a development build's bridge may
	// raise it (raiseRuntimeForBridge).
	version := o.RuntimeVersion
	if bridge && o.Replace != "" {
		if v := bridgeRuntimeVersion(filepath.Join(o.Replace, "runtime", "otelbridge", "go.mod")); semver.Compare(version, v) < 0 {
			version = v
		}
	}
	next := stripVendorBlock(old)
	var changes []FileChange
	var tail string
	c, block, rtail, err := vendorModule(modRoot, o, RuntimeModule, version, "runtime")
	if err != nil {
		return nil, err
	}
	changes, next, tail = append(changes, c...), insertVendorBlock(next, RuntimeModule, block), tail+rtail
	if bridge {
		c, block, btail, err := vendorModule(modRoot, o, BridgeModule, o.RuntimeVersion, "runtime/otelbridge")
		if err != nil {
			return nil, err
		}
		changes, next, tail = append(changes, c...), insertVendorBlock(next, BridgeModule, block), tail+btail
	} else {
		// A bridge an earlier rewrite vendored.
		changes = append(changes, removeTree(filepath.Join(modRoot, "vendor", filepath.FromSlash(BridgeModule)))...)
	}
	next = append(next, tail...)
	if !bytes.Equal(next, old) {
		changes = append(changes, FileChange{Path: mt, Old: old, New: next})
	}
	return changes, nil
}

// vendorModule copies module (the runtime or its bridge, dir in a
// checkout) into modRoot/vendor as `go mod vendor` does, and returns
// the changes, its modules.txt block, and the line that goes at the end
// of modules.txt for a development build's replace.
func vendorModule(modRoot string, o *Options, module, version, dir string) (changes []FileChange, block, tail string, err error) {
	// A development build copies its checkout's module, listed with the
	// replace go.mod has; a released tool copies the published module
	// from the module cache, as `go mod vendor` would.
	src, replaced := filepath.Join(o.Replace, filepath.FromSlash(dir)), o.Replace != ""
	if !replaced {
		d, err := downloadModule(modRoot, module, o.RuntimeVersion)
		if err != nil {
			return nil, "", "", err
		}
		src = d.Dir
	}
	mgo, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil {
		return nil, "", "", err
	}
	mmod, err := modfile.Parse("go.mod", mgo, nil)
	if err != nil {
		return nil, "", "", err
	}
	goVersion := runtimeGoVersion
	if mmod.Go != nil {
		goVersion = mmod.Go.Version
	}
	want := map[string]bool{}
	pkgs := map[string]bool{}
	dst := filepath.Join(modRoot, "vendor", filepath.FromSlash(module))
	add := func(rel string, data []byte) {
		p := filepath.Join(dst, rel)
		want[p] = true
		cur, err := os.ReadFile(p)
		if err == nil && bytes.Equal(cur, data) {
			return
		}
		if err != nil {
			cur = nil
		}
		changes = append(changes, FileChange{Path: p, Old: cur, New: data})
	}
	// `go mod vendor` copies the packages the build imports, not every
	// package of the module: those the generated glue's import (the
	// runtime's wbopenai, or the bridge) reaches inside the module. A
	// package only tests import (runtime/internal/casetest) stays out.
	// No go.mod: `go mod vendor` leaves out those of dependencies when
	// the main module's go line is 1.17 or later, and the rewrite raises
	// a lower one to 1.18.
	files := map[string][]string{}  // package import path -> its files
	contents := map[string][]byte{} // file (relative to src) -> its bytes
	imports := map[string][]string{}
	err = filepath.Walk(src, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.IsDir() {
			// A directory with a go.mod (the OpenTelemetry bridge) is a
			// module of its own, not part of this one.
			if path != src && (skipDir(fi.Name()) || fileExists(filepath.Join(path, "go.mod"))) {
				return filepath.SkipDir
			}
			return nil
		}
		name := fi.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(src, path)
		pkg := strings.TrimSuffix(module+"/"+filepath.ToSlash(filepath.Dir(rel)), "/.")
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, data, parser.ImportsOnly)
		if err != nil {
			return err
		}
		files[pkg] = append(files[pkg], rel)
		contents[rel] = data
		for _, im := range f.Imports {
			if ip, err := strconv.Unquote(im.Path.Value); err == nil && (ip == module || strings.HasPrefix(ip, module+"/")) {
				imports[pkg] = append(imports[pkg], ip)
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", "", fmt.Errorf("copying %s from %s: %v", module, src, err)
	}
	root := module
	if module == RuntimeModule {
		root = runtimePkg
	}
	var reach func(pkg string)
	reach = func(pkg string) {
		if pkgs[pkg] || files[pkg] == nil {
			return
		}
		pkgs[pkg] = true
		for _, ip := range imports[pkg] {
			reach(ip)
		}
	}
	reach(root)
	var names []string
	for p := range pkgs {
		names = append(names, p)
	}
	sort.Strings(names) // packages in path order, each one's files as the walk found them
	for _, pkg := range names {
		for _, rel := range files[pkg] {
			add(rel, contents[rel])
		}
	}
	// Files of an older copy that the current one no longer has; the
	// bridge, below the runtime's directory, is not the runtime's.
	filepath.Walk(dst, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return nil
		}
		if fi.IsDir() && module == RuntimeModule && path == filepath.Join(modRoot, "vendor", filepath.FromSlash(BridgeModule)) {
			return filepath.SkipDir
		}
		if !fi.IsDir() && !want[path] {
			data, _ := os.ReadFile(path)
			changes = append(changes, FileChange{Path: path, Old: data})
		}
		return nil
	})
	var b strings.Builder
	if replaced {
		fmt.Fprintf(&b, "# %s %s => %s\n## explicit; go %s\n", module, version, src, goVersion)
		tail = fmt.Sprintf("# %s => %s\n", module, src)
	} else {
		fmt.Fprintf(&b, "# %s %s\n## explicit; go %s\n", module, version, goVersion)
	}
	for _, n := range names {
		b.WriteString(n + "\n")
	}
	return changes, b.String(), tail, nil
}

// insertVendorBlock puts the modules.txt block of module into data
// where `go mod vendor` writes it: modules are in path order, and the
// lines of replacements without a version come after them all.
func insertVendorBlock(data []byte, module, block string) []byte {
	var out bytes.Buffer
	done := false
	for _, l := range bytes.SplitAfter(data, []byte("\n")) {
		if !done && bytes.HasPrefix(l, []byte("# ")) {
			f := strings.Fields(string(l[2:]))
			if len(f) >= 2 && (f[1] == "=>" || f[0] > module) {
				out.WriteString(block)
				done = true
			}
		}
		out.Write(l)
	}
	if !done {
		out.WriteString(block)
	}
	return out.Bytes()
}

// removeTree returns the changes that delete every file below dir.
func removeTree(dir string) []FileChange {
	var changes []FileChange
	filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			data, _ := os.ReadFile(path)
			changes = append(changes, FileChange{Path: path, Old: data})
		}
		return nil
	})
	return changes
}

// stripVendorBlock removes our modules' lines from modules.txt (the
// runtime's and the bridge's): each "# module ..." header with the lines
// up to the next header, and the "# module => dir" replacement line.
func stripVendorBlock(data []byte) []byte {
	var out bytes.Buffer
	lines := bytes.SplitAfter(data, []byte("\n"))
	skipping := false
	for _, l := range lines {
		if len(l) == 0 {
			continue
		}
		if bytes.HasPrefix(l, []byte("# ")) {
			skipping = bytes.HasPrefix(l, []byte("# "+RuntimeModule+" ")) || bytes.HasPrefix(l, []byte("# "+BridgeModule+" "))
			if skipping {
				continue
			}
		}
		if skipping {
			continue
		}
		out.Write(l)
	}
	return out.Bytes()
}

// revertVendor removes the runtime and its bridge from vendor/ and
// modules.txt.
func revertVendor(modRoot string) ([]FileChange, error) {
	mt, old, err := readModulesTxt(modRoot)
	if old == nil || err != nil {
		return nil, err
	}
	var changes []FileChange
	if next := stripVendorBlock(old); !bytes.Equal(next, old) {
		changes = append(changes, FileChange{Path: mt, Old: old, New: next})
	}
	// The bridge's directory is below the runtime's.
	return append(changes, removeTree(vendorDir(modRoot))...), nil
}
