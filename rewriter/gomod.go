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
	"golang.org/x/mod/semver"
)

// Our lines in a user's go.mod carry this comment, so that revert removes
// exactly what the rewrite added and never a line the user wrote.
const goModMarker = "// wbinstrument"

// rewriteGoMod adds the runtime require (and, for a development build,
// the replace), and raises a go line below the runtime's, remembering the
// old value on that line. sum reports whether go.sum must hold the
// runtime's hashes at o.RuntimeVersion (a released tool's rewrite, with no
// replace of the runtime), and ours whether the require is the rewrite's
// own line, so that go.sum lines of its other versions are ours to drop.
func rewriteGoMod(path string, o *Options) (c *FileChange, sum, ours bool, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, false, false, err
	}
	f, err := modfile.Parse(path, data, nil) // its errors name path:line
	if err != nil {
		return nil, false, false, err
	}
	if f.Module != nil && f.Module.Mod.Path == RuntimeModule {
		return nil, false, false, nil
	}
	marked := func(l *modfile.Line) *modfile.Line {
		l.Comments.Suffix = []modfile.Comment{{Token: goModMarker, Suffix: true}}
		return l
	}
	req, rep := modLines(f, RuntimeModule)
	if o.Replace == "" {
		// A replace of ours, left by a build from a checkout, goes: the
		// published runtime takes its place.
		if rep != nil && isOurs(rep.Syntax) {
			if err := f.DropReplace(rep.Old.Path, rep.Old.Version); err != nil {
				return nil, false, false, err
			}
			rep = nil
		}
		if err := requireRelease(f, path, req, rep, o.RuntimeVersion, marked); err != nil {
			return nil, false, false, err
		}
		// A replace of the user's own decides where the runtime comes
		// from; go.sum is then the user's business.
		sum = rep == nil
		ours = req == nil || isOurs(req.Syntax)
	} else if err := requireDevel(f, path, req, rep, o, marked); err != nil {
		return nil, false, false, err
	}
	if err := requireBridge(f, path, o, marked); err != nil {
		return nil, false, false, fmt.Errorf("%s: %v", path, err)
	}
	if err := raiseGoLine(f, path, marked); err != nil {
		return nil, false, false, fmt.Errorf("%s: %v", path, err)
	}
	out, err := f.Format()
	if err != nil {
		return nil, false, false, err
	}
	if string(out) == string(data) {
		return nil, sum, ours, nil
	}
	return &FileChange{Path: path, Old: data, New: out}, sum, ours, nil
}

// requireRelease requires the runtime at the released version want, with
// no replace: the go.mod then builds on any machine. An older version in
// a line of ours is raised (an upgrade of the tool). A newer version, or an older
// one in the user's own line, is an error that says what to run, because
// the generated code must match the runtime it calls.
func requireRelease(f *modfile.File, path string, req *modfile.Require, rep *modfile.Replace, want string, marked func(*modfile.Line) *modfile.Line) error {
	if req == nil {
		f.Syntax.Stmt = append(f.Syntax.Stmt, marked(&modfile.Line{Token: []string{"require", modfile.AutoQuote(RuntimeModule), want}}))
		return nil
	}
	if rep != nil {
		return nil // the user's own replace: leave the require as it is
	}
	have := req.Mod.Version
	switch c := semver.Compare(have, want); {
	case c == 0:
		return nil
	case c > 0:
		return fmt.Errorf("%s:%d: requires %s %s, newer than this wbinstrument (%s), whose generated code may not match it; use wbinstrument %s: go get -tool %s@%s (or go install %s@%s)",
			path, req.Syntax.Start.Line, RuntimeModule, have, want, have, ToolPackage, have, ToolPackage, have)
	case !isOurs(req.Syntax):
		return fmt.Errorf("%s:%d: requires %s %s, older than this wbinstrument's %s; run `go get %s@%s` in %s, then rewrite again",
			path, req.Syntax.Start.Line, RuntimeModule, have, want, RuntimeModule, want, filepath.Dir(path))
	}
	return f.AddRequire(RuntimeModule, want)
}

