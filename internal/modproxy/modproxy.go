// Package modproxy publishes module versions into a file-based Go module
// proxy (GOPROXY=file://DIR), laid out as the go command reads one: for
// each version, .info, .mod and .zip files and the @v/list, the zip made
// by golang.org/x/mod/zip exactly as a real proxy would serve it. The
// release tests use it to install and use wbinstrument the way a user on
// another machine does, without publishing anything.
package modproxy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"
)

// Publish adds module path at version to the proxy in proxyDir, from the
// module's directory src (files of nested modules and vendor/ are left
// out, as a real release leaves them out). It returns the go.sum lines of
// the version: its zip's hash and its go.mod's.
func Publish(proxyDir, src, path, version string) (sum []byte, err error) {
	esc, err := module.EscapePath(path)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(proxyDir, filepath.FromSlash(esc), "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	m := module.Version{Path: path, Version: version}
	zipPath := filepath.Join(dir, version+".zip")
	zf, err := os.Create(zipPath)
	if err != nil {
		return nil, err
	}
	if err := modzip.CreateFromDir(zf, m, src); err != nil {
		zf.Close()
		return nil, fmt.Errorf("zipping %s as %s@%s: %v", src, path, version, err)
	}
	if err := zf.Close(); err != nil {
		return nil, err
	}
	gomod, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil {
		return nil, err
	}
	info, _ := json.Marshal(struct {
		Version string
		Time    time.Time
	}{version, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
	files := map[string][]byte{version + ".mod": gomod, version + ".info": info}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return nil, err
		}
	}
	list, _ := os.ReadFile(filepath.Join(dir, "list"))
	if !bytes.Contains(append([]byte("\n"), list...), []byte("\n"+version+"\n")) {
		list = append(list, version+"\n"...)
		if err := os.WriteFile(filepath.Join(dir, "list"), list, 0o644); err != nil {
			return nil, err
		}
	}
	zipHash, err := dirhash.HashZip(zipPath, dirhash.Hash1)
	if err != nil {
		return nil, err
	}
	modHash, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(gomod)), nil
	})
	if err != nil {
		return nil, err
	}
	return []byte(path + " " + version + " " + zipHash + "\n" + path + " " + version + "/go.mod " + modHash + "\n"), nil
}

// URL is the GOPROXY entry for a proxy directory.
func URL(proxyDir string) string {
	abs, err := filepath.Abs(proxyDir)
	if err != nil {
		abs = proxyDir
	}
	return "file://" + filepath.ToSlash(abs)
}

// Chain is a GOPROXY value that asks the proxies in proxyDirs first, then
// the module cache at modCache (its download cache has a proxy's layout,
// so modules already downloaded are served without a network), then the
// machine's own GOPROXY setting.
func Chain(machineProxy, modCache string, proxyDirs ...string) string {
	var parts []string
	for _, d := range proxyDirs {
		parts = append(parts, URL(d))
	}
	if modCache != "" {
		parts = append(parts, URL(filepath.Join(modCache, "cache", "download")))
	}
	if machineProxy != "" && machineProxy != "off" {
		parts = append(parts, machineProxy)
	}
	return strings.Join(parts, ",")
}

// MachineGoEnv returns the machine's own GOPROXY and GOMODCACHE, as
// `go env` reports them, for Chain: it asks once per process, so a test
// that has already pointed the go command at its own proxy and cache
// still gets the machine's.
func MachineGoEnv() (goproxy, gomodcache string, err error) {
	machine.once.Do(func() {
		out, err := exec.Command("go", "env", "GOPROXY", "GOMODCACHE").Output()
		if err != nil {
			machine.err = fmt.Errorf("go env GOPROXY GOMODCACHE: %v", err)
			return
		}
		lines := strings.Split(string(out), "\n")
		if len(lines) < 2 {
			machine.err = fmt.Errorf("go env GOPROXY GOMODCACHE: unexpected output %q", out)
			return
		}
		machine.goproxy, machine.gomodcache = strings.TrimSpace(lines[0]), strings.TrimSpace(lines[1])
	})
	return machine.goproxy, machine.gomodcache, machine.err
}

var machine struct {
	once                sync.Once
	goproxy, gomodcache string
	err                 error
}
