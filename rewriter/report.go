package rewriter

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// Actions a Site can report.
const (
	ActionRewritten         = "rewritten"
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

// A Site is one use of go-openai found in user code.
type Site struct {
	File   string `json:"file"` // absolute path
	Line   int    `json:"line"`
	Column int    `json:"column"`
	// Func is the enclosing function as the runtime names it
	// (main.run, main.(*Bot).Ask, main.run.func1).
	Func string `json:"function,omitempty"`
	// Target is the go-openai method or function: "(*Client).ListModels",
	// "NewClient", "DefaultAzureConfig".
	Target string `json:"target"`
	// Kind is call, method value, constructor, config, interface call or
	// method expression.
	Kind   string `json:"kind"`
	Action string `json:"action"`
	Reason string `json:"reason,omitempty"`
}

// A FileChange is one file the rewrite (or revert) creates, changes or
// deletes. Old is nil for a created file, New is nil for a deleted one.
type FileChange struct {
	Path string `json:"path"`
	Old  []byte `json:"-"`
	New  []byte `json:"-"`
}

// Report is the result of a Rewrite or Revert.
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
	for _, a := range []string{ActionRewritten, ActionReverted, ActionAlready, ActionDirective, ActionGenerated, ActionNotInstrumentable, ActionReported} {
		if counts[a] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[a], a))
		}
	}
	s := fmt.Sprintf("%d sites in %d files", len(r.Sites), len(files))
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s + fmt.Sprintf("; %d files changed", len(r.Files))
}

func (r *Report) sort() {
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
