package rewriter

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// Actions a Site can report.
const (
	ActionRewritten = "rewritten"
	// ActionUpdated is an instrumented call site whose site literal was
	// stale (the user moved it) and has been corrected.
	ActionUpdated           = "updated"
	ActionAlready           = "already instrumented"
	ActionDirective         = "skipped by directive"
	ActionGenerated         = "skipped generated"
	ActionNotInstrumentable = "not instrumentable"
	// ActionReported is for configs (DefaultConfig, DefaultAzureConfig):
	// they are instrumented where they reach NewClientWithConfig, so the
	// call itself is not edited.
	ActionReported = "reported"
	// ActionReverted is what Revert reports for each site it removed.
	ActionReverted = "reverted"
)

// A Site is one use of go-openai found in user code. Its JSON form is
// part of the -json report (see Report).
type Site struct {
	// File is the absolute path of the file.
	File string `json:"file"`
	// Line and Column (1-based, column in bytes) locate the site in the
	// file as the command read it, like a compiler error.
	Line   int `json:"line"`
	Column int `json:"column"`
	// Func is the enclosing function as the runtime names it
	// (main.run, main.(*Bot).Ask, main.run.func1).
	Func string `json:"function,omitempty"`
	// Target is the go-openai method or function: "(*Client).ListModels",
	// "NewClient", "DefaultAzureConfig"; for openai-go, the service method
	// or the constructor with its package: "ChatCompletionService.New",
	// "openai.NewClient", "responses.NewResponseService"; "Finish" for a
	// reverted hook.
	Target string `json:"target"`
	// Kind is one of: call, method value, method expression, interface
	// call, constructor, constructor value, config; "reverted" in a
	// revert report.
	Kind string `json:"kind"`
	// Action is one of the Action constants.
	Action string `json:"action"`
	// Reason says why a site is not instrumentable, reported or updated.
	Reason string `json:"reason,omitempty"`
}

// A FileChange is one file the rewrite (or revert) creates, changes or
// deletes. Old is nil for a created file, New is nil for a deleted one.
type FileChange struct {
	Path string `json:"path"`
	Old  []byte `json:"-"`
	New  []byte `json:"-"`
}

// Report is the result of a Rewrite or Revert. `wbinstrument rewrite
// -json` prints it with encoding/json, and scripts may rely on this form
// (fields are only ever added):
//
//	{
//	  "sites": [                        // sorted by file, line, column
//	    {"file": "/abs/main.go", "line": 20, "column": 17,
//	     "function": "main.run", "target": "(*Client).CreateChatCompletion",
//	     "kind": "call", "action": "rewritten"},
//	    {"file": "/abs/main.go", "line": 31, "column": 7,
//	     "function": "main.main", "target": "NewClient",
//	     "kind": "constructor value", "action": "not instrumentable",
//	     "reason": "constructor used as a value: ..."}
//	  ],
//	  "changed_files": [{"path": "/abs/main.go"}, {"path": "/abs/go.mod"}],
//	  "warnings": ["/abs/main.go:15:3: os.Exit in main skips ..."]
//	}
//
// "sites" and "changed_files" are always present ([] when empty);
// "function", "reason" and "warnings" are left out when empty. The
// actions are the Action constants: rewritten, updated, already
// instrumented, skipped by directive, skipped generated, not
// instrumentable, reported (rewrite) and reverted (revert). With -l or -d
// the changed files are the ones that would change.
type Report struct {
	Sites []Site `json:"sites"`
	// Files are the changes, applied unless Options.DryRun was set.
	Files []FileChange `json:"changed_files"`
	// Warnings are problems that do not stop the rewrite, such as os.Exit
	// in a main that skips the deferred finish.
	Warnings []string `json:"warnings,omitempty"`
}

// Changed reports whether the report holds any file change.
func (r *Report) Changed() bool { return len(r.Files) > 0 }

// Summary is the one-line human summary the CLI prints without -json.
func (r *Report) Summary() string {
	files := map[string]bool{}
	counts := map[string]int{}
	for _, s := range r.Sites {
		files[s.File] = true
		counts[s.Action]++
	}
	var parts []string
	for _, a := range []string{ActionRewritten, ActionUpdated, ActionReverted, ActionAlready, ActionDirective, ActionGenerated, ActionNotInstrumentable, ActionReported} {
		if counts[a] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[a], a))
		}
	}
	s := fmt.Sprintf("%s in %s", plural(len(r.Sites), "site"), plural(len(files), "file"))
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s + fmt.Sprintf("; %s changed", plural(len(r.Files), "file"))
}

// plural spells a count with its noun: "1 file", "2 files".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// sort puts the report in its documented order, with empty lists as []
// rather than null in JSON.
func (r *Report) sort() {
	if r.Sites == nil {
		r.Sites = []Site{}
	}
	if r.Files == nil {
		r.Files = []FileChange{}
	}
	sort.SliceStable(r.Sites, func(i, j int) bool {
		a, b := r.Sites[i], r.Sites[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	sort.Slice(r.Files, func(i, j int) bool { return r.Files[i].Path < r.Files[j].Path })
}

func relPath(dir, path string) (string, error) {
	rel, err := filepath.Rel(dir, path)
	if err != nil || strings.HasPrefix(rel, "..") {
		return path, err
	}
	return filepath.ToSlash(rel), nil
}
