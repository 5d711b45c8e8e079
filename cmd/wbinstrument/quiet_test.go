package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRewriteListStdoutIsFileNames: the output of rewrite -l is fit for
// xargs: one changed file a line and nothing else, progress included; -q
// silences progress and notes for the other modes, warnings stay.
func TestRewriteListStdoutIsFileNames(t *testing.T) {
	dir := copyCase(t, "direct")
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)

	// No -replace: the dev build's note about the runtime it uses is a
	// note like the progress lines.
	code, out, errs := cli("rewrite", "-l", ".")
	want := strings.Join([]string{"go.mod", "main.go", "wbinstrument_gen.go"}, "\n")
	var got []string
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if !filepath.IsAbs(l) || filepath.Dir(l) != dir {
			t.Errorf("rewrite -l: stdout line %q is not a file of %s", l, dir)
		}
		got = append(got, filepath.Base(l))
	}
	if code != 1 || strings.Join(got, "\n") != want {
		t.Errorf("rewrite -l: exit %d, files %q, want %q", code, got, want)
	}
	if strings.Contains(errs, "loading") || strings.Contains(errs, "using the runtime") {
		t.Errorf("rewrite -l: progress on stderr:\n%s", errs)
	}

	code, out, errs = cli("rewrite", "-d", ".")
	if code != 1 || !strings.HasPrefix(out, "--- a/go.mod\n") || strings.Contains(out, "loading") {
		t.Errorf("rewrite -d: exit %d, stdout:\n%s", code, out)
	}
	if !strings.Contains(errs, "loading ./... in "+dir) || !strings.Contains(errs, "using the runtime") {
		t.Errorf("rewrite -d: no progress on stderr:\n%s", errs)
	}
	code, _, errs = cli("rewrite", "-d", "-q", ".")
	if code != 1 || strings.Contains(errs, "loading") || strings.Contains(errs, "using the runtime") {
		t.Errorf("rewrite -d -q: exit %d, stderr:\n%s", code, errs)
	}

	code, out, errs = cli("rewrite", "-q", ".")
	if code != 0 || !strings.HasPrefix(out, "6 sites in 1 file") {
		t.Errorf("rewrite -q: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if errs != "warning: "+firstLine(t, errs, "warning: ") || !strings.Contains(errs, "os.Exit in main") {
		t.Errorf("rewrite -q: stderr should hold the os.Exit warning alone:\n%s", errs)
	}

	code, out, errs = cli("revert", "-l", ".")
	if code != 1 || !strings.Contains(out, filepath.Join(dir, "main.go")+"\n") || strings.Contains(out, "loading") || strings.Contains(errs, "loading") {
		t.Errorf("revert -l: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	code, out, errs = cli("revert", "-q", ".")
	if code != 0 || out == "" || errs != "" {
		t.Errorf("revert -q: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// firstLine returns the rest of errs after prefix, up to and including the
// end of that line, or fails.
func firstLine(t *testing.T, errs, prefix string) string {
	t.Helper()
	i := strings.Index(errs, prefix)
	if i < 0 {
		t.Fatalf("no %q in:\n%s", prefix, errs)
	}
	rest := errs[i+len(prefix):]
	if j := strings.IndexByte(rest, '\n'); j >= 0 {
		return rest[:j+1]
	}
	return rest
}
