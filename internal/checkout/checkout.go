// Package checkout finds the wbinstrument checkout a command runs from. A
// development build of the tool (one built from a clone, not a release)
// has no published runtime to require, so the programs it rewrites point
// their go.mod at the checkout's runtime/ with a replace directive.
package checkout

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/mod/modfile"
)

// ModulePath is the import path of wbinstrument's main module.
const ModulePath = "github.com/wbinstrument/wbinstrument"

// Root returns the directory of the wbinstrument checkout: the first
// directory at or above the working directory whose go.mod declares
// ModulePath, else the checkout this binary was built from.
func Root() (string, error) {
	if wd, err := os.Getwd(); err == nil {
		if dir, ok := rootAbove(wd); ok {
			return dir, nil
		}
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		if dir, ok := rootAbove(filepath.Dir(file)); ok {
			return dir, nil
		}
	}
	return "", errors.New("cannot find the wbinstrument checkout: run the demo from inside it (the directory holding its go.mod)")
}

func rootAbove(dir string) (string, bool) {
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && modfile.ModulePath(data) == ModulePath {
			if _, err := os.Stat(filepath.Join(dir, "runtime", "go.mod")); err == nil {
				return dir, true
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}
