package rewriter

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"
)

// uncovered warns about packages of the rewritten modules that import
// go-openai or openai-go but were not among the packages rewritten: a `go:generate
// wbinstrument rewrite .` in cmd/app leaves the library code that makes the
// calls untouched, and its calls are then logged only on clients built in
// rewritten code. The check reads import lines as text, so it also sees
// packages that do not load under the current build tags.
func uncovered(o *Options, roots []*packages.Package) []string {
	done := map[string]bool{} // package directories rewritten
	mods := map[string]bool{}
	for _, p := range roots {
		if len(p.GoFiles) == 0 || p.Module == nil || p.Module.Dir == "" {
			continue
		}
		done[filepath.Dir(p.GoFiles[0])] = true
		mods[p.Module.Dir] = true
	}
	quoted := []byte(strconv.Quote(o.Pkg))
	// openai-go's packages, of any major: an import path starts so.
	oaiQuoted := []byte(`"` + oaiModulePrefix)
	var warns []string
	for mod := range mods {
		var missed []string
		what := ""
		seen := map[string]bool{}
		// WalkDir, not Walk: it learns which entries are directories from
		// the directory listing instead of a stat of every file.
		filepath.WalkDir(mod, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.IsDir() {
				if path != mod && (skipDir(d.Name()) || path == modCache || fileExists(filepath.Join(path, "go.mod"))) {
					return filepath.SkipDir
				}
				return nil
			}
			dir := filepath.Dir(path)
			if done[dir] || seen[dir] || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return nil
			}
			sdk := ""
			switch {
			case bytes.Contains(data, quoted):
				sdk = o.Pkg
			case bytes.Contains(data, oaiQuoted):
				sdk = oaiModulePrefix
			}
			if sdk != "" {
				if what == "" || sdk == o.Pkg {
					what = sdk
				}
				seen[dir] = true
				rel, _ := filepath.Rel(mod, dir)
				if rel != "." {
					rel = "./" + filepath.ToSlash(rel)
				}
				missed = append(missed, rel)
			}
			return nil
		})
		if len(missed) == 0 {
			continue
		}
		sort.Strings(missed)
		warns = append(warns, fmt.Sprintf("%s: %d package(s) of this module import %s but were not rewritten (%s): their calls are logged only on clients built in rewritten code; run the rewrite on ./... from %s to instrument them",
			filepath.Join(mod, "go.mod"), len(missed), what, strings.Join(missed, ", "), mod))
	}
	sort.Strings(warns)
	return warns
}
