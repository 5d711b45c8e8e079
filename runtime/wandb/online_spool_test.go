package wandb

import (
	"io"
	"path/filepath"
	"testing"
	"time"
)

// TestSpoolReaderFollowsAGrowingLog reads a run log while the run writes
// it: every record comes once, in num order, across the pauses where the
// reader has caught up with the writer (and holds a stale end of file).
func TestSpoolReaderFollowsAGrowingLog(t *testing.T) {
	h := testHooks(io.Discard)
	h.flushDelay = 10 * time.Millisecond
	r := mustInit(t, Options{Dir: t.TempDir()}, h)
	s := spoolReader{path: filepath.Join(r.Dir(), "run-"+r.ID()+".wandb")}
	defer s.close()
	var next int64 = 1
	rows := 0
	// drain reads until the log has no more for now, or until want rows
	// are read: stopping there leaves the reader holding the end of file
	// it met while buffering, as the sender's does.
	drain := func(want int) {
		for rows < want {
			rec := s.next()
			if rec == nil {
				break
			}
			if rec.Num != next {
				t.Fatalf("record %d after %d", rec.Num, next-1)
			}
			next++
			if rec.History != nil {
				rows++
			}
		}
		if s.broken != nil {
			t.Fatalf("spool broken: %v", s.broken)
		}
	}
	for round := 0; round < 5; round++ {
		for i := 0; i < 30; i++ {
			r.Log(map[string]interface{}{"i": i, "pad": "some bytes so a block fills"})
		}
		deadline := time.Now().Add(5 * time.Second)
		for rows < 30*(round+1) && time.Now().Before(deadline) {
			drain(30 * (round + 1))
			time.Sleep(5 * time.Millisecond)
		}
		if rows != 30*(round+1) {
			t.Fatalf("round %d: read %d rows, want %d", round, rows, 30*(round+1))
		}
	}
	for i := 0; i < 30; i++ {
		r.Log(map[string]interface{}{"i": i})
	}
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	drain(1 << 30)
	d := readRun(t, r)
	if last := d.Records[len(d.Records)-1].Num; next-1 != last {
		t.Errorf("spool read up to record %d, the log ends at %d", next-1, last)
	}
}
