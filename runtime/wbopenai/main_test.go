package wbopenai

import (
	"os"
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

func (f *fakeSink) LogFunc(build func(t tabler) map[string]interface{}, _ time.Time) bool {
	row := build(f)
	f.mu.Lock()
	f.rows = append(f.rows, row)
	f.mu.Unlock()
	return true
}

func (f *fakeSink) Table(key string, columns []string, data [][]interface{}) (map[string]interface{}, error) {
	f.tables++
	return map[string]interface{}{"_type": "table-file", "ncols": len(columns), "nrows": len(data)}, nil
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
