package fakewandb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// CheckRows asserts what every test of an upload wants first: the server
// noticed no protocol violation, it holds run entity/project/id completed
// with exitCode, and its history is exactly n rows in order, row k with
// "i" and "_step" k, as the tests' runs log them (so a row lost, repeated
// or reordered by a retry shows). It returns the run and its rows.
func (s *Server) CheckRows(t testing.TB, entity, project, id string, n, exitCode int) (Run, []map[string]json.RawMessage) {
	t.Helper()
	if v := s.Violations(); len(v) > 0 {
		t.Errorf("protocol violations:\n%s", strings.Join(v, "\n"))
	}
	run, ok := s.Run(entity, project, id)
	if !ok {
		t.Fatalf("server has no run %s/%s/%s; runs: %+v", entity, project, id, s.Runs())
	}
	rows, err := run.History()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n {
		t.Fatalf("server holds %d history rows, want %d", len(rows), n)
	}
	for i, row := range rows {
		if string(row["i"]) != fmt.Sprint(i) || string(row["_step"]) != fmt.Sprint(i) {
			b, _ := json.Marshal(row)
			t.Fatalf("row %d is %s (i=%s, _step=%s): out of order or duplicated", i, b, row["i"], row["_step"])
		}
	}
	if !run.Complete || run.ExitCode == nil || *run.ExitCode != exitCode {
		t.Errorf("complete=%v exitcode=%v, want complete with %d", run.Complete, run.ExitCode, exitCode)
	}
	return run, rows
}

// NoKey fails t if key, an API key a test used, shows in any of msgs (what
// the program printed or returned) or in any file under dir.
func NoKey(t testing.TB, key, dir string, msgs ...string) {
	t.Helper()
	for _, m := range msgs {
		if strings.Contains(m, key) {
			t.Errorf("message shows the API key: %s", m)
		}
	}
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, []byte(key)) {
			t.Errorf("%s contains the API key", p)
		}
		return nil
	})
}
