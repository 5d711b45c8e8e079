package rewriter

import (
	"fmt"
	"go/version"
	"os"
	"path/filepath"
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
			if strings.TrimSpace(c.Token) == goModMarker {
				return true
			}
		}
		return false
	}
	for _, r := range f.Require {
		if r.Mod.Path == RuntimeModule && ours(r.Syntax) {
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

func sameDir(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}
