package wandb

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRawRowSameBytes: rows logged as RawRows, a table among them, make
// the same log and table files, byte for byte, as the same rows logged as
// maps through LogFunc and Step.Table; the summary keeps their latest
// values, and the hook learns each row's step.
func TestRawRowSameBytes(t *testing.T) {
	cols := []string{"request", "n", "x"}
	mapDir, rawDir := t.TempDir(), t.TempDir()

	m := mustInit(t, Options{Dir: mapDir}, testHooks(io.Discard))
	m.DefineMetric("usage/*", "_timestamp")
	for i := 0; i < 3; i++ {
		i := i
		m.LogFuncWait(func(s *Step) map[string]interface{} {
			row := map[string]interface{}{"usage/total_tokens": 10 + i, "trace": RawJSON(`{"a":"<b>"}`), "zz": 0.5}
			if i == 2 {
				ref, err := s.Table("stats", cols, [][]interface{}{{RawJSON(`"{\"q\":1}"`), 1, 1.5}, {"a<b", 2, 2.5}})
				if err != nil {
					t.Error(err)
				}
				row["stats"] = ref
			}
			return row
		}, time.Now().Add(time.Minute))
	}
	if err := m.Finish(); err != nil {
		t.Fatal(err)
	}

	r := mustInit(t, Options{Dir: rawDir}, testHooks(io.Discard))
	r.DefineMetric("usage/*", "_timestamp")
	hook := &stepsSeen{}
	for i := 0; i < 3; i++ {
		row := &RawRow{Items: []RawItem{{"trace", []byte(`{"a":"<b>"}`)}, {"usage/total_tokens", []byte{'1', byte('0' + i)}}, {"zz", []byte("0.5")}}, Written: hook}
		if i == 2 {
			row.Table = &RawTable{Key: "stats", Columns: cols, Rows: []byte(`["{\"q\":1}",1,1.5],["a\u003cb",2,2.5]`), NRows: 2, Release: hook}
		}
		r.LogRowWait(row, time.Now().Add(time.Minute))
	}
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	if len(hook.steps) != 3 || hook.steps[2] != 2 {
		t.Errorf("steps written %v, want 0 1 2", hook.steps)
	}
	if len(hook.released) != 1 || !bytes.HasPrefix(hook.released[0], []byte(`["{`)) {
		t.Errorf("rows given back: %q, want the table's", hook.released)
	}
	for _, rel := range []string{"run-t3strun0.wandb", "files/media/table"} {
		a, b := listBytes(t, filepath.Join(m.Dir(), rel)), listBytes(t, filepath.Join(r.Dir(), rel))
		if len(a) == 0 || len(a) != len(b) {
			t.Fatalf("%s: %d files from maps, %d from raw rows", rel, len(a), len(b))
		}
		for name, want := range a {
			if got, ok := b[name]; !ok || !bytes.Equal(got, want) {
				t.Errorf("%s/%s differs:\nmaps %q\nraw  %q", rel, name, want, got)
			}
		}
	}
	sum := readRun(t, r).Summary
	if string(sum["usage/total_tokens"]) != "12" || string(sum["zz"]) != "0.5" || !bytes.Contains(sum["stats"], []byte(`"nrows":2`)) {
		t.Errorf("summary %v", sum)
	}
}

type stepsSeen struct {
	steps    []int64
	released [][]byte
}

func (s *stepsSeen) RowWritten(step int64) { s.steps = append(s.steps, step) }

func (s *stepsSeen) ReleaseRows(rows []byte) { s.released = append(s.released, rows) }

// listBytes reads a file, or every file of a directory, by name.
func listBytes(t *testing.T, p string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if !st.IsDir() {
		b, _ := os.ReadFile(p)
		out[filepath.Base(p)] = b
		return out
	}
	es, _ := os.ReadDir(p)
	for _, e := range es {
		b, _ := os.ReadFile(filepath.Join(p, e.Name()))
		out[e.Name()] = b
	}
	return out
}
