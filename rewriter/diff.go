package rewriter

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// unifiedDiff returns a unified diff (3 lines of context) of old and new
// for the -d flag. Our edits are few and local, so the common prefix and
// suffix are trimmed first and an LCS runs on what is left.
func unifiedDiff(name string, old, new []byte) string {
	a, b := splitLines(old), splitLines(new)
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	// ops over the whole files: ' ' keep, '-' delete, '+' insert.
	type op struct {
		kind byte
		line string
	}
	var ops []op
	for _, l := range a[:pre] {
		ops = append(ops, op{' ', l})
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	lcs := make([][]int, len(ma)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(mb)+1)
	}
	for i := len(ma) - 1; i >= 0; i-- {
		for j := len(mb) - 1; j >= 0; j-- {
			if ma[i] == mb[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else if lcs[i+1][j] >= lcs[i][j+1] {
				lcs[i][j] = lcs[i+1][j]
			} else {
				lcs[i][j] = lcs[i][j+1]
			}
		}
	}
	i, j := 0, 0
	for i < len(ma) || j < len(mb) {
		switch {
		case i < len(ma) && j < len(mb) && ma[i] == mb[j]:
			ops = append(ops, op{' ', ma[i]})
			i++
			j++
		case j < len(mb) && (i == len(ma) || lcs[i][j+1] >= lcs[i+1][j]):
			ops = append(ops, op{'+', mb[j]})
			j++
		default:
			ops = append(ops, op{'-', ma[i]})
			i++
		}
	}
	for _, l := range a[len(a)-suf:] {
		ops = append(ops, op{' ', l})
	}
	// Within each run of changes, removed lines come before added ones,
	// as diff -u and git print them; the LCS walk may interleave them.
	for k := 0; k < len(ops); {
		if ops[k].kind == ' ' {
			k++
			continue
		}
		e := k
		for e < len(ops) && ops[e].kind != ' ' {
			e++
		}
		run := ops[k:e]
		sort.SliceStable(run, func(x, y int) bool { return run[x].kind == '-' && run[y].kind == '+' })
		k = e
	}
	var out strings.Builder
	oldName, newName := "a/"+name, "b/"+name
	if old == nil {
		oldName = "/dev/null"
	}
	if new == nil {
		newName = "/dev/null"
	}
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", oldName, newName)
	const ctx = 3
	for k := 0; k < len(ops); {
		if ops[k].kind == ' ' {
			k++
			continue
		}
		// A hunk: from ctx lines before this change to ctx lines after the
		// last change that is within 2*ctx of the previous one.
		start := k - ctx
		if start < 0 {
			start = 0
		}
		end := k
		for e := k; e < len(ops); e++ {
			if ops[e].kind != ' ' {
				end = e
			} else if e-end > 2*ctx {
				break
			}
		}
		stop := end + ctx + 1
		if stop > len(ops) {
			stop = len(ops)
		}
		ao, bo := 1, 1
		for _, o := range ops[:start] {
			if o.kind != '+' {
				ao++
			}
			if o.kind != '-' {
				bo++
			}
		}
		an, bn := 0, 0
		var body strings.Builder
		for _, o := range ops[start:stop] {
			if o.kind != '+' {
				an++
			}
			if o.kind != '-' {
				bn++
			}
			body.WriteByte(o.kind)
			body.WriteString(o.line)
			if !strings.HasSuffix(o.line, "\n") {
				body.WriteString("\n\\ No newline at end of file\n")
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n%s", hunkRange(ao, an), hunkRange(bo, bn), body.String())
		k = stop
	}
	return out.String()
}

// hunkRange formats one side of a hunk header as diff -u does: a range of
// one line is its number alone, and an empty range is given by the line
// before it (0 at the start of the file).
func hunkRange(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start-1)
	case 1:
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}

func splitLines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	parts := bytes.SplitAfter(b, []byte("\n"))
	if len(parts[len(parts)-1]) == 0 {
		parts = parts[:len(parts)-1]
	}
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = string(p)
	}
	return out
}

// Diff returns the unified diff of every change in the report, with paths
// shown relative to dir.
func (r *Report) Diff(dir string) string {
	var b strings.Builder
	for _, f := range r.Files {
		name := f.Path
		if rel, err := relPath(dir, f.Path); err == nil {
			name = rel
		}
		b.WriteString(unifiedDiff(name, f.Old, f.New))
	}
	return b.String()
}
