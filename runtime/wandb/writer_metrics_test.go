package wandb

import (
	"encoding/hex"
	"io"
	"reflect"
	"testing"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// TestExpandedMetricBytes pins the record W&B's handler writes for a key
// matching a glob (core/internal/stream/handler.go, flushPartialHistory:
// definedMetric.ToRecord(key, false) with ExpandedFromGlob set), as Go's
// protobuf encodes it: fields in number order, options {step_sync},
// an empty summary (always set by ToRecord), _control {overwrite}, and
// expanded_from_glob (wandb/proto/wandb_internal.proto, MetricRecord).
func TestExpandedMetricBytes(t *testing.T) {
	var wm writerMetrics
	wm.note(&wandbfile.MetricRecord{GlobName: "usage/*", StepMetric: "_timestamp", Options: wandbfile.MetricOptions{StepSync: true, Defined: true}})
	m := wm.expand("usage/total_tokens")
	if m == nil {
		t.Fatal("usage/total_tokens not expanded")
	}
	b, err := wandbfile.AppendRecord(nil, &wandbfile.Record{Num: 5, Metric: m})
	if err != nil {
		t.Fatal(err)
	}
	want := "0805" + "62" + "2c" + // num 5; metric, 44 bytes
		"0a12" + hex.EncodeToString([]byte("usage/total_tokens")) +
		"220a" + hex.EncodeToString([]byte("_timestamp")) +
		"32020801" + // options: step_sync
		"3a00" + // summary: empty
		"4a020801" + // _control: overwrite
		"5001" // expanded_from_glob
	if got := hex.EncodeToString(b); got != want {
		t.Fatalf("expanded record\n got %s\nwant %s", got, want)
	}
	rec, err := wandbfile.DecodeRecord(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rec.Metric, m) {
		t.Errorf("decoded %+v, want %+v", rec.Metric, m)
	}

	for _, key := range []string{"usage/total_tokens", "_usage/x", "trace", "stats"} {
		if m := wm.expand(key); m != nil {
			t.Errorf("%s expanded again or wrongly: %+v", key, m)
		}
	}
	wm.note(&wandbfile.MetricRecord{Name: "usage/explicit", StepMetric: "_step"})
	if m := wm.expand("usage/explicit"); m != nil {
		t.Errorf("an explicitly defined key was expanded: %+v", m)
	}
}

// TestGlobExpansionInLog checks where the writer puts the expanded
// definitions: each right before the first row carrying its key, none for
// keys already defined, and none without a glob.
func TestGlobExpansionInLog(t *testing.T) {
	r := mustInit(t, Options{Dir: t.TempDir()}, testHooks(io.Discard))
	r.Log(map[string]interface{}{"usage/a": 1}) // before the glob: no definition
	r.DefineMetric("usage/*", "_timestamp")
	r.DefineMetric("usage/b", "")
	r.Log(map[string]interface{}{"usage/a": 1, "usage/b": 2, "other": 3})
	r.Log(map[string]interface{}{"usage/a": 1, "usage/c": 2})
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rec := range readRun(t, r).Records {
		switch {
		case rec.Metric != nil && rec.Metric.ExpandedFromGlob:
			got = append(got, "expand "+rec.Metric.Name+" "+rec.Metric.StepMetric)
		case rec.Metric != nil:
			got = append(got, "define "+rec.Metric.Name+rec.Metric.GlobName)
		case rec.History != nil:
			got = append(got, "row")
		}
	}
	want := []string{"row", "define usage/*", "define usage/b", "expand usage/a _timestamp", "row", "expand usage/c _timestamp", "row"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("log\n got %q\nwant %q", got, want)
	}
}
