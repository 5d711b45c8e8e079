package view

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestLiveReadsOnlyWhatWasAppended grows a copy of a run's log the way a
// run being written does, cut at a record boundary, then at a block
// boundary inside a record, then inside that record's second chunk, and
// refreshes after each. After the first read it damages a record the
// first read took in: a refresh that read the log from its start again
// would stop there. At the end every page must show what a fresh load
// of the whole log shows.
func TestLiveReadsOnlyWhatWasAppended(t *testing.T) {
	ref, full := smallRunLog(t)
	const blockSize = 32768
	// A call whose record spans a block boundary, after the first cut.
	first := 10
	cut := ref.Calls[first].Offset
	split := -1
	var boundary int64
	for i := first; i+1 < len(ref.Calls); i++ {
		b := (ref.Calls[i].Offset/blockSize + 1) * blockSize
		if ref.Calls[i+1].Offset > b+20 {
			split, boundary = i, b
			break
		}
	}
	if split < 0 {
		t.Fatal("no record spans a block boundary")
	}

	path := filepath.Join(t.TempDir(), filepath.Base(ref.Data.Path))
	if err := os.WriteFile(path, full[:cut], 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := New(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.Snapshot().Calls); n != first {
		t.Fatalf("first read: %d calls, want %d", n, first)
	}
	// The first read's bodies, before the damage (the server reads them
	// in the background).
	if _, err := s.Snapshot().idx.bodies(); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	damage := ref.Calls[0].Offset + 30
	if _, err := f.WriteAt([]byte{full[damage] ^ 0xff}, damage); err != nil {
		t.Fatal(err)
	}

	grow := func(to int64, wantCalls int, wantTorn bool) *Snapshot {
		t.Helper()
		st, _ := f.Stat()
		if _, err := f.WriteAt(full[st.Size():to], st.Size()); err != nil {
			t.Fatal(err)
		}
		if err := s.Reload(false); err != nil {
			t.Fatal(err)
		}
		snap := s.Snapshot()
		if len(snap.Calls) != wantCalls {
			t.Fatalf("log cut at byte %d: %d calls, want %d", to, len(snap.Calls), wantCalls)
		}
		if torn := snap.Corrupt != nil && snap.Corrupt.Torn; torn != wantTorn || (snap.Corrupt != nil && !snap.Corrupt.Torn) {
			t.Fatalf("log cut at byte %d: corrupt %v, want torn %v (a read from the start would find the damage at byte %d)", to, snap.Corrupt, wantTorn, damage)
		}
		return snap
	}
	grow(boundary, split, true)    // the record's first chunk ends its block
	grow(boundary+20, split, true) // inside its second chunk
	grow(int64(len(full)), len(ref.Calls), false)

	// Every page as a fresh load of the whole log shows it.
	refPath := filepath.Join(t.TempDir(), filepath.Base(ref.Data.Path))
	if err := os.WriteFile(refPath, full, 0o644); err != nil {
		t.Fatal(err)
	}
	_, refHS := newTestServer(t, refPath)
	hs := httptest.NewServer(s)
	defer hs.Close()
	for _, p := range []string{"/api/overview", "/api/calls?limit=1000", "/api/calls?sort=latency&dir=desc&q=capital&limit=1000",
		"/api/facets", "/api/models", "/api/timeline", "/api/call?i=42"} {
		var got, want map[string]interface{}
		getJSON(t, hs, p, 200, &got)
		getJSON(t, refHS, p, 200, &want)
		// These name the copy's directory, or time the answer.
		for _, k := range []string{"path", "runDir", "statsError", "loadedAt", "loadMs", "queryMs"} {
			delete(got, k)
			delete(want, k)
		}
		if !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			t.Errorf("%s after live reads:\n%.2000s\nafter one read:\n%.2000s", p, g, w)
		}
	}
}

// TestLiveReadsAgainAReplacedLog: a log that is another file now, or
// shorter, is read from its start.
func TestLiveReadsAgainAReplacedLog(t *testing.T) {
	ref, full := smallRunLog(t)
	path := filepath.Join(t.TempDir(), filepath.Base(ref.Data.Path))
	if err := os.WriteFile(path, full, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := New(path)
	if err != nil {
		t.Fatal(err)
	}
	// The same size, another file: the first calls only, then padding
	// that is not a record.
	short := append(append([]byte(nil), full[:ref.Calls[20].Offset]...), make([]byte, len(full)-int(ref.Calls[20].Offset))...)
	tmp := path + ".new"
	if err := os.WriteFile(tmp, short, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(false); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Snapshot().Calls); n != 20 {
		t.Fatalf("replaced log: %d calls, want 20", n)
	}
}

// smallRunLog loads the small fixture run and returns it with the bytes
// of its log.
func smallRunLog(t *testing.T) (*Snapshot, []byte) {
	t.Helper()
	ref := mustLoad(t, smallRun(t))
	full, err := os.ReadFile(ref.Data.Path)
	if err != nil {
		t.Fatal(err)
	}
	return ref, full
}
