package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/internal/fakewandb"
	"github.com/wbinstrument/wbinstrument/internal/fakeweave"
	"github.com/wbinstrument/wbinstrument/runtime/otlp"
	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

// spooledSpans writes n spans into a run directory's span spool, as an
// offline run of an instrumented program leaves them.
func spooledSpans(t *testing.T, runDir, id string, n int) {
	t.Helper()
	var spans [][]byte
	for i := 0; i < n; i++ {
		s := otlp.Span{Name: "chat gpt-4o-mini", Kind: otlp.KindClient, Start: time.Unix(1700000000, 0), End: time.Unix(1700000001, 0),
			Attributes: []otlp.KeyValue{otlp.String("wandb.wb_run_id", id), otlp.Int("wandb.wb_run_step", int64(i))}}
		s.TraceID, s.SpanID = otlp.NewIDs()
		spans = append(spans, s.Append(nil))
	}
	if err := otlp.AppendSpool(filepath.Join(runDir, filepath.FromSlash(wbopenai.SpoolName)), spans); err != nil {
		t.Fatal(err)
	}
}

// TestSyncSendsSpansOnce: sync uploads an offline run and sends its kept
// spans to Weave under the project W&B filed the run in; a second sync
// skips the run and sends nothing again.
func TestSyncSendsSpansOnce(t *testing.T) {
	srv := fakewandb.New(syncKey)
	defer srv.Close()
	wv := fakeweave.New(syncKey)
	defer wv.Close()
	syncEnv(t, srv, syncKey)
	t.Setenv("WBINSTRUMENT_WEAVE_ENDPOINT", wv.URL())
	dir := t.TempDir()
	runDir, id := offlineRun(t, dir, 4)
	spooledSpans(t, runDir, id, 4)

	code, out, errs := runCLI("sync", "-q", runDir)
	if code != 0 || !strings.Contains(out, "sent 4 spans") {
		t.Fatalf("sync: %d\n%s%s", code, out, errs)
	}
	if n, dup := wv.Spans(); n != 4 || dup != 0 {
		t.Fatalf("Weave got %d spans, %d duplicates", n, dup)
	}
	for _, r := range wv.Accepted() {
		if r.Header.Get("project_id") != fakewandb.DefaultEntity+"/synced" {
			t.Errorf("project_id %q", r.Header.Get("project_id"))
		}
	}
	code, out, errs = runCLI("sync", "-q", runDir)
	if code != 0 || !strings.Contains(out, "skipped") || strings.Contains(out, "spans") {
		t.Fatalf("second sync: %d\n%s%s", code, out, errs)
	}
	if n, _ := wv.Spans(); n != 4 {
		t.Fatalf("Weave got %d spans after the second sync", n)
	}
	noSecret(t, dir, out, errs)
}

// TestSyncSpansLater: spans Weave refused during the first sync cost a
// warning, not the sync, and the next sync sends them, although the run
// itself is already synced.
func TestSyncSpansLater(t *testing.T) {
	srv := fakewandb.New(syncKey)
	defer srv.Close()
	wv := fakeweave.New("another-key") // refuses the key: 401, final
	defer wv.Close()
	syncEnv(t, srv, syncKey)
	t.Setenv("WBINSTRUMENT_WEAVE_ENDPOINT", wv.URL())
	runDir, id := offlineRun(t, t.TempDir(), 2)
	spooledSpans(t, runDir, id, 3)
	code, _, errs := runCLI("sync", "-q", runDir)
	if code != 0 || !strings.Contains(errs, "warning") || !strings.Contains(errs, "HTTP 401") || strings.Contains(errs, syncKey) {
		t.Fatalf("sync with Weave refusing: %d %s", code, errs)
	}
	ok := fakeweave.New(syncKey)
	defer ok.Close()
	t.Setenv("WBINSTRUMENT_WEAVE_ENDPOINT", ok.URL())
	code, out, errs := runCLI("sync", "-q", runDir)
	if code != 0 || !strings.Contains(out, "sent 3 spans") {
		t.Fatalf("second sync: %d\n%s%s", code, out, errs)
	}
	if n, dup := ok.Spans(); n != 3 || dup != 0 {
		t.Fatalf("Weave got %d spans, %d duplicates", n, dup)
	}
}
