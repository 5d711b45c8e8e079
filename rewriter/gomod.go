package rewriter

import (
	"bytes"
	"fmt"
	"go/version"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
)

// Our lines in a user's go.mod carry this comment, so that revert removes
// exactly what the rewrite added and never a line the user wrote.
const goModMarker = "// wbinstrument"

// rewriteGoMod adds the runtime require (and replace), and raises a go
// line below the runtime's, remembering the old value on that line.
func rewriteGoMod(path string, o *Options) (*FileChange, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := modfile.Parse(path, data, nil)
	if err != nil {
		return nil, err
	}
	if f.Module != nil && f.Module.Mod.Path == RuntimeModule {
		return nil, nil
	}
	marked := func(l *modfile.Line) *modfile.Line {
		l.Comments.Suffix = []modfile.Comment{{Token: goModMarker, Suffix: true}}
		return l
	}
	var req *modfile.Require
	for _, r := range f.Require {
		if r.Mod.Path == RuntimeModule {
			req = r
		}
	}
	var rep *modfile.Replace
	for _, r := range f.Replace {
		if r.Old.Path == RuntimeModule {
			rep = r
		}
	}
	want := ""
	if o.Replace != "" {
		want = filepath.Join(o.Replace, "runtime")
	}
	// A module that already gets the runtime from the same directory (our
	// own repository, say) is left alone.
	if rep != nil && want != "" && rep.New.Version == "" {
		p := rep.New.Path
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(path), p)
		}
		if sameDir(p, want) {
			want = ""
		}
	}
	switch {
	case req == nil:
		f.Syntax.Stmt = append(f.Syntax.Stmt, marked(&modfile.Line{Token: []string{"require", modfile.AutoQuote(RuntimeModule), o.RuntimeVersion}}))
	case req.Mod.Version != o.RuntimeVersion && (rep == nil || want != ""):
		if err := f.AddRequire(RuntimeModule, o.RuntimeVersion); err != nil {
			return nil, err
		}
	}
	if want != "" {
		switch {
		case rep == nil:
			f.Syntax.Stmt = append(f.Syntax.Stmt, marked(&modfile.Line{Token: []string{"replace", modfile.AutoQuote(RuntimeModule), "=>", modfile.AutoQuote(want)}}))
		case rep.New.Path != want || rep.New.Version != "":
			if err := f.AddReplace(RuntimeModule, rep.Old.Version, want, ""); err != nil {
				return nil, err
			}
		}
	}
	if f.Go == nil {
		if err := f.AddGoStmt(runtimeGoVersion); err != nil {
			return nil, err
		}
		f.Go.Syntax.Comments.Suffix = []modfile.Comment{{Token: goModWasPrefix + "none", Suffix: true}}
	} else if version.Compare("go"+f.Go.Version, "go"+runtimeGoVersion) < 0 {
		old := f.Go.Version
		if version.Compare("go"+old, "go1.17") < 0 {
			// From go 1.17 on, go.mod must list every module that provides
			// a package the module builds (module graph pruning); without
			// them `go build` stops with "updates to go.mod needed".
			if err := addIndirect(f, filepath.Dir(path), marked); err != nil {
				return nil, err
			}
		}
		if err := f.AddGoStmt(runtimeGoVersion); err != nil {
			return nil, err
		}
		f.Go.Syntax.Comments.Suffix = []modfile.Comment{{Token: goModWasPrefix + old, Suffix: true}}
	}
	out, err := f.Format()
	if err != nil {
		return nil, err
	}
	if string(out) == string(data) {
		return nil, nil
	}
	return &FileChange{Path: path, Old: data, New: out}, nil
}

// revertGoMod removes the lines rewriteGoMod added and restores the go
// line.
func revertGoMod(path string) (*FileChange, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := modfile.Parse(path, data, nil)
	if err != nil {
		return nil, err
	}
	ours := func(l *modfile.Line) bool {
		for _, c := range l.Comments.Suffix {
			if t := strings.TrimSpace(c.Token); t == goModMarker || t == goModIndirectMarker {
				return true
			}
		}
		return false
	}
	for _, r := range f.Require {
		if ours(r.Syntax) {
			if err := f.DropRequire(r.Mod.Path); err != nil {
				return nil, err
			}
		}
	}
	for _, r := range f.Replace {
		if r.Old.Path == RuntimeModule && ours(r.Syntax) {
			if err := f.DropReplace(r.Old.Path, r.Old.Version); err != nil {
				return nil, err
			}
		}
	}
	if f.Go != nil {
		for _, c := range f.Go.Syntax.Comments.Suffix {
			if !strings.HasPrefix(c.Token, goModWasPrefix) {
				continue
			}
			old := strings.TrimPrefix(c.Token, goModWasPrefix)
			if old == "none" {
				f.DropGoStmt()
			} else if err := f.AddGoStmt(old); err != nil {
				return nil, fmt.Errorf("%s: go line: %v", path, err)
			} else {
				f.Go.Syntax.Comments.Suffix = nil
			}
			break
		}
	}
	f.Cleanup()
	out, err := f.Format()
	if err != nil {
		return nil, err
	}
	if string(out) == string(data) {
		return nil, nil
	}
	return &FileChange{Path: path, Old: data, New: out}, nil
}

// goModIndirectMarker marks the indirect requirements added when a go
// line below 1.17 is raised; "indirect" first, so that the go command
// still reads them as indirect.
const goModIndirectMarker = "// indirect; wbinstrument"

// addIndirect adds, as marked indirect requirements, the modules at the
// versions the go command selects today for the module's packages and
// their tests that go.mod does not list. Those are the versions already
// in use, so no dependency is raised; their go.sum lines are there too.
func addIndirect(f *modfile.File, modRoot string, marked func(*modfile.Line) *modfile.Line) error {
	cmd := exec.Command("go", "list", "-mod=readonly", "-deps", "-test", "-f", "{{with .Module}}{{if not .Main}}{{.Path}} {{.Version}}{{end}}{{end}}", "./...")
	cmd.Dir = modRoot
	cmd.Env = append(os.Environ(), "GOWORK=off")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("go line below 1.17: listing the modules the build uses (go list -deps -test ./... in %s): %v\n%s", modRoot, err, stderr.Bytes())
	}
	listed := map[string]bool{}
	for _, r := range f.Require {
		listed[r.Mod.Path] = true
	}
	var add []string
	for _, line := range strings.Split(string(out), "\n") {
		fields := strings.Fields(line)
		if len(fields) != 2 || listed[fields[0]] {
			continue
		}
		listed[fields[0]] = true
		add = append(add, line)
	}
	sort.Strings(add)
	if len(add) > 0 && fileExists(filepath.Join(modRoot, "vendor", "modules.txt")) {
		return fmt.Errorf("vendored module with go line below 1.17: go 1.18 needs %d more requirements (%s) listed in go.mod and vendor/modules.txt; run `go mod tidy -go=1.18 && go mod vendor` first", len(add), strings.Join(add, ", "))
	}
	for _, a := range add {
		fields := strings.Fields(a)
		l := marked(&modfile.Line{Token: []string{"require", modfile.AutoQuote(fields[0]), fields[1]}})
		l.Comments.Suffix[0].Token = goModIndirectMarker
		f.Syntax.Stmt = append(f.Syntax.Stmt, l)
	}
	return nil
}

func sameDir(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}
