package fakewandb_test

// End-to-end tests of the runtime's online mode and Sync against the fake
// server: every history row must arrive exactly once, in order, whatever
// the server does in between.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/internal/fakewandb"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/online"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

const key = "fake-key-5f3b2a9c8d7e6f10aa"

// env clears the WANDB_* variables a developer may have set and shortens
// the sender's timing so faults recover in milliseconds.
func env(t *testing.T) {
	t.Helper()
	for _, k := range []string{"WANDB_API_KEY", "WANDB_BASE_URL", "WANDB_MODE", "WANDB_PROJECT", "WANDB_ENTITY",
		"WANDB_DIR", "WANDB_RUN_ID", "WANDB_NAME", "WANDB_NOTES", "WANDB_TAGS", "WANDB_RUN_GROUP", "WANDB_JOB_TYPE",
		"WANDB_SILENT", "WANDB_FINISH_TIMEOUT", "WBINSTRUMENT_ONLINE_MAX_PENDING"} {
		t.Setenv(k, "")
	}
	t.Setenv("WANDB_X_FILE_STREAM_TRANSMIT_INTERVAL", "0.02")
	t.Setenv("WANDB_X_FILE_STREAM_RETRY_WAIT_MIN_SECONDS", "0.01")
	t.Setenv("WANDB_X_FILE_STREAM_RETRY_WAIT_MAX_SECONDS", "0.05")
	t.Setenv("WANDB_X_FILE_STREAM_TIMEOUT_SECONDS", "1")
}

func onlineOpts(srv *fakewandb.Server, dir string) wandb.Options {
	return wandb.Options{
		Project: "proj", Mode: "online", APIKey: key, BaseURL: srv.URL(), Dir: dir,
		Name: "exactly-once", Tags: []string{"t1", "t2"}, Group: "g", JobType: "test",
		Config: map[string]interface{}{"model": "gpt-4o", "n": 3},
		Silent: true, FinishTimeout: 20 * time.Second,
	}
}

// logRows logs n rows in bursts, so the sender sends several batches.
func logRows(t *testing.T, r *wandb.Run, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		for !r.Log(map[string]interface{}{"i": i, "usage/total_tokens": 2 * i, "text": fmt.Sprintf("row %d", i)}) {
			time.Sleep(time.Millisecond) // queue full: this test wants every row
		}
		if i%(n/5+1) == 0 {
			time.Sleep(30 * time.Millisecond)
		}
	}
}

// checkRun is Server.CheckRows, and asserts that every row has what the
// runtime adds to a row and what logRows logs.
func checkRun(t *testing.T, srv *fakewandb.Server, entity, project, id string, n, exitCode int) fakewandb.Run {
	t.Helper()
	run, rows := srv.CheckRows(t, entity, project, id, n, exitCode)
	for i, row := range rows {
		for _, k := range []string{"_runtime", "_timestamp", "usage/total_tokens"} {
			if _, ok := row[k]; !ok {
				t.Fatalf("row %d lacks %s: %s", i, k, mustJSON(row))
			}
		}
	}
	return run
}

func mustJSON(v interface{}) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// noKeyIn fails if the API key appears in any file under dir or in msgs.
func noKeyIn(t *testing.T, dir string, msgs ...string) {
	t.Helper()
	fakewandb.NoKey(t, key, dir, msgs...)
}

