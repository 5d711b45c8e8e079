package testtree

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// recorder keeps what Compare reports instead of failing the test.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// TestReadCompare: Read keys every file by its slash path, and a tree
// read again after a change is reported file by file, in name order:
// what went missing, what is new, what differs (with the diff given).
func TestReadCompare(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string]string{"a.go": "a", "sub/b.go": "b", "sub/c.go": "c"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before := Read(t, dir)
	if want := map[string]string{"a.go": "a", "sub/b.go": "b", "sub/c.go": "c"}; !reflect.DeepEqual(before, want) {
		t.Fatalf("Read = %v, want %v", before, want)
	}
	Compare(t, before, Read(t, dir), nil)

	os.Remove(filepath.Join(dir, "sub", "b.go"))
	os.WriteFile(filepath.Join(dir, "sub", "c.go"), []byte("C"), 0o644)
	os.WriteFile(filepath.Join(dir, "d.go"), []byte("d"), 0o644)
	r := &recorder{TB: t}
	Compare(r, before, Read(t, dir), func(name string, want, got []byte) string {
		return fmt.Sprintf("%s: %s -> %s", name, want, got)
	})
	want := []string{"unexpected file d.go:\nd", "missing file sub/b.go", "sub/c.go differs:\nsub/c.go: c -> C"}
	if !reflect.DeepEqual(r.errs, want) {
		t.Errorf("Compare reported %q, want %q", r.errs, want)
	}
}
