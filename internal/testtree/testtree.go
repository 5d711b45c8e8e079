// Package testtree copies, reads and compares directory trees for tests
// that rewrite a copy of a program (a testdata case, a corpus program),
// must never touch the original, and check what the copy holds after
// (Copy, then Read before and after, then Compare).
package testtree

import (
	"os"
	"path/filepath"
	"testing"
)

// Copy copies the tree at src to dst, directories included. Files keep
// their permission bits and are made writable by their owner, since
// sources such as ../shared/corpus are read-only and the copy is there
// to be rewritten.
func Copy(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if fi.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, fi.Mode().Perm()|0o200)
	})
	if err != nil {
		t.Fatal(err)
	}
}