func TestOnlineRunExactlyOnce(t *testing.T) {
	env(t)
	srv := fakewandb.New(key)
	defer srv.Close()
	dir := t.TempDir()
	opts := onlineOpts(srv, dir)
	opts.Silent = false
	var r *wandb.Run
	var ferr error
	var table map[string]interface{}
	const n = 300
	out := captureStderr(t, func() {
		var err error
		r, err = wandb.Init(opts)
		if err != nil {
			t.Fatal(err)
		}
		logRows(t, r, n)
		r.UpdateSummary(map[string]interface{}{"total_calls": n})
		r.LogFunc(func(s *wandb.Step) map[string]interface{} {
			v, err := s.Table("stats", []string{"a", "b"}, [][]interface{}{{1, "x"}})
			if err != nil {
				t.Errorf("Table: %v", err)
				return nil
			}
			table = v
			return map[string]interface{}{"i": n, "stats": v, "usage/total_tokens": 0}
		})
		ferr = r.Finish()
	})
	if ferr != nil {
		t.Fatalf("Finish: %v", ferr)
	}
	wantURL := srv.URL() + "/" + fakewandb.DefaultEntity + "/proj/runs/" + r.ID()
	if !strings.Contains(out, "streaming run "+r.ID()) || !strings.Contains(out, wantURL) {
		t.Errorf("stderr lacks the start line or the run URL %s:\n%s", wantURL, out)
	}
	run := checkRun(t, srv, fakewandb.DefaultEntity, "proj", r.ID(), n+1, 0)
	sum, err := run.Summary()
	if err != nil {
		t.Fatal(err)
	}
	if string(sum["total_calls"]) != fmt.Sprint(n) {
		t.Errorf("summary total_calls = %s, want %d (summary %s)", sum["total_calls"], n, mustJSON(sum))
	}
	cfg, err := run.ConfigValues()
	if err != nil {
		t.Fatal(err)
	}
	if string(cfg["model"]) != `"gpt-4o"` || string(cfg["n"]) != "3" {
		t.Errorf("config = %s", mustJSON(cfg))
	}
	if run.DisplayName != "exactly-once" || run.Group != "g" || run.JobType != "test" || strings.Join(run.Tags, ",") != "t1,t2" || run.Host == "" {
		t.Errorf("run fields: %+v", run)
	}
	if run.Resent != 0 {
		t.Errorf("%d lines sent twice without any fault", run.Resent)
	}
	// The table file went up through CreateRunFiles and its upload URL.
	path, _ := table["path"].(string)
	local, err := os.ReadFile(filepath.Join(r.Dir(), "files", filepath.FromSlash(path)))
	if err != nil {
		t.Fatalf("table %q: %v", path, err)
	}
	if got, ok := run.Uploads[path]; !ok || !bytes.Equal(got, local) {
		t.Errorf("uploaded %q: %d bytes (present %v), want the %d local bytes; uploads: %v", path, len(got), ok, len(local), run.Created)
	}
	if _, err := os.Stat(filepath.Join(r.Dir(), "run-"+r.ID()+".wandb.synced")); err != nil {
		t.Errorf("no .synced marker after a complete upload: %v", err)
	}
	// Offsets: every history batch starts where the previous one ended.
	next := 0
	for _, req := range srv.Requests() {
		if req.Endpoint != "file_stream" {
			continue
		}
		var body struct {
			Files map[string]struct {
				Offset  int      `json:"offset"`
				Content []string `json:"content"`
			} `json:"files"`
		}
		if err := json.Unmarshal(req.Body, &body); err != nil {
			t.Fatal(err)
		}
		if h, ok := body.Files["wandb-history.jsonl"]; ok {
			if h.Offset != next {
				t.Errorf("history batch at offset %d, want %d", h.Offset, next)
			}
			next = h.Offset + len(h.Content)
		}
	}
	if next != n+1 {
		t.Errorf("batches covered %d rows, want %d", next, n+1)
	}
	noKeyIn(t, dir, out)
}

func TestOnlineSurvivesFaults(t *testing.T) {
	cases := []struct {
		name   string
		faults []fakewandb.Fault
		times  int
		resent bool // the fault makes the sender resend lines the server kept
	}{
		{name: "500 burst", faults: []fakewandb.Fault{{Endpoint: "file_stream", Status: 500}}, times: 4},
		{name: "graphql 502", faults: []fakewandb.Fault{{Endpoint: "graphql", Status: 502}}, times: 3},
		{name: "429 Retry-After", faults: []fakewandb.Fault{{Endpoint: "file_stream", Status: 429, RetryAfter: "1"}}, times: 1},
		{name: "reset before", faults: []fakewandb.Fault{{Endpoint: "file_stream", Reset: true}}, times: 3},
		{name: "reset after apply", faults: []fakewandb.Fault{{Endpoint: "file_stream", Reset: true, AfterApply: true}}, times: 3, resent: true},
		{name: "slow", faults: []fakewandb.Fault{{Endpoint: "file_stream", Delay: 150 * time.Millisecond}}, times: 4},
		{name: "slower than the timeout", faults: []fakewandb.Fault{{Delay: 1500 * time.Millisecond}}, times: 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env(t)
			srv := fakewandb.New(key)
			defer srv.Close()
			for _, f := range c.faults {
				srv.Inject(f, c.times)
			}
			r, err := wandb.Init(onlineOpts(srv, t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			const n = 120
			logRows(t, r, n)
			if err := r.Finish(); err != nil {
				t.Fatalf("Finish: %v", err)
			}
			run := checkRun(t, srv, fakewandb.DefaultEntity, "proj", r.ID(), n, 0)
			if c.resent && run.Resent == 0 {
				t.Errorf("no line was resent: the fault did not hit a request that carried rows")
			}
			var failed int
			for _, req := range srv.Requests() {
				if req.Status != 200 {
					failed++
				}
			}
			if c.faults[0].Delay == 0 || c.faults[0].Delay > time.Second {
				if failed < c.times {
					t.Errorf("only %d failed requests, want the %d injected", failed, c.times)
				}
			}
		})
	}
}

// captureStderr runs f with os.Stderr redirected and returns what was
// written (the run takes os.Stderr at Init).
func captureStderr(t *testing.T, f func()) string {
	t.Helper()
	rd, wr, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = wr
	done := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(rd)
		done <- b
	}()
	defer func() {
		os.Stderr = old
	}()
	f()
	wr.Close()
	return string(<-done)
}

