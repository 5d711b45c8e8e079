package testtree

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// Read returns every file below dir, keyed by its slash path relative to
// dir: the snapshot a test takes before a rewrite, to compare with the
// tree after revert.
func Read(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Compare reports, in name order, each file that want has and got has
// not, that got has and want has not, or that differs; diff says how two
// versions of a file differ (nil: the message names the file alone).
func Compare(t testing.TB, want, got map[string]string, diff func(name string, want, got []byte) string) {
	t.Helper()
	var names []string
	for n := range want {
		names = append(names, n)
	}
	for n := range got {
		if _, ok := want[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		w, wok := want[n]
		g, gok := got[n]
		switch {
		case !wok:
			t.Errorf("unexpected file %s:\n%s", n, g)
		case !gok:
			t.Errorf("missing file %s", n)
		case w != g && diff != nil:
			t.Errorf("%s differs:\n%s", n, diff(n, []byte(w), []byte(g)))
		case w != g:
			t.Errorf("%s differs", n)
		}
	}
}
