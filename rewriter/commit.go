package rewriter

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// commit writes every change all or nothing: each new content goes to a
// temp file next to its target, and only when all are written are they
// renamed into place; deletions come last. On any failure before the
// renames, the temps are removed and the tree is as it was.
func commit(changes []FileChange) (err error) {
	// Refuse read-only targets up front: a rename would replace them even
	// though the user marked them as not to be written.
	for _, c := range changes {
		fi, serr := os.Stat(c.Path)
		if serr == nil && fi.Mode().Perm()&0o222 == 0 {
			return fmt.Errorf("%s: file is read-only, nothing changed", c.Path)
		}
		if serr != nil && !os.IsNotExist(serr) {
			return fmt.Errorf("%s: %v, nothing changed", c.Path, serr)
		}
	}
	var created []string // directories we made, deepest last
	var temps []string
	defer func() {
		if err == nil {
			return
		}
		for _, t := range temps {
			os.Remove(t)
		}
		for i := len(created) - 1; i >= 0; i-- {
			os.Remove(created[i])
		}
	}()
	type pending struct{ tmp, dst string }
	var renames []pending
	for _, c := range changes {
		if c.New == nil {
			continue
		}
		dir := filepath.Dir(c.Path)
		made, merr := mkdirAll(dir)
		created = append(created, made...)
		if merr != nil {
			return fmt.Errorf("%s: %v, nothing changed", dir, merr)
		}
		mode := os.FileMode(0o644)
		if fi, serr := os.Stat(c.Path); serr == nil {
			mode = fi.Mode().Perm()
		}
		f, terr := os.CreateTemp(dir, ".wbinstrument-*.tmp")
		if terr != nil {
			return fmt.Errorf("%s: cannot write: %v, nothing changed", c.Path, terr)
		}
		temps = append(temps, f.Name())
		_, werr := f.Write(c.New)
		cerr := f.Close()
		if werr == nil {
			werr = cerr
		}
		if werr == nil {
			werr = os.Chmod(f.Name(), mode)
		}
		if werr != nil {
			return fmt.Errorf("%s: cannot write: %v, nothing changed", c.Path, werr)
		}
		renames = append(renames, pending{f.Name(), c.Path})
	}
	for i, r := range renames {
		if rerr := os.Rename(r.tmp, r.dst); rerr != nil {
			// Earlier renames are done and cannot be undone atomically;
			// say exactly which files did change.
			done := make([]string, 0, i)
			for _, d := range renames[:i] {
				done = append(done, d.dst)
			}
			return fmt.Errorf("%s: rename failed: %v (already replaced: %v)", r.dst, rerr, done)
		}
	}
	temps = nil
	var dirs []string
	for _, c := range changes {
		if c.New == nil {
			if rerr := os.Remove(c.Path); rerr != nil && !os.IsNotExist(rerr) {
				return fmt.Errorf("%s: cannot remove: %v", c.Path, rerr)
			}
			dirs = append(dirs, filepath.Dir(c.Path))
		}
	}
	removeEmptyDirs(dirs)
	return nil
}

// mkdirAll is os.MkdirAll that returns the directories it created.
func mkdirAll(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	var made []string
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o755); err != nil {
			return made, err
		}
		made = append(made, missing[i])
	}
	return made, nil
}

// removeEmptyDirs removes the directories (and then their parents) that
// deletions left empty, stopping at the first non-empty one.
func removeEmptyDirs(dirs []string) {
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		for {
			if os.Remove(d) != nil {
				break
			}
			d = filepath.Dir(d)
			if filepath.Base(d) == "vendor" {
				break
			}
		}
	}
}