// requireDevel points the runtime at a local checkout: a require of
// PseudoVersion and a replace of the checkout's runtime directory. A
// module that already gets the runtime from that directory (our own
// repository, say) is left alone.
func requireDevel(f *modfile.File, path string, req *modfile.Require, rep *modfile.Replace, o *Options, marked func(*modfile.Line) *modfile.Line) error {
	want := filepath.Join(o.Replace, "runtime")
	if rep != nil && rep.New.Version == "" {
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
			return err
		}
	}
	if want != "" {
		switch {
		case rep == nil:
			f.Syntax.Stmt = append(f.Syntax.Stmt, marked(&modfile.Line{Token: []string{"replace", modfile.AutoQuote(RuntimeModule), "=>", modfile.AutoQuote(want)}}))
		case rep.New.Path != want || rep.New.Version != "":
			if err := f.AddReplace(RuntimeModule, rep.Old.Version, want, ""); err != nil {
				return err
			}
		}
	}
	return nil
}

// raiseGoLine raises a go line below the runtime's (or adds one), noting
// the old value on the line for revert.
func raiseGoLine(f *modfile.File, path string, marked func(*modfile.Line) *modfile.Line) error {
	if f.Go == nil {
		if err := f.AddGoStmt(runtimeGoVersion); err != nil {
			return err
		}
		f.Go.Syntax.Comments.Suffix = []modfile.Comment{{Token: goModWasPrefix + "none", Suffix: true}}
		return nil
	}
	if version.Compare("go"+f.Go.Version, "go"+runtimeGoVersion) >= 0 {
		return nil
	}
	old := f.Go.Version
	if version.Compare("go"+old, "go1.17") < 0 {
		// From go 1.17 on, go.mod must list every module that provides
		// a package the module builds (module graph pruning); without
		// them `go build` stops with "updates to go.mod needed".
		if err := addIndirect(f, filepath.Dir(path), marked); err != nil {
			return err
		}
	}
	if err := f.AddGoStmt(runtimeGoVersion); err != nil {
		return err
	}
	f.Go.Syntax.Comments.Suffix = []modfile.Comment{{Token: goModWasPrefix + old, Suffix: true}}
	return nil
}

// isOurs reports whether a go.mod line carries the rewrite's marker.
func isOurs(l *modfile.Line) bool {
	for _, c := range l.Comments.Suffix {
		if t := strings.TrimSpace(c.Token); t == goModMarker || t == goModIndirectMarker {
			return true
		}
	}
	return false
}

// ourRequires are the modules, the runtime and its bridge, whose require
// in go.mod was the rewrite's own.
type ourRequires map[string]bool

// revertGoMod removes the lines rewriteGoMod added and restores the go
// line. runtimeOurs reports which of the runtime's and the bridge's
// requires were among them, so that revertGoSum removes the go.sum lines
// added with them.
func revertGoMod(path string) (c *FileChange, runtimeOurs ourRequires, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	f, err := modfile.Parse(path, data, nil)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range f.Require {
		if isOurs(r.Syntax) {
			if r.Mod.Path == RuntimeModule || r.Mod.Path == BridgeModule {
				if runtimeOurs == nil {
					runtimeOurs = ourRequires{}
				}
				runtimeOurs[r.Mod.Path] = true
			}
			if err := f.DropRequire(r.Mod.Path); err != nil {
				return nil, nil, err
			}
		}
	}
	for _, r := range f.Replace {
		if (r.Old.Path == RuntimeModule || r.Old.Path == BridgeModule) && isOurs(r.Syntax) {
			if err := f.DropReplace(r.Old.Path, r.Old.Version); err != nil {
				return nil, nil, err
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
				return nil, nil, fmt.Errorf("%s: go line: %v", path, err)
			} else {
				f.Go.Syntax.Comments.Suffix = nil
			}
			break
		}
	}
	f.Cleanup()
	out, err := f.Format()
	if err != nil {
		return nil, nil, err
	}
	if string(out) == string(data) {
		return nil, runtimeOurs, nil
	}
	return &FileChange{Path: path, Old: data, New: out}, runtimeOurs, nil
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

// modLines returns go.mod's (last) require and replace of module path,
// nil where there is none.
func modLines(f *modfile.File, path string) (req *modfile.Require, rep *modfile.Replace) {
	for _, r := range f.Require {
		if r.Mod.Path == path {
			req = r
		}
	}
	for _, r := range f.Replace {
		if r.Old.Path == path {
			rep = r
		}
	}
	return req, rep
}
