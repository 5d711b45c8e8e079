// Package checkout finds the wbinstrument checkout a command runs from. The
// runtime module is not published yet, so rewritten programs point their
// go.mod at the checkout's runtime/ with a replace directive.
package checkout

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/mod/modfile"
)

// ModulePath is the import path of wbinstrument's main module.
const ModulePath = "github.com/wbinstrument/wbinstrument"

// Root returns the directory of the wbinstrument checkout: the first
// directory at or above the working directory whose go.mod declares
// ModulePath, else the checkout this binary was built from. The rewritten
// demo program needs it to point its go.mod at the checkout's runtime
// module, which is not published.
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

// GoSumLines returns the lines of the checkout's go.sum for one module
// version, so that a module written elsewhere (the demo program, test and
// benchmark modules) builds from the module cache alone.
func GoSumLines(root, module, version string) ([]byte, error) {
	path := filepath.Join(root, "go.sum")
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	prefix := module + " " + version
	var out bytes.Buffer
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), prefix+" ") || strings.HasPrefix(sc.Text(), prefix+"/go.mod ") {
			out.WriteString(sc.Text() + "\n")
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if out.Len() == 0 {
		return nil, fmt.Errorf("%s: no lines for %s", path, prefix)
	}
	return out.Bytes(), nil
}
