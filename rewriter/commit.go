package rewriter

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
)

// tempPattern names the temp files that commit renames into place.
const tempPattern = ".wbinstrument-*.tmp"

// commit writes every change all or nothing: each new content goes to a
// temp file next to its target, and only when all are written are they
// renamed into place; deletions come last. On any failure before the
// renames, the temps are removed and the tree is as it was. staged holds
// temps a stager already wrote; commit uses (and removes from the map)
// those that match a change's content and mode, and writes the rest.
func commit(changes []FileChange, staged map[string]stagedTemp) (err error) {
	// Refuse read-only targets up front: a rename would replace them even
	// though the user marked them as not to be written. The same look
	// gives the mode each new content keeps.
	modes := make([]os.FileMode, len(changes))
	for i, c := range changes {
		fi, serr := os.Stat(c.Path)
		if serr == nil && fi.Mode().Perm()&0o222 == 0 {
			return fmt.Errorf("%s: file is read-only, nothing changed", c.Path)
		}
		if serr != nil && !os.IsNotExist(serr) {
			return fmt.Errorf("%s: %v, nothing changed", c.Path, serr)
		}
		modes[i] = 0o644
		if serr == nil {
			modes[i] = fi.Mode().Perm()
		}
	}
	var created []string // directories we made, deepest last
	temps := make([]string, len(changes))
	defer func() {
		if err == nil {
			return
		}
		for _, t := range temps {
			if t != "" {
				os.Remove(t)
			}
		}
		for i := len(created) - 1; i >= 0; i-- {
			os.Remove(created[i])
		}
	}()
	var writes []int // indexes of the changes with new content
	dirDone := map[string]bool{}
	for i, c := range changes {
		if c.New == nil {
			continue
		}
		writes = append(writes, i)
		dir := filepath.Dir(c.Path)
		if dirDone[dir] {
			continue
		}
		dirDone[dir] = true
		made, merr := mkdirAll(dir)
		created = append(created, made...)
		if merr != nil {
			return fmt.Errorf("%s: %v, nothing changed", dir, merr)
		}
	}
	var unstaged []int
	for _, i := range writes {
		if tmp, ok := takeStaged(staged, changes[i].Path, changes[i].New, modes[i]); ok {
			temps[i] = tmp
		} else {
			unstaged = append(unstaged, i)
		}
	}
	if err := writeTemps(changes, unstaged, modes, temps); err != nil {
		return err
	}
	for n, i := range writes {
		if rerr := os.Rename(temps[i], changes[i].Path); rerr != nil {
			// Earlier renames are done and cannot be undone atomically;
			// say exactly which files did change.
			done := make([]string, 0, n)
			for _, j := range writes[:n] {
				done = append(done, changes[j].Path)
				temps[j] = ""
			}
			return fmt.Errorf("%s: rename failed: %v (already replaced: %v)", changes[i].Path, rerr, done)
		}
	}
	for i := range temps {
		temps[i] = ""
	}
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

// finish ends a Rewrite or Revert: it sorts the report and, unless
// dryRun, commits its files, taking what st staged (st is nil for a
// revert, which stages nothing). An interrupt seen by then changes
// nothing.
func finish(ctx context.Context, rep *Report, dryRun bool, st *stager) (*Report, error) {
	rep.sort()
	if err := ctx.Err(); err != nil {
		return nil, interrupted(err)
	}
	if !dryRun && len(rep.Files) > 0 {
		if err := commit(rep.Files, st.wait()); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// interrupted is the error of a rewrite or revert whose context ended
// (Ctrl-C in the CLI) before commit began: commit itself is not stopped
// half way, so either every file changed or none did.
func interrupted(err error) error {
	return fmt.Errorf("interrupted, nothing changed: %w", err)
}

// tempWriters is how many temp files commit writes at once. Creating a
// file is most of the cost of a write here (the file system looks for a
// free inode), and a few at a time overlap that work.
const tempWriters = 4

// writeTemps writes changes[i].New, for each i in writes, to a new temp
// file next to changes[i].Path with mode modes[i], and records its name
// in temps[i]. Its error is the one the first failing change in writes
// order would give when written one by one; the caller removes every
// temp named in temps.
func writeTemps(changes []FileChange, writes []int, modes []os.FileMode, temps []string) error {
	errs := make([]error, len(changes))
	var failed atomic.Bool
	write := func(i int) {
		defer func() {
			if errs[i] != nil {
				failed.Store(true)
			}
		}()
		tmp, err := writeTemp(changes[i].Path, changes[i].New, modes[i])
		if err != nil {
			errs[i] = fmt.Errorf("%s: cannot write: %v, nothing changed", changes[i].Path, err)
			return
		}
		temps[i] = tmp
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < tempWriters && w < len(writes); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				write(i)
			}
		}()
	}
	for _, i := range writes {
		if failed.Load() {
			break // nothing more is needed to report the first failure
		}
		next <- i
	}
	close(next)
	wg.Wait()
	for _, i := range writes {
		if errs[i] != nil {
			return errs[i]
		}
	}
	return nil
}

// writeTemp writes data with mode to a new temp file next to path and
// returns its name. On failure it removes what it created.
func writeTemp(path string, data []byte, mode os.FileMode) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), tempPattern)
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(mode)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
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
