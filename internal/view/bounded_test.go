package view

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestBodiesNotKeptSameAnswers: a run too big to keep its search text
// and per-call facts (more than maxBodyCalls calls, or more than
// maxBodyBytes of them, here lowered) answers text queries by reading
// the log again and the models page from the facts added up per model:
// the answers must be those of a run that keeps them, in live mode too.
func TestBodiesNotKeptSameAnswers(t *testing.T) {
	dir := smallRun(t)
	kept, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := kept.idx.bodies(); err != nil || b.dropped || len(b.hay) != smallN {
		t.Fatalf("the small run should keep its bodies: %v", err)
	}
	wantModels, err := kept.models()
	if err != nil {
		t.Fatal(err)
	}
	queries := []string{"paris", "get_weather", "gpt-4o", "error", "main.summarize", "no call has this"}
	type answer struct {
		total int
		rows  []int32
	}
	search := func(s *Snapshot) []answer {
		var out []answer
		for _, q := range queries {
			for _, f := range []Filter{{Query: q}, {Query: q, Model: "gpt-4o"}} {
				total, rows, err := s.idx.page(f, "latency", true, 3, 40)
				if err != nil {
					t.Fatalf("%q: %v", q, err)
				}
				out = append(out, answer{total, rows})
			}
		}
		return out
	}
	want := search(kept)
	some := 0
	for _, a := range want {
		if a.total > 0 && a.total < smallN {
			some++
		}
	}
	if some < 3 {
		t.Fatalf("the queries do not tell calls apart: %+v", want)
	}

	defer func(c int, b int64) { maxBodyCalls, maxBodyBytes = c, b }(maxBodyCalls, maxBodyBytes)
	for _, lim := range []struct {
		calls int
		bytes int64
	}{{0, 128 << 20}, {smallN, 20 << 10}} { // dropped from the start; dropped part way
		maxBodyCalls, maxBodyBytes = lim.calls, lim.bytes
		s, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.idx.bodies()
		if err != nil || !b.dropped || b.hay != nil || b.facts != nil {
			t.Fatalf("%+v: the bodies were kept (%v)", lim, err)
		}
		got, err := s.models()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, wantModels) {
			t.Errorf("%+v: models page differs:\n%+v\nwant\n%+v", lim, got, wantModels)
		}
		if got := search(s); !reflect.DeepEqual(got, want) {
			t.Errorf("%+v: search differs:\n%+v\nwant\n%+v", lim, got, want)
		}
	}

	// Live mode: a first read that drops its bodies, then the rest.
	maxBodyCalls = 0
	full, err := os.ReadFile(kept.Data.Path)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), filepath.Base(kept.Data.Path))
	if err := os.WriteFile(path, full[:kept.Calls[100].Offset], 0o644); err != nil {
		t.Fatal(err)
	}
	srv, err := New(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Snapshot().models(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, full, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := srv.Reload(false); err != nil {
		t.Fatal(err)
	}
	s := srv.Snapshot()
	if len(s.Calls) != smallN {
		t.Fatalf("live: %d calls, want %d", len(s.Calls), smallN)
	}
	got, err := s.models()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, wantModels) {
		t.Errorf("live: models page differs:\n%+v\nwant\n%+v", got, wantModels)
	}
	if got := search(s); !reflect.DeepEqual(got, want) {
		t.Errorf("live: search differs")
	}
}
