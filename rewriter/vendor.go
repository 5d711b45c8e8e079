package rewriter

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
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
// modules.txt; nil when the module is not vendored.
func rewriteVendor(modRoot string, o *Options) ([]FileChange, error) {
	mt, old, err := readModulesTxt(modRoot)
	if old == nil || err != nil {
		return nil, err
	}
	// A development build copies its checkout's runtime, listed with the
	// replace go.mod has; a released tool copies the published runtime
	// from the module cache, as `go mod vendor` would.
	src, replaced := filepath.Join(o.Replace, "runtime"), o.Replace != ""
	if !replaced {
		d, err := downloadRuntime(modRoot, o.RuntimeVersion)
		if err != nil {
			return nil, err
		}
		src = d.Dir
	}
	rgo, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil {
		return nil, err
	}
	rmod, err := modfile.Parse("go.mod", rgo, nil)
	if err != nil {
		return nil, err
	}
	goVersion := runtimeGoVersion
	if rmod.Go != nil {
		goVersion = rmod.Go.Version
	}
	var changes []FileChange
	want := map[string]bool{}
	pkgs := map[string]bool{}
	dst := vendorDir(modRoot)
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
	add("go.mod", rgo)
	err = filepath.Walk(src, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.IsDir() {
			// A directory with a go.mod (the OpenTelemetry bridge) is a
			// module of its own, not part of the runtime's.
			if path != src && (skipDir(fi.Name()) || fileExists(filepath.Join(path, "go.mod"))) {
				return filepath.SkipDir
			}
			return nil
		}
		name := fi.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		add(rel, data)
		pkgs[RuntimeModule+"/"+filepath.ToSlash(filepath.Dir(rel))] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("copying the runtime from %s: %v", src, err)
	}
	// Files of an older runtime that the current one no longer has.
	filepath.Walk(dst, func(path string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && !want[path] {
			data, _ := os.ReadFile(path)
			changes = append(changes, FileChange{Path: path, Old: data})
		}
		return nil
	})
	var names []string
	for p := range pkgs {
		names = append(names, strings.TrimSuffix(p, "/."))
	}
	sort.Strings(names)
	var block strings.Builder
	if replaced {
		fmt.Fprintf(&block, "# %s %s => %s\n## explicit; go %s\n", RuntimeModule, o.RuntimeVersion, src, goVersion)
	} else {
		fmt.Fprintf(&block, "# %s %s\n## explicit; go %s\n", RuntimeModule, o.RuntimeVersion, goVersion)
	}
	for _, n := range names {
		block.WriteString(n + "\n")
	}
	if replaced {
		fmt.Fprintf(&block, "# %s => %s\n", RuntimeModule, src)
	}
	stripped := stripVendorBlock(old)
	next := append(append([]byte{}, stripped...), block.String()...)
	if !bytes.Equal(next, old) {
		changes = append(changes, FileChange{Path: mt, Old: old, New: next})
	}
	return changes, nil
}

// stripVendorBlock removes our module's lines from modules.txt: its
// "# module ..." header with the lines up to the next header, and the
// "# module => dir" replacement line.
func stripVendorBlock(data []byte) []byte {
	var out bytes.Buffer
	lines := bytes.SplitAfter(data, []byte("\n"))
	skipping := false
	for _, l := range lines {
		if len(l) == 0 {
			continue
		}
		if bytes.HasPrefix(l, []byte("# ")) {
			skipping = bytes.HasPrefix(l, []byte("# "+RuntimeModule+" "))
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

// revertVendor removes the runtime from vendor/ and modules.txt.
func revertVendor(modRoot string) ([]FileChange, error) {
	mt, old, err := readModulesTxt(modRoot)
	if old == nil || err != nil {
		return nil, err
	}
	var changes []FileChange
	if next := stripVendorBlock(old); !bytes.Equal(next, old) {
		changes = append(changes, FileChange{Path: mt, Old: old, New: next})
	}
	filepath.Walk(vendorDir(modRoot), func(path string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			data, _ := os.ReadFile(path)
			changes = append(changes, FileChange{Path: path, Old: data})
		}
		return nil
	})
	return changes, nil
}
