package wbopenai

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestStatsTableBatches: the stats table holds every call since the
// previous table and goes with the row of the batch's last call: at the
// end of the first drain, then not before a second has passed (the last
// row held back meanwhile), and at the last drain; every call is one row
// and one table row.
func TestStatsTableBatches(t *testing.T) {
	sink := &tableSink{}
	s := &session{run: sink, id: "test", bodies: bodyPolicy{max: defaultMaxBody}, defined: true}
	u, _ := url.Parse("https://api.openai.com/v1/chat/completions")
	queue := func(n int) {
		state.mu.Lock()
		defer state.mu.Unlock()
		for i := 0; i < n; i++ {
			req, resp := loadCall(i, false)
			ev := &event{kind: kindChat, method: "POST", url: u, start: time.Now(), end: time.Now(), reqBody: req, status: 200,
				respHeader: http.Header{"Content-Type": {"application/json"}}, resp: newCapture(int64(len(resp)))}
			ev.resp.write(resp)
			state.queue = append(state.queue, ev)
		}
	}
	tables := func() (rows []int) {
		for _, r := range sink.rows {
			n := 0
			if ref, ok := r["stats"].(map[string]interface{}); ok {
				n = ref["nrows"].(int)
			}
			rows = append(rows, n)
		}
		return rows
	}
	queue(5)
	s.drain(false)
	if got := tables(); len(got) != 5 || got[4] != 5 || got[0] != 0 {
		t.Fatalf("after the first drain: table rows per row %v, want the 5 calls' table on the 5th row", got)
	}
	queue(3)
	s.drain(false)
	s.drain(false) // the program pauses: not a second since the last table
	if got := tables(); len(got) != 7 || s.held == nil {
		t.Fatalf("after a drain within the second: %d rows sent (want 7, the 8th held)", len(got))
	}
	s.stats.last = time.Now().Add(-statsEvery)
	s.drain(false) // paused, a second on: the held row takes the table
	if got := tables(); len(got) != 8 || got[7] != 3 || s.held != nil {
		t.Fatalf("after the second: table rows per row %v", got)
	}
	queue(2)
	s.drain(true)
	if got := tables(); len(got) != 10 || got[9] != 2 || len(sink.data) != 2 {
		t.Fatalf("after the last drain: table rows per row %v, last table %d rows", got, len(sink.data))
	}
	if s.stats.n != 0 || len(s.stats.rows) != 0 {
		t.Errorf("rows left in the batch: %d", s.stats.n)
	}
}
