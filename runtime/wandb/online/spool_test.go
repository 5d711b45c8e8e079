package online

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// TestSpoolReaderFollowsAGrowingLog reads a run log while it is written,
// by the same LogWriter the live writer uses, flushing at record
// boundaries as it does: every record comes once, in num order, across
// the pauses where the reader has caught up with the writer (and holds a
// stale end of file), and where it stopped reading before the end.
func TestSpoolReaderFollowsAGrowingLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run-x.wandb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lw := wandbfile.NewLogWriter(f)
	var written int64
	add := func(rec *wandbfile.Record) {
		written++
		rec.Num = written
		b, err := wandbfile.AppendRecord(nil, rec)
		if err != nil {
			t.Fatal(err)
		}
		lw.Add(b)
	}
	flush := func() {
		if err := lw.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	row := func(i int) {
		add(&wandbfile.Record{History: &wandbfile.HistoryRecord{Items: []wandbfile.Item{
			{Key: "i", ValueJSON: json.RawMessage(strconv.Itoa(i))},
			{Key: "pad", ValueJSON: json.RawMessage(`"some bytes so a block fills"`)},
		}}})
	}
	add(&wandbfile.Record{Run: &wandbfile.RunRecord{RunID: "x"}})
	flush()

	s := spoolReader{path: path}
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
			row(i)
			if i%7 == 6 {
				flush()
				drain(rows + 3) // part of what is there
				drain(1 << 30)  // up to the end of the file for now
			}
		}
		flush()
		drain(1 << 30)
		if rows != 30*(round+1) {
			t.Fatalf("round %d: read %d rows, want %d", round, rows, 30*(round+1))
		}
	}
	for i := 0; i < 30; i++ {
		row(i)
	}
	add(&wandbfile.Record{Exit: &wandbfile.RunExitRecord{}})
	flush()
	drain(1 << 30)
	if next-1 != written {
		t.Errorf("spool read up to record %d, the log ends at %d", next-1, written)
	}
}
