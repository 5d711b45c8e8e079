package wbopenai

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb"
)

// fakeSink records rows instead of writing a run.
type fakeSink struct {
	mu       sync.Mutex
	rows     []map[string]interface{}
	tables   int
	summary  map[string]interface{}
	metrics  []string
	finished int
	code     int
}

func (f *fakeSink) LogRow(raw *wandb.RawRow, _ time.Time) bool {
	row, _ := decodeRawRow(raw)
	f.mu.Lock()
	if raw.Table != nil {
		f.tables++
		row[raw.Table.Key] = map[string]interface{}{"_type": "table-file", "ncols": len(raw.Table.Columns), "nrows": raw.Table.NRows}
	}
	step := int64(len(f.rows))
	f.rows = append(f.rows, row)
	f.mu.Unlock()
	if raw.Written != nil {
		raw.Written.RowWritten(step)
	}
	return true
}

// decodeRawRow decodes a row as the tests read rows: integers as int,
// other numbers as float64, booleans and strings as they are, objects as
// wandb.RawJSON; and its table's rows, with the request and response
// cells as wandb.RawJSON.
func decodeRawRow(raw *wandb.RawRow) (map[string]interface{}, [][]interface{}) {
	row := map[string]interface{}{}
	for _, it := range raw.Items {
		row[it.Key] = decodeValue(it.JSON)
		if n, ok := row[it.Key].(int); ok && (strings.HasPrefix(it.Key, "cost/") || it.Key == "usage/elapsed_time") {
			row[it.Key] = float64(n) // a float that happens to be whole
		}
	}
	var data [][]interface{}
	if t := raw.Table; t != nil {
		var cells [][]json.RawMessage
		if err := json.Unmarshal(append(append([]byte("["), t.Rows...), ']'), &cells); err != nil {
			panic("stats table rows: " + err.Error())
		}
		for _, r := range cells {
			out := make([]interface{}, len(r))
			for i, c := range r {
				if i < 2 {
					out[i] = wandb.RawJSON(c)
				} else {
					out[i] = decodeValue(c)
				}
			}
			data = append(data, out)
		}
	}
	return row, data
}

func decodeValue(j []byte) interface{} {
	if n, err := strconv.Atoi(string(j)); err == nil {
		return n
	}
	var v interface{}
	if json.Unmarshal(j, &v) == nil {
		switch v.(type) {
		case float64, bool, string:
			return v
		}
	}
	return wandb.RawJSON(j)
}

func (f *fakeSink) DefineMetric(name, step string) {
	f.mu.Lock()
	f.metrics = append(f.metrics, name+"@"+step)
	f.mu.Unlock()
}

func (f *fakeSink) UpdateSummary(v map[string]interface{}) {
	f.mu.Lock()
	f.summary = v
	f.mu.Unlock()
}

// FinishTimeout is never waited for: LogFunc never waits.
func (f *fakeSink) FinishTimeout() time.Duration { return 0 }

func (f *fakeSink) FinishCode(code int) error {
	f.mu.Lock()
	f.finished++
	f.code = code
	f.mu.Unlock()
	return nil
}

var sinks struct {
	mu   sync.Mutex
	last *fakeSink
}

// lastSink is the fake sink of the run opened last.
func lastSink() *fakeSink {
	sinks.mu.Lock()
	defer sinks.mu.Unlock()
	return sinks.last
}

// initFake starts an offline run, on a fake sink, which it returns.
func initFake(t *testing.T) *fakeSink {
	t.Helper()
	if err := Init(wandb.Options{Mode: "offline"}); err != nil {
		t.Fatal(err)
	}
	return lastSink()
}

// jsonCall is a chat call to rawURL that got resp, a JSON answer, with
// status 200; its body captured whole.
func jsonCall(rawURL string, req, resp []byte, start, end time.Time) *event {
	u, _ := url.Parse(rawURL)
	ev := &event{kind: kindChat, method: "POST", url: u, start: start, end: end, reqBody: req,
		status: 200, respHeader: http.Header{"Content-Type": {"application/json"}}, resp: newCapture(int64(len(resp)))}
	ev.resp.write(resp)
	return ev
}

// TestMain keeps the package's tests from writing real runs.
func TestMain(m *testing.M) {
	openSink = func(wandb.Options) (sink, error) {
		s := &fakeSink{}
		sinks.mu.Lock()
		sinks.last = s
		sinks.mu.Unlock()
		return s, nil
	}
	os.Exit(m.Run())
}
