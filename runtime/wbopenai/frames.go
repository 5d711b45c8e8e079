package wbopenai

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

func itoa(n int) string { return strconv.Itoa(n) }

// callerSite finds the call site in captured frames: the first frame
// outside go-openai, this runtime, net/http and the Go runtime. It also
// returns the go-openai method the call went through, if seen.
func callerSite(pcs []uintptr) (site, method string) {
	// Under openai-go, the frames below its service method are its
	// middleware chain, where the user's own middlewares also run: the
	// call site is the first frame past the service method.
	oai := inOpenAIGo(pcs)
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		fn := f.Function
		switch {
		case fn == "":
		case strings.Contains(fn, "go-openai"):
			if i := strings.Index(fn, ".(*Client)."); i >= 0 {
				method = fn[i+len(".(*Client)."):]
			}
		case strings.HasPrefix(fn, "github.com/openai/openai-go"):
			if m := oaiMethod(fn); m != "" {
				method = m
			}
		case strings.HasPrefix(fn, "github.com/wbinstrument/wbinstrument/runtime/"),
			strings.HasPrefix(fn, "net/http."), strings.HasPrefix(fn, "net/http/"),
			strings.HasPrefix(fn, "runtime."), strings.HasPrefix(fn, "internal/"):
		case oai && method == "":
			// A user's middleware, under the service method.
		default:
			return relFile(f.File) + ":" + itoa(f.Line) + " " + shortFunc(fn), method
		}
		if !more {
			return "", method
		}
	}
}

// inOpenAIGo tells whether the frames pass through an openai-go service
// method.
func inOpenAIGo(pcs []uintptr) bool {
	frames := runtime.CallersFrames(pcs)
	for {
		f, more := frames.Next()
		if strings.HasPrefix(f.Function, "github.com/openai/openai-go") && oaiMethod(f.Function) != "" {
			return true
		}
		if !more {
			return false
		}
	}
}

// shortFunc drops the import path from a function name:
// "github.com/acme/app/bot.(*Bot).Ask" gives "bot.(*Bot).Ask".
func shortFunc(fn string) string {
	if i := strings.LastIndexByte(fn, '/'); i >= 0 {
		return fn[i+1:]
	}
	return fn
}

var moduleRoots sync.Map // dir -> module root ("" when none)

// relFile makes a source path relative to the root of its module (the
// nearest directory with a go.mod), as the rewriter's static sites are.
func relFile(file string) string {
	if !filepath.IsAbs(file) {
		return file
	}
	dir := filepath.Dir(file)
	root, ok := moduleRoots.Load(dir)
	if !ok {
		root = findModuleRoot(dir)
		moduleRoots.Store(dir, root)
	}
	if r := root.(string); r != "" {
		if rel, err := filepath.Rel(r, file); err == nil {
			return filepath.ToSlash(rel)
		}
	}
	return file
}

func findModuleRoot(dir string) string {
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
