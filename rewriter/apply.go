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
// revert can give back its exact bytes.
func finishFile(name string, src []byte, edits []edit) ([]byte, error) {
	out, err := applyEdits(src, edits)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if gofmtClean(src) {
		f, err := format.Source(out)
		if err != nil {
			return nil, fmt.Errorf("%s: rewritten file does not parse (a bug in wbinstrument): %v", name, err)
		}
		// gofmt may re-lay out more than our splices (a one-line func
		// grown past its width is split); keep its output only when
		// revert still gives back the original bytes.
		if back, _, err := revertSource(name, f); err == nil && bytes.Equal(back, src) {
			out = f
		}
	}
	return out, nil
}

// formatSource is go/format.Source, named for the places that only want
// to keep an already formatted file formatted.
func formatSource(src []byte) ([]byte, error) { return format.Source(src) }
