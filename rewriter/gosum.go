package rewriter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// A released tool's rewrite requires the published runtime, so the
// user's go.sum must hold its hashes for `go build` to work in the default
// -mod=readonly mode. They come from the go command the user's build
// would use (`go mod download -json`), which honours GOPROXY, GONOSUMDB,
// GOPRIVATE, GOFLAGS and the checksum database, rather than from a table
// of ours that could disagree with what the user's machine verifies.

// A runtimeDownload is what `go mod download -json` reports of the
// runtime module at one version.
type runtimeDownload struct {
	Version  string
	Dir      string // in the module cache: vendoring copies from here
	Sum      string // h1: hash of the module's files
	GoModSum string // h1: hash of its go.mod
	Error    string
}

// downloads remembers each version's download for the process, so that
// a rewrite of several modules asks the go command once; the key holds
// the environment that decides where the go command looks.
var downloads sync.Map // version and environment -> *runtimeDownload

// downloadRuntime fetches the runtime at version into the module cache,
// running the go command in modRoot with the user's environment.
func downloadRuntime(modRoot, version string) (*runtimeDownload, error) {
	return downloadModule(modRoot, RuntimeModule, version)
}

// downloadModule is downloadRuntime for module, the runtime or its bridge.
func downloadModule(modRoot, module, version string) (*runtimeDownload, error) {
	key := module + "@" + version
	for _, v := range []string{"GOPROXY", "GOMODCACHE", "GOFLAGS", "GONOSUMDB", "GOPRIVATE", "GONOPROXY", "GOSUMDB", "GOINSECURE"} {
		key += "\x00" + os.Getenv(v)
	}
	if d, ok := downloads.Load(key); ok {
		return d.(*runtimeDownload), nil
	}
	mv := module + "@" + version
	cmd := exec.Command("go", "mod", "download", "-json", mv)
	cmd.Dir = modRoot
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var d runtimeDownload
	if jerr := json.Unmarshal(out, &d); jerr == nil && d.Error != "" {
		err = fmt.Errorf("%s", d.Error)
	} else if err == nil && jerr != nil {
		err = fmt.Errorf("reading its output: %v", jerr)
	}
	if err == nil && (d.Sum == "" || d.GoModSum == "" || d.Dir == "") {
		err = fmt.Errorf("its output gives no hashes or directory")
	}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg != "" {
			msg = "\n\t" + strings.ReplaceAll(msg, "\n", "\n\t")
		}
		return nil, fmt.Errorf("go.sum needs the hashes of %s, and `go mod download -json %s` in %s failed: %v%s\n"+
			"Check that the module proxy is reachable (go env GOPROXY) or that the module is in the module cache, then rewrite again; nothing was changed",
			mv, mv, modRoot, err, msg)
	}
	downloads.Store(key, &d)
	return &d, nil
}

// sumLine is one line of go.sum split into its sort key and text.
type sumLine struct {
	module, version string // version with any /go.mod suffix
	text            string
}

func parseSumLines(data []byte) []sumLine {
	var lines []sumLine
	for _, l := range strings.SplitAfter(string(data), "\n") {
		if l == "" {
			continue
		}
		f := strings.Fields(l)
		sl := sumLine{text: l}
		if len(f) >= 2 {
			sl.module, sl.version = f[0], f[1]
		}
		lines = append(lines, sl)
	}
	return lines
}

// rewriteGoSum adds the runtime's two go.sum lines at version where they
// are missing, each at its sorted place, and the bridge's where the
// module gets it (bridgeSum). With ours (the require is the rewrite's
// own), lines of other versions, left by an earlier rewrite, are dropped.
func rewriteGoSum(modRoot, version string, ours bool) (*FileChange, error) {
	path := filepath.Join(modRoot, "go.sum")
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	if err != nil {
		old = nil
	}
	lines, err := addSumLines(parseSumLines(old), modRoot, RuntimeModule, version, ours)
	if err != nil {
		return nil, err
	}
	if want, bridgeOurs := bridgeSum(modRoot); want {
		if lines, err = addSumLines(lines, modRoot, BridgeModule, version, bridgeOurs); err != nil {
			return nil, err
		}
	}
	var next bytes.Buffer
	for _, l := range lines {
		next.WriteString(l.text)
	}
	if bytes.Equal(next.Bytes(), old) {
		return nil, nil
	}
	return &FileChange{Path: path, Old: old, New: next.Bytes()}, nil
}

// addSumLines adds module's two lines at version to lines where missing,
// dropping those of its other versions when ours.
func addSumLines(lines []sumLine, modRoot, module, version string, ours bool) ([]sumLine, error) {
	kept := lines[:0:0]
	have := map[string]bool{}
	for _, l := range lines {
		if l.module == module {
			v := strings.TrimSuffix(l.version, "/go.mod")
			if ours && v != version {
				continue
			}
			if v == version {
				have[l.version] = true
			}
		}
		kept = append(kept, l)
	}
	if !have[version] || !have[version+"/go.mod"] {
		d, err := downloadModule(modRoot, module, version)
		if err != nil {
			return nil, err
		}
		if len(kept) > 0 && !strings.HasSuffix(kept[len(kept)-1].text, "\n") {
			kept[len(kept)-1].text += "\n"
		}
		for _, v := range []string{version, version + "/go.mod"} {
			if have[v] {
				continue
			}
			sum := d.Sum
			if v != version {
				sum = d.GoModSum
			}
			kept = insertSorted(kept, sumLine{module, v, module + " " + v + " " + sum + "\n"})
		}
	}
	return kept, nil
}

// revertGoSum removes the runtime's (and the bridge's) go.sum lines when
// go.mod's require of it is the rewrite's own (ours, from revertGoMod):
// the rewrite added them with it. A go.sum the rewrite created, left
// empty, is removed.
func revertGoSum(modRoot string, ours ourRequires) (*FileChange, error) {
	if len(ours) == 0 {
		return nil, nil
	}
	path := filepath.Join(modRoot, "go.sum")
	old, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var next bytes.Buffer
	for _, l := range parseSumLines(old) {
		if !ours[l.module] {
			next.WriteString(l.text)
		}
	}
	if bytes.Equal(next.Bytes(), old) {
		return nil, nil
	}
	if next.Len() == 0 {
		return &FileChange{Path: path, Old: old}, nil
	}
	return &FileChange{Path: path, Old: old, New: next.Bytes()}, nil
}

// insertSorted inserts l before the first line that sorts after it, as
// the go command sorts go.sum (by module path, then version), leaving
// the user's lines in their order even in a go.sum that is not sorted.
func insertSorted(lines []sumLine, l sumLine) []sumLine {
	i := 0
	for i < len(lines) {
		m := lines[i]
		if m.module > l.module || (m.module == l.module && m.version > l.version) {
			break
		}
		i++
	}
	lines = append(lines, sumLine{})
	copy(lines[i+1:], lines[i:])
	lines[i] = l
	return lines
}
