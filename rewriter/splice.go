package rewriter

import (
	"bytes"
	"fmt"
	"go/format"
	"sort"
)

// applyEdits splices the edits into src. Edits are positioned on the
// original bytes; inserts at one offset keep their order, except closers
// (the tail of a wrapper), which go innermost first.
func applyEdits(src []byte, edits []edit) ([]byte, error) {
	type indexed struct {
		edit
		i int
	}
	es := make([]indexed, len(edits))
	for i, e := range edits {
		es[i] = indexed{e, i}
	}
	closer := func(e edit) bool {
		return e.start == e.end && len(e.text) > 0 && (e.text[0] == ',' || e.text[0] == ')')
	}
	sort.SliceStable(es, func(a, b int) bool {
		x, y := es[a], es[b]
		if x.start != y.start {
			return x.start < y.start
		}
		xi, yi := x.start == x.end, y.start == y.end
		if xi != yi {
			return xi // inserts before a replacement at the same offset
		}
		if closer(x.edit) && closer(y.edit) {
			return x.i > y.i
		}
		return x.i < y.i
	})
	var out bytes.Buffer
	last := 0
	for _, e := range es {
		if e.start < last || e.end < e.start || e.end > len(src) {
			return nil, fmt.Errorf("overlapping edits at byte %d", e.start)
		}
		out.Write(src[last:e.start])
		out.WriteString(e.text)
		last = e.end
	}
	out.Write(src[last:])
	return out.Bytes(), nil
}

// gofmtClean reports whether src is already formatted as gofmt would.
func gofmtClean(src []byte) bool {
	out, err := format.Source(src)
	return err == nil && bytes.Equal(out, src)
}

// finishFile applies the edits and keeps a gofmt-clean file gofmt-clean;
// a file that was not formatted is left as the splices make it, so that
// revert can give back its exact bytes. When gofmt would re-lay out more
// than our splices (a one-line func grown past gofmt's width is split
// over three lines), its output is kept only if revert still gives back
// the original bytes; otherwise the file stays as spliced, not
// gofmt-clean, and warn says where and why.
func finishFile(name string, src []byte, edits []edit) (out []byte, warn string, err error) {
	out, err = applyEdits(src, edits)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %v", name, err)
	}
	// Format the output first: when gofmt leaves it as it is, which is
	// the common case, out is the answer whether or not src was clean,
	// and src need not be formatted too (each costs a parse and a print).
	f, err := format.Source(out)
	if err == nil && bytes.Equal(f, out) {
		return out, "", nil
	}
	if !gofmtClean(src) {
		return out, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("%s: rewritten file does not parse (a bug in wbinstrument): %v", name, err)
	}
	if back, _, err := revertSource(name, f); err == nil && bytes.Equal(back, src) {
		return f, "", nil
	}
	line := 1 + bytes.Count(out[:commonPrefix(out, f)], []byte("\n"))
	warn = fmt.Sprintf("%s:%d: left not gofmt-clean: gofmt would split this line, grown past its width by the rewrite, which would move the lines below it and keep revert from restoring the file", name, line)
	return out, warn, nil
}

// commonPrefix returns the length of the longest common prefix of a and b.
func commonPrefix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// formatSource is go/format.Source, named for the places that only want
// to keep an already formatted file formatted.
func formatSource(src []byte) ([]byte, error) { return format.Source(src) }
