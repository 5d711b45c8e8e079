package fakewandb_test

import (
	"context"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/internal/fakewandb"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/online"
)

// BenchmarkSync measures the upload path (read the log, build rows, send
// file_stream batches) against the local fake: rows/s of Sync -force on a
// 10,000-row run of ~1 KiB rows.
func BenchmarkSync(b *testing.B) {
	const n = 10000
	dir := b.TempDir()
	r, err := wandb.Init(wandb.Options{Project: "bench", Mode: "offline", Dir: dir, Silent: true, FinishTimeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	pad := make([]byte, 900)
	for i := range pad {
		pad[i] = 'x'
	}
	for i := 0; i < n; i++ {
		for !r.Log(map[string]interface{}{"i": i, "usage/total_tokens": i, "text": string(pad)}) {
			time.Sleep(time.Millisecond)
		}
	}
	if err := r.Finish(); err != nil {
		b.Fatal(err)
	}
	srv := fakewandb.New(key)
	defer srv.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := online.Sync(context.Background(), r.Dir(), online.SyncOptions{APIKey: key, BaseURL: srv.URL(), Force: true})
		if err != nil || res.Rows != n {
			b.Fatalf("Sync: %+v, %v", res, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}