func TestOnlineServerDownThenSync(t *testing.T) {
	env(t)
	srv := fakewandb.New(key)
	defer srv.Close()
	srv.Down(true)
	dir := t.TempDir()
	opts := onlineOpts(srv, dir)
	opts.FinishTimeout = 400 * time.Millisecond
	opts.Silent = false
	var r *wandb.Run
	var ferr error
	var took time.Duration
	out := captureStderr(t, func() {
		var err error
		r, err = wandb.Init(opts)
		if err != nil {
			t.Fatal(err)
		}
		logRows(t, r, 50)
		start := time.Now()
		ferr = r.Finish()
		took = time.Since(start)
	})
	if ferr == nil || !strings.Contains(ferr.Error(), "wbinstrument sync") {
		t.Fatalf("Finish with the server down: %v, want an error pointing at wbinstrument sync", ferr)
	}
	if took > 3*time.Second {
		t.Errorf("Finish took %v with a 400ms finish timeout", took)
	}
	if !strings.Contains(out, "wbinstrument sync") {
		t.Errorf("stderr does not say how to finish the upload:\n%s", out)
	}
	log := filepath.Join(r.Dir(), "run-"+r.ID()+".wandb")
	if _, err := os.Stat(log + ".synced"); err == nil {
		t.Fatal(".synced marker written although nothing was uploaded")
	}
	data, err := wandbfile.ReadRunDir(r.Dir())
	if err != nil {
		t.Fatalf("the spool is not readable: %v", err)
	}
	if len(data.History) != 50 || data.Exit == nil {
		t.Fatalf("spool holds %d rows, exit %v; want 50 rows and an exit record", len(data.History), data.Exit)
	}

	srv.Down(false)
	var progress []string
	res, err := online.Sync(context.Background(), r.Dir(), online.SyncOptions{
		APIKey: key, BaseURL: srv.URL(), RetryBase: time.Millisecond, RetryMax: 10 * time.Millisecond,
		Progress: func(sent, total int) { progress = append(progress, fmt.Sprintf("%d/%d", sent, total)) },
	})
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if res.Rows != 50 || !res.MarkerWritten || res.Skipped || res.Crashed {
		t.Errorf("Sync result %+v", res)
	}
	if len(progress) == 0 || progress[len(progress)-1] != "50/50" {
		t.Errorf("progress reports %v, want to end at 50/50", progress)
	}
	checkRun(t, srv, fakewandb.DefaultEntity, "proj", r.ID(), 50, 0)
	before := len(srv.Requests())
	res, err = online.Sync(context.Background(), r.Dir(), online.SyncOptions{APIKey: key, BaseURL: srv.URL()})
	if err != nil || !res.Skipped {
		t.Errorf("second Sync: %+v, %v; want skipped", res, err)
	}
	if after := len(srv.Requests()); after != before {
		t.Errorf("second Sync sent %d requests, want none", after-before)
	}
	noKeyIn(t, dir, out, ferr.Error())
}

// overflowWhileDown logs n rows of an online run while the server is
// down, with a memory budget (4 KiB) they do not fit in, and brings the
// server back: the rows not kept are only in the run log, and the sender
// must read them back from there. The run is finished when the test ends.
func overflowWhileDown(t *testing.T, n int) (*fakewandb.Server, *wandb.Run) {
	t.Helper()
	env(t)
	t.Setenv("WBINSTRUMENT_ONLINE_MAX_PENDING", "4096")
	srv := fakewandb.New(key)
	t.Cleanup(srv.Close)
	srv.Down(true)
	r, err := wandb.Init(onlineOpts(srv, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Finish() })
	logRows(t, r, n)
	srv.Down(false)
	return srv, r
}

