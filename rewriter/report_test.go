package rewriter

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestSummary(t *testing.T) {
	for _, c := range []struct {
		rep  Report
		want string
	}{
		{Report{}, "0 sites in 0 files; 0 files changed"},
		{Report{
			Sites: []Site{{File: "/m/a.go", Action: ActionUpdated}},
			Files: []FileChange{{Path: "/m/a.go"}},
		}, "1 site in 1 file (1 updated); 1 file changed"},
		{Report{
			Sites: []Site{{File: "/m/a.go", Action: ActionRewritten}, {File: "/m/b.go", Action: ActionNotInstrumentable}, {File: "/m/b.go", Action: ActionRewritten}},
			Files: []FileChange{{Path: "/m/a.go"}, {Path: "/m/b.go"}},
		}, "3 sites in 2 files (2 rewritten, 1 not instrumentable); 2 files changed"},
	} {
		if got := c.rep.Summary(); got != c.want {
			t.Errorf("Summary() = %q, want %q", got, c.want)
		}
	}
}

// TestReportJSON pins the -json field names documented on Report:
// scripts parse them.
func TestReportJSON(t *testing.T) {
	rep := Report{
		Sites:    []Site{{File: "/m/main.go", Line: 3, Column: 7, Func: "main.main", Target: "NewClient", Kind: "constructor", Action: ActionRewritten}},
		Files:    []FileChange{{Path: "/m/main.go", Old: []byte("a"), New: []byte("b")}},
		Warnings: []string{"w"},
	}
	data, err := json.Marshal(&rep)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"sites":[{"file":"/m/main.go","line":3,"column":7,"function":"main.main","target":"NewClient","kind":"constructor","action":"rewritten"}],"changed_files":[{"path":"/m/main.go"}],"warnings":["w"]}`
	if string(data) != want {
		t.Errorf("JSON form changed:\n got %s\nwant %s", data, want)
	}
	empty := &Report{}
	empty.sort()
	data, _ = json.Marshal(empty)
	if string(data) != `{"sites":[],"changed_files":[]}` {
		t.Errorf("empty report: %s", data)
	}
}

// TestUncoveredWarning: rewriting only cmd/app of a module whose llm
// package calls go-openai says that llm was left out, and how to cover it;
// rewriting ./... from the root does not warn.
func TestUncoveredWarning(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, filepath.Join("..", "testdata", "rewrite", "structfield"), dir, dir)
	ctx := context.Background()
	rep, err := Rewrite(ctx, Options{Patterns: []string{filepath.Join(dir, "cmd", "app")}, Replace: replaceRoot(t), DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, w := range rep.Warnings {
		if strings.Contains(w, "were not rewritten (./llm)") && strings.Contains(w, "run the rewrite on ./... from "+dir) {
			found = true
		}
	}
	if !found {
		t.Errorf("no warning names ./llm: %q", rep.Warnings)
	}
	rep, err = Rewrite(ctx, Options{Patterns: []string{dir}, Replace: replaceRoot(t), DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range rep.Warnings {
		if strings.Contains(w, "were not rewritten") {
			t.Errorf("rewriting the whole module still warns: %s", w)
		}
	}
}