// TestOnlineCatchesUpFromTheLog: Finish reads back the rows that did not
// fit in memory while the server was down.
func TestOnlineCatchesUpFromTheLog(t *testing.T) {
	const n = 400
	srv, r := overflowWhileDown(t, n)
	if err := r.Finish(); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	checkRun(t, srv, fakewandb.DefaultEntity, "proj", r.ID(), n, 0)
}

func TestOnlineBadKey(t *testing.T) {
	env(t)
	srv := fakewandb.New("the-real-key-000000")
	defer srv.Close()
	dir := t.TempDir()
	opts := onlineOpts(srv, dir)
	opts.Silent = false
	var ferr error
	out := captureStderr(t, func() {
		r, err := wandb.Init(opts)
		if err != nil {
			t.Fatal(err)
		}
		logRows(t, r, 10)
		ferr = r.Finish()
	})
	if ferr == nil || !strings.Contains(ferr.Error(), "401") || !strings.Contains(ferr.Error(), "WANDB_API_KEY") {
		t.Errorf("Finish with a bad key: %v; want a 401 pointing at WANDB_API_KEY", ferr)
	}
	if !strings.Contains(out, "401") {
		t.Errorf("stderr does not mention the rejected key:\n%s", out)
	}
	if len(srv.Runs()) != 0 {
		t.Errorf("server created runs for a bad key: %+v", srv.Runs())
	}
	msg := ""
	if ferr != nil {
		msg = ferr.Error()
	}
	noKeyIn(t, dir, out, msg)
	for _, req := range srv.Requests() {
		if req.Endpoint == "file_stream" {
			t.Errorf("file_stream sent after the key was rejected")
		}
	}
}

func TestOnlineUnknownEntity(t *testing.T) {
	env(t)
	srv := fakewandb.New(key)
	defer srv.Close()
	opts := onlineOpts(srv, t.TempDir())
	opts.Entity = "nobody"
	r, err := wandb.Init(opts)
	if err != nil {
		t.Fatal(err)
	}
	logRows(t, r, 5)
	err = r.Finish()
	if err == nil || !strings.Contains(err.Error(), "entity nobody not found") {
		t.Errorf("Finish: %v; want the server's unknown-entity message", err)
	}
}

func TestOnlineTableRefusedByStorage(t *testing.T) {
	env(t)
	srv := fakewandb.New(key)
	defer srv.Close()
	srv.Inject(fakewandb.Fault{Endpoint: "upload", Status: 403}, -1)
	r, err := wandb.Init(onlineOpts(srv, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	logRows(t, r, 10)
	r.LogFunc(func(s *wandb.Step) map[string]interface{} {
		v, err := s.Table("stats", []string{"a"}, [][]interface{}{{1}})
		if err != nil {
			t.Errorf("Table: %v", err)
			return nil
		}
		return map[string]interface{}{"i": 10, "stats": v, "usage/total_tokens": 0}
	})
	err = r.Finish()
	if err == nil || !strings.Contains(err.Error(), "not uploaded") || !strings.Contains(err.Error(), "media/table/stats_10_") {
		t.Errorf("Finish: %v; want the refused table named", err)
	}
	// The rows still went up; only the marker is withheld.
	checkRun(t, srv, fakewandb.DefaultEntity, "proj", r.ID(), 11, 0)
	if _, err := os.Stat(filepath.Join(r.Dir(), "run-"+r.ID()+".wandb.synced")); err == nil {
		t.Error("marked synced although a file was not uploaded")
	}
}

func TestOnlineHeartbeatWhileIdle(t *testing.T) {
	env(t)
	t.Setenv("WANDB_X_FILE_STREAM_HEARTBEAT_SECONDS", "0.05")
	srv := fakewandb.New(key)
	defer srv.Close()
	r, err := wandb.Init(onlineOpts(srv, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	logRows(t, r, 3)
	time.Sleep(400 * time.Millisecond) // idle: only heartbeats keep the run alive
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	beats := 0
	for _, req := range srv.Requests() {
		if req.Endpoint == "file_stream" && string(req.Body) == `{"files":{}}` {
			beats++
		}
	}
	if beats < 2 {
		t.Errorf("%d heartbeats in 400ms idle with a 50ms heartbeat, want several", beats)
	}
	checkRun(t, srv, fakewandb.DefaultEntity, "proj", r.ID(), 3, 0)
}
