package wandb

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

var update = flag.Bool("update", false, "rewrite the golden .wandb files in testdata/")

// syncBuffer is a goroutine-safe stderr for tests.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testHooks makes a run deterministic: a clock that advances 1 ms per
// reading from a fixed start, a fixed run id and host, no environment.
func testHooks(stderr io.Writer) hooks {
	h := defaultHooks()
	var mu sync.Mutex
	t := time.Date(2024, 3, 1, 12, 30, 45, 0, time.UTC)
	h.now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Millisecond)
		return t
	}
	h.getenv = func(string) string { return "" }
	h.newID = func() string { return "t3strun0" }
	h.hostname = func() (string, error) { return "testhost", nil }
	h.stderr = stderr
	h.finishGrace = 200 * time.Millisecond
	h.environment = nil
	return h
}

func mustInit(t *testing.T, opts Options, h hooks) *Run {
	t.Helper()
	r, err := initRun(opts, h)
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	return r
}

func readRun(t *testing.T, r *Run) *wandbfile.RunData {
	t.Helper()
	data, err := wandbfile.ReadRunDir(r.Dir())
	if err != nil {
		t.Fatalf("ReadRunDir: %v", err)
	}
	return data
}

func recordTypes(data *wandbfile.RunData) []int {
	var types []int
	for _, rec := range data.Records {
		types = append(types, rec.Type)
	}
	return types
}

func TestRunRoundTrip(t *testing.T) {
	var stderr syncBuffer
	dir := t.TempDir()
	r := mustInit(t, Options{
		Dir: dir, Project: "proj", Entity: "ent", Name: "display", Notes: "n",
		Tags: []string{"x", "y"}, Group: "grp", JobType: "job",
		Config: map[string]interface{}{"model": "gpt-4o", "temperature": 0.5},
	}, testHooks(&stderr))
	r.DefineMetric("usage/*", "_timestamp")
	for i := 0; i < 3; i++ {
		if !r.Log(map[string]interface{}{"usage/total_tokens": 10 * (i + 1), "text": fmt.Sprintf("<row %d>", i)}) {
			t.Fatal("Log refused a row")
		}
	}
	var tableValue map[string]interface{}
	r.LogFunc(func(s *Step) map[string]interface{} {
		v, err := s.Table("stats", []string{"a", "b"}, [][]interface{}{{1, "x"}, {2, "y"}})
		if err != nil {
			t.Errorf("Table: %v", err)
			return nil
		}
		tableValue = v
		return map[string]interface{}{"stats": v}
	})
	r.UpdateSummary(map[string]interface{}{"total": 60, "text": "override"})
	if err := r.Finish(); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	if err := r.Finish(); err != nil {
		t.Fatalf("second Finish: %v", err)
	}
	if r.Log(map[string]interface{}{"late": 1}) {
		t.Error("Log after Finish was accepted")
	}

	wantDir := filepath.Join(dir, "wandb", "offline-run-20240301_123045-t3strun0")
	if r.Dir() != wantDir || r.ID() != "t3strun0" {
		t.Fatalf("Dir %q ID %q, want %q", r.Dir(), r.ID(), wantDir)
	}
	data := readRun(t, r)
	// The usage/* glob is expanded once, before the first row with
	// usage/total_tokens (writer_metrics.go).
	want := []int{wandbfile.TypeHeader, wandbfile.TypeRun, wandbfile.TypeConfig, wandbfile.TypeMetric, wandbfile.TypeMetric, wandbfile.TypeHistory, wandbfile.TypeHistory, wandbfile.TypeHistory, wandbfile.TypeHistory, wandbfile.TypeFiles, wandbfile.TypeSummary, wandbfile.TypeExit}
	if got := recordTypes(data); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("record types %v, want %v", got, want)
	}
	for i, rec := range data.Records {
		if rec.Num != int64(i+1) {
			t.Errorf("record %d has num %d", i, rec.Num)
		}
	}
	if !strings.HasPrefix(data.Header.Producer, "wbinstrument ") || data.Header.MinConsumer == "" {
		t.Errorf("header %+v", data.Header)
	}
	run := data.Run
	if run.RunID != "t3strun0" || run.Project != "proj" || run.Entity != "ent" || run.DisplayName != "display" ||
		run.Notes != "n" || fmt.Sprint(run.Tags) != "[x y]" || run.RunGroup != "grp" || run.JobType != "job" ||
		run.Host != "testhost" || !run.StartTime.Equal(time.Date(2024, 3, 1, 12, 30, 45, 1e6, time.UTC)) {
		t.Errorf("run record %+v", run)
	}
	if string(data.Config["model"]) != `"gpt-4o"` || string(data.Config["temperature"]) != `0.5` {
		t.Errorf("config %v", data.Config)
	}
	m := data.Metrics[0]
	if m.GlobName != "usage/*" || m.Name != "" || m.StepMetric != "_timestamp" || !m.Options.Defined || !m.Options.StepSync {
		t.Errorf("metric %+v", m)
	}
	if len(data.History) != 4 {
		t.Fatalf("%d history rows", len(data.History))
	}
	for i, row := range data.History {
		if string(row["_step"]) != fmt.Sprint(i) {
			t.Errorf("row %d: _step %s", i, row["_step"])
		}
		var rt, ts float64
		if json.Unmarshal(row["_runtime"], &rt) != nil || json.Unmarshal(row["_timestamp"], &ts) != nil || rt <= 0 || ts < 1709296245 {
			t.Errorf("row %d: _runtime %s _timestamp %s", i, row["_runtime"], row["_timestamp"])
		}
		if h := data.Records[5+i].History; h.Step != int64(i) || h.Items[0].Key != "" || len(h.Items[0].NestedKey) != 1 {
			t.Errorf("row %d: step %d, first item %+v (want nested_key only)", i, h.Step, h.Items[0])
		}
	}
	if string(data.History[1]["usage/total_tokens"]) != "20" || string(data.History[2]["text"]) != `"<row 2>"` {
		t.Errorf("row values %v", data.History[1:3])
	}

	// The table file, its reference and its FilesRecord agree.
	var ref map[string]interface{}
	if err := json.Unmarshal(data.History[3]["stats"], &ref); err != nil {
		t.Fatal(err)
	}
	rel := ref["path"].(string)
	body, err := os.ReadFile(filepath.Join(r.Dir(), "files", rel))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	digest := hex.EncodeToString(sum[:])
	if string(body) != `{"columns":["a","b"],"data":[[1,"x"],[2,"y"]]}` {
		t.Errorf("table body %s", body)
	}
	if rel != "media/table/stats_3_"+digest[:20]+".table.json" || ref["sha256"] != digest ||
		ref["size"].(float64) != float64(len(body)) || ref["ncols"].(float64) != 2 || ref["nrows"].(float64) != 2 ||
		ref["_type"] != "table-file" || ref["log_mode"] != "IMMUTABLE" {
		t.Errorf("table reference %v", ref)
	}
	if tableValue["path"] != rel {
		t.Errorf("Table returned %v", tableValue)
	}
	if len(data.Files) != 1 || data.Files[0] != (wandbfile.FilesItem{Path: rel, Policy: wandbfile.PolicyNow, Type: wandbfile.FileMedia}) {
		t.Errorf("files %+v", data.Files)
	}

	// Summary: latest history values, UpdateSummary wins, _wandb runtime.
	if string(data.Summary["usage/total_tokens"]) != "30" || string(data.Summary["text"]) != `"override"` ||
		string(data.Summary["total"]) != "60" || string(data.Summary["_step"]) != "3" || data.Summary["_wandb"] == nil {
		t.Errorf("summary %v", data.Summary)
	}
	if data.Exit == nil || data.Exit.ExitCode != 0 {
		t.Errorf("exit %+v", data.Exit)
	}
	sumFile, err := os.ReadFile(filepath.Join(r.Dir(), "files", "wandb-summary.json"))
	var sumJSON map[string]json.RawMessage
	if err != nil || json.Unmarshal(sumFile, &sumJSON) != nil || string(sumJSON["total"]) != "60" {
		t.Errorf("wandb-summary.json %s (%v)", sumFile, err)
	}
	if link, err := os.Readlink(filepath.Join(dir, "wandb", "latest-run")); err != nil || link != filepath.Base(wantDir) {
		t.Errorf("latest-run -> %q (%v)", link, err)
	}
	if dbg, err := os.ReadFile(filepath.Join(r.Dir(), "logs", "debug.log")); err != nil ||
		!strings.Contains(string(dbg), "run t3strun0, mode offline") || !strings.Contains(string(dbg), "finished offline run") {
		t.Errorf("logs/debug.log: %v\n%s", err, dbg)
	}

	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "offline run "+wantDir) || !strings.Contains(lines[0], "wbinstrument sync") ||
		!strings.Contains(lines[1], "finished") || !strings.Contains(lines[1], "4 rows") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
}

func TestLatestRunReplaced(t *testing.T) {
	dir := t.TempDir()
	h := testHooks(io.Discard)
	ids := []string{"aaaa1111", "bbbb2222"}
	for _, id := range ids {
		id := id
		h.newID = func() string { return id }
		r := mustInit(t, Options{Dir: dir}, h)
		r.Finish()
	}
	link, err := os.Readlink(filepath.Join(dir, "wandb", "latest-run"))
	if err != nil || !strings.HasSuffix(link, "-bbbb2222") || filepath.IsAbs(link) {
		t.Fatalf("latest-run -> %q (%v)", link, err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, "wandb", ".latest-run*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary links left: %v", leftovers)
	}
}

// goldenRuns are runs written with the deterministic hooks; their bytes
// are pinned in testdata/<name>.wandb.
var goldenRuns = []struct {
	name string
	code int
	body func(r *Run)
	env  func(r *Run) *runEnvironment
}{
	{"basic", 0, func(r *Run) {
		r.DefineMetric("usage/*", "_timestamp")
		r.Log(map[string]interface{}{"usage/prompt_tokens": 7, "usage/total_tokens": 12, "ok": true})
		r.Log(map[string]interface{}{"usage/prompt_tokens": 9, "nested": map[string]interface{}{"b": []int{1, 2}, "a": nil}})
		r.UpdateSummary(map[string]interface{}{"calls": 2})
	}, nil},
	{"table", 0, func(r *Run) {
		r.LogFunc(func(s *Step) map[string]interface{} {
			v, err := s.Table("stats", []string{"request", "response"}, [][]interface{}{{"hi", "hello"}})
			if err != nil {
				panic(err)
			}
			return map[string]interface{}{"stats": v, "trace": json.RawMessage(`{"_type":"wb_trace_tree"}`)}
		})
	}, nil},
	{"large", 3, func(r *Run) {
		r.Log(map[string]interface{}{"big": strings.Repeat("0123456789abcdef", 2500)}) // 40 KB: spans two blocks
		r.Log(map[string]interface{}{"small": 1})
	}, nil},
	// A run as wbopenai writes one: the environment first, then the
	// usage glob, expanded before the first row that has each key.
	{"environment", 0, func(r *Run) {
		r.DefineMetric("usage/*", "_timestamp")
		r.Log(map[string]interface{}{"usage/total_tokens": 12, "usage/elapsed_time": 0.5})
		r.Log(map[string]interface{}{"usage/total_tokens": 3, "usage/prompt_tokens": 2})
	}, fixedEnvironment},
}

// fixedEnvironment is a deterministic environment hook.
func fixedEnvironment(r *Run) *runEnvironment {
	return &runEnvironment{
		record: &wandbfile.EnvironmentRecord{
			OS: "Linux-6.1.0-18-amd64-x86_64", StartedAt: r.start,
			Args: []string{"-n", "3"}, Program: "example.com/bot/cmd/bot", CodePath: "cmd/bot",
			GitRemote: "https://github.com/example/bot", GitCommit: "0123456789abcdef0123456789abcdef01234567",
			Root: "/home/u/bot", Host: "testhost", Username: "u", Executable: "/home/u/bot/bot",
			CPUCount: 4, CPUCountLogical: 8, MemoryTotal: 16 << 30, WriterID: "w0000000000000000000000000000001",
		},
		config: map[string]interface{}{"version": Version, "go_version": "go1.24.0", "main_module": "example.com/bot",
			"main_version": "(devel)", "vcs_modified": true, "modules": map[string]interface{}{"github.com/sashabaranov/go-openai": "v1.43.0"}},
	}
}

func TestGoldenFiles(t *testing.T) {
	for _, g := range goldenRuns {
		t.Run(g.name, func(t *testing.T) {
			h := testHooks(io.Discard)
			h.environment = g.env
			r := mustInit(t, Options{Dir: t.TempDir(), Project: "golden", Config: map[string]interface{}{"k": "v"}}, h)
			g.body(r)
			if err := r.FinishCode(g.code); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(r.Dir(), "run-"+r.ID()+".wandb"))
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", g.name+".wandb")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run the test with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				i := 0
				for i < len(got) && i < len(want) && got[i] == want[i] {
					i++
				}
				t.Fatalf("%s: %d bytes written, %d pinned; first difference at byte %d", path, len(got), len(want), i)
			}
			data, err := wandbfile.ReadRunDir(path)
			if err != nil {
				t.Fatal(err)
			}
			if data.Exit == nil || int(data.Exit.ExitCode) != g.code || data.Run.Project != "golden" {
				t.Errorf("pinned file decodes to exit %+v, run %+v", data.Exit, data.Run)
			}
		})
	}
}

func TestEnvPrecedence(t *testing.T) {
	env := map[string]string{
		"WANDB_PROJECT": "envproj", "WANDB_ENTITY": "envent", "WANDB_NAME": "envname",
		"WANDB_NOTES": "envnotes", "WANDB_TAGS": " a, b ,,c", "WANDB_RUN_GROUP": "envgrp",
		"WANDB_JOB_TYPE": "envjob", "WANDB_DIR": "/envdir", "WANDB_RUN_ID": "envid",
		"WANDB_API_KEY": "envkey", "WANDB_BASE_URL": "http://envbase/", "WANDB_SILENT": "true",
		"WANDB_FINISH_TIMEOUT": "2.5",
	}
	getenv := func(k string) string { return env[k] }

	o, warns, err := resolveOptions(Options{}, getenv)
	if err != nil || len(warns) != 0 {
		t.Fatal(err, warns)
	}
	if o.Project != "envproj" || o.Entity != "envent" || o.Name != "envname" || o.Notes != "envnotes" ||
		fmt.Sprint(o.Tags) != "[a b c]" || o.Group != "envgrp" || o.JobType != "envjob" || o.Dir != "/envdir" ||
		o.RunID != "envid" || o.APIKey != "envkey" || o.BaseURL != "http://envbase" || !o.Silent ||
		o.FinishTimeout != 2500*time.Millisecond || o.Mode != modeOnline {
		t.Errorf("from env: %+v", o)
	}

	explicit := Options{Project: "p", Entity: "e", Name: "n", Notes: "no", Tags: []string{}, Group: "g",
		JobType: "j", Dir: "/d", RunID: "rid", APIKey: "k", BaseURL: "http://b", Mode: "offline", FinishTimeout: time.Second}
	o, _, err = resolveOptions(explicit, getenv)
	if err != nil {
		t.Fatal(err)
	}
	if o.Project != "p" || o.Entity != "e" || o.Name != "n" || o.Notes != "no" || len(o.Tags) != 0 || o.Group != "g" ||
		o.JobType != "j" || o.Dir != "/d" || o.RunID != "rid" || o.APIKey != "k" || o.BaseURL != "http://b" ||
		o.Mode != modeOffline || o.FinishTimeout != time.Second {
		t.Errorf("explicit lost to env: %+v", o)
	}

	modes := []struct {
		env    map[string]string
		mode   string
		warned bool
	}{
		{map[string]string{}, modeOffline, false},
		{map[string]string{"WANDB_API_KEY": "k"}, modeOnline, false},
		{map[string]string{"WANDB_MODE": "dryrun"}, modeOffline, false},
		{map[string]string{"WANDB_MODE": "offline", "WANDB_API_KEY": "k"}, modeOffline, false},
		{map[string]string{"WANDB_MODE": "online"}, modeOnline, false},
		{map[string]string{"WANDB_MODE": "disabled", "WANDB_API_KEY": "k"}, modeDisabled, false},
		{map[string]string{"WANDB_DISABLED": "true"}, modeDisabled, false},
		{map[string]string{"WANDB_MODE": "bogus"}, modeOffline, true},
		{map[string]string{"WANDB_FINISH_TIMEOUT": "soon"}, modeOffline, true},
	}
	for _, m := range modes {
		o, warns, err := resolveOptions(Options{}, func(k string) string { return m.env[k] })
		if err != nil || o.Mode != m.mode || (len(warns) > 0) != m.warned {
			t.Errorf("env %v: mode %q warnings %q err %v; want mode %q warned %v", m.env, o.Mode, warns, err, m.mode, m.warned)
		}
		if o.FinishTimeout <= 0 {
			t.Errorf("env %v: FinishTimeout %s", m.env, o.FinishTimeout)
		}
	}
	if _, _, err := resolveOptions(Options{Mode: "bogus"}, getenv); err == nil {
		t.Error("explicit bad mode accepted")
	}
	if _, _, err := resolveOptions(Options{RunID: "../x"}, getenv); err == nil {
		t.Error("run id with a path accepted")
	}
}

func TestInitFromEnv(t *testing.T) {
	dir := t.TempDir()
	var stderr syncBuffer
	h := testHooks(&stderr)
	h.getenv = func(k string) string {
		return map[string]string{"WANDB_DIR": dir, "WANDB_PROJECT": "fromenv", "WANDB_RUN_ID": "envrun01"}[k]
	}
	r := mustInit(t, Options{}, h)
	r.Finish()
	data := readRun(t, r)
	if data.Run.Project != "fromenv" || data.Run.RunID != "envrun01" || !strings.HasPrefix(r.Dir(), dir) {
		t.Errorf("run %+v in %s", data.Run, r.Dir())
	}
	if data.Run.Entity != "" {
		t.Errorf("entity %q, want empty (the user's default)", data.Run.Entity)
	}
}

func TestSilent(t *testing.T) {
	var stderr syncBuffer
	h := testHooks(&stderr)
	h.getenv = func(k string) string { return map[string]string{"WANDB_SILENT": "true"}[k] }
	r := mustInit(t, Options{Dir: t.TempDir()}, h)
	r.Log(map[string]interface{}{"x": 1})
	r.Finish()
	if stderr.String() != "" {
		t.Errorf("silent run printed %q", stderr.String())
	}
	// A silent run still keeps its lines in logs/debug.log.
	if dbg, err := os.ReadFile(filepath.Join(r.Dir(), "logs", "debug.log")); err != nil || !strings.Contains(string(dbg), "finished") {
		t.Errorf("logs/debug.log of a silent run: %v %q", err, dbg)
	}
	if rows := len(readRun(t, r).History); rows != 1 {
		t.Errorf("%d rows", rows)
	}
}

func TestSecretsNeverWritten(t *testing.T) {
	saved := newOnlineSink
	newOnlineSink = nil // this test is about the offline store only
	defer func() { newOnlineSink = saved }()
	const key = "SECRET-api-key-0123456789"
	dir := t.TempDir()
	var stderr syncBuffer
	h := testHooks(&stderr)
	h.getenv = func(k string) string { return map[string]string{"WANDB_API_KEY": key}[k] }
	r := mustInit(t, Options{Dir: dir, Config: map[string]interface{}{"a": 1}}, h)
	r.Log(map[string]interface{}{"x": 1})
	r.Finish()
	if !strings.Contains(stderr.String(), "online upload not started") {
		t.Errorf("online without a sender should say so: %q", stderr.String())
	}
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || info.Mode()&os.ModeSymlink != 0 {
			return err
		}
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, []byte(key)) {
			t.Errorf("%s contains the API key", p)
		}
		return nil
	})
	if strings.Contains(stderr.String(), key) {
		t.Error("stderr contains the API key")
	}
}

func TestDisabled(t *testing.T) {
	dir := t.TempDir()
	var stderr syncBuffer
	h := testHooks(&stderr)
	r := mustInit(t, Options{Dir: dir, Mode: "disabled"}, h)
	row := map[string]interface{}{"x": 1}
	if r.Log(row) || r.LogFunc(func(*Step) map[string]interface{} { return row }) {
		t.Error("a disabled run accepted a row")
	}
	r.DefineMetric("a", "b")
	r.UpdateSummary(row)
	if r.ID() != "" || r.Dir() != "" || r.Finish() != nil {
		t.Error("disabled run has state")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 || stderr.String() != "" {
		t.Errorf("disabled run left %v, printed %q", entries, stderr.String())
	}
	if n := testing.AllocsPerRun(1000, func() { r.Log(row) }); n != 0 {
		t.Errorf("disabled Log allocates %.1f times", n)
	}
	var nilRun *Run
	nilRun.Log(row)
	nilRun.Finish()
}

// TestConcurrentLog logs from many goroutines and checks that every row
// arrives exactly once with contiguous steps.
func TestConcurrentLog(t *testing.T) {
	const goroutines, perG = 16, 200
	r := mustInit(t, Options{Dir: t.TempDir()}, testHooks(io.Discard))
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < perG; i++ {
				if i%10 == 0 {
					r.UpdateSummary(map[string]interface{}{fmt.Sprintf("g%d", g): i})
				}
				if !r.Log(map[string]interface{}{"g": g, "i": i}) {
					t.Errorf("row %d/%d dropped", g, i)
				}
			}
		}(g)
	}
	wg.Wait()
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	data := readRun(t, r)
	if len(data.History) != goroutines*perG {
		t.Fatalf("%d rows, want %d", len(data.History), goroutines*perG)
	}
	seen := map[string]bool{}
	next := map[string]int{}
	for step, row := range data.History {
		if string(row["_step"]) != fmt.Sprint(step) {
			t.Fatalf("row %d has _step %s", step, row["_step"])
		}
		g, i := string(row["g"]), string(row["i"])
		if seen[g+"/"+i] {
			t.Fatalf("row %s/%s twice", g, i)
		}
		seen[g+"/"+i] = true
		// Rows of one goroutine keep their order.
		if i != fmt.Sprint(next[g]) {
			t.Fatalf("goroutine %s: row %s after %d", g, i, next[g]-1)
		}
		next[g]++
	}
	if string(data.Summary["g3"]) != "190" {
		t.Errorf("summary g3 = %s", data.Summary["g3"])
	}
}

// blockWriter queues a LogFunc that holds the writer goroutine until the
// returned release function is called.
func blockWriter(t *testing.T, r *Run) (release func()) {
	started, hold := make(chan struct{}), make(chan struct{})
	r.LogFunc(func(*Step) map[string]interface{} {
		close(started)
		<-hold
		return map[string]interface{}{"blocked": true}
	})
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("writer goroutine did not start the callback")
	}
	var once sync.Once
	return func() { once.Do(func() { close(hold) }) }
}

// blockedRun starts a run whose queue holds ten rows, its writer held
// (blockWriter) until release, which the test's cleanup also calls.
func blockedRun(t *testing.T, stderr io.Writer) (r *Run, release func()) {
	t.Helper()
	h := testHooks(stderr)
	h.queueCap = 10
	r = mustInit(t, Options{Dir: t.TempDir()}, h)
	release = blockWriter(t, r)
	t.Cleanup(release)
	return r, release
}

// checkNumbered checks that the rows after the writer's blocker are
// numbered 0, 1, ... in their column i, in order.
func checkNumbered(t *testing.T, history []map[string]json.RawMessage) {
	t.Helper()
	for i, row := range history[1:] {
		if string(row["i"]) != fmt.Sprint(i) {
			t.Errorf("row %d: i=%s", i+1, row["i"])
		}
	}
}

func TestQueueFullDrops(t *testing.T) {
	var stderr syncBuffer
	r, release := blockedRun(t, &stderr)
	accepted, dropped := 0, 0
	start := time.Now()
	for i := 0; i < 25; i++ {
		if r.Log(map[string]interface{}{"i": i}) {
			accepted++
		} else {
			dropped++
		}
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("Log blocked: 25 calls took %s", elapsed)
	}
	if accepted != 10 || dropped != 15 {
		t.Fatalf("accepted %d dropped %d, want 10 and 15", accepted, dropped)
	}
	release()
	err := r.Finish()
	if err == nil || !strings.Contains(err.Error(), "15 rows dropped") {
		t.Errorf("Finish: %v", err)
	}
	if !strings.Contains(stderr.String(), "15 dropped") {
		t.Errorf("finish line does not report drops: %q", stderr.String())
	}
	data := readRun(t, r)
	if len(data.History) != 11 || data.Exit == nil {
		t.Errorf("%d rows, exit %+v", len(data.History), data.Exit)
	}
	checkNumbered(t, data.History)
}

// TestLogFuncWaitKeepsRows: with the writer held, LogFuncWait waits for
// room instead of dropping: all 25 rows arrive, in order, none dropped;
// and one that would wait past its deadline is dropped and counted.
func TestLogFuncWaitKeepsRows(t *testing.T) {
	r, release := blockedRun(t, io.Discard)
	for i := 0; i < 10; i++ {
		i := i
		if !r.LogFuncWait(func(*Step) map[string]interface{} { return map[string]interface{}{"i": i} }, time.Now().Add(time.Minute)) {
			t.Fatalf("row %d refused with room in the queue", i)
		}
	}
	if r.LogFuncWait(func(*Step) map[string]interface{} { return map[string]interface{}{"late": 1} }, time.Now().Add(20*time.Millisecond)) {
		t.Fatal("a row was queued into a full queue the writer never took from")
	}
	done := make(chan bool)
	go func() {
		ok := true
		for i := 10; i < 25; i++ {
			i := i
			ok = r.LogFuncWait(func(*Step) map[string]interface{} { return map[string]interface{}{"i": i} }, time.Now().Add(time.Minute)) && ok
		}
		done <- ok
	}()
	time.Sleep(50 * time.Millisecond)
	release()
	if !<-done {
		t.Fatal("LogFuncWait refused a row once the writer took the queue")
	}
	err := r.Finish()
	if err == nil || !strings.Contains(err.Error(), "1 rows dropped") {
		t.Errorf("Finish: %v, want the one late row counted", err)
	}
	data := readRun(t, r)
	if len(data.History) != 26 {
		t.Fatalf("%d rows, want 26 (the blocker and 25)", len(data.History))
	}
	checkNumbered(t, data.History)
}

// TestFinishTimeout: rows still queued when FinishTimeout passes are
// counted as lost, and the summary and exit record are still written.
func TestFinishTimeout(t *testing.T) {
	var stderr syncBuffer
	h := testHooks(&stderr)
	h.finishGrace = 2 * time.Second
	r := mustInit(t, Options{Dir: t.TempDir(), FinishTimeout: 50 * time.Millisecond}, h)
	r.LogFunc(func(*Step) map[string]interface{} {
		time.Sleep(300 * time.Millisecond)
		return map[string]interface{}{"slow": 1}
	})
	for i := 0; i < 5; i++ {
		r.Log(map[string]interface{}{"i": i})
	}
	start := time.Now()
	if err := r.Finish(); err != nil {
		t.Fatalf("Finish: %v", err)
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Errorf("Finish took %s", d)
	}
	data := readRun(t, r)
	if data.Exit == nil {
		t.Fatal("no exit record")
	}
	lost := 6 - len(data.History)
	if lost == 0 || !strings.Contains(stderr.String(), fmt.Sprintf("%d not written", lost)) {
		t.Errorf("%d rows written; stderr %q", len(data.History), stderr.String())
	}
}

// TestFinishAbandonsStuckWriter: a callback that never returns cannot
// hang the program's exit.
func TestFinishAbandonsStuckWriter(t *testing.T) {
	var stderr syncBuffer
	h := testHooks(&stderr)
	h.finishGrace = 50 * time.Millisecond
	r := mustInit(t, Options{Dir: t.TempDir(), FinishTimeout: 50 * time.Millisecond}, h)
	release := blockWriter(t, r)
	defer release()
	start := time.Now()
	err := r.Finish()
	if err == nil || time.Since(start) > time.Second {
		t.Fatalf("Finish returned %v after %s", err, time.Since(start))
	}
	if !strings.Contains(stderr.String(), "timed out") {
		t.Errorf("stderr %q", stderr.String())
	}
	// Once unstuck, the abandoned writer still completes the run file.
	release()
	select {
	case <-r.done:
	case <-time.After(5 * time.Second):
		t.Fatal("writer did not end after its callback returned")
	}
	if data := readRun(t, r); data.Exit == nil {
		t.Error("no exit record after the writer was released")
	}
}

func TestUnwritableDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	r, err := initRun(Options{Dir: filepath.Join(file, "sub")}, testHooks(&stderr))
	if err == nil || r == nil {
		t.Fatalf("Init = %v, %v; want a disabled run and an error", r, err)
	}
	if r.Log(map[string]interface{}{"x": 1}) || r.Finish() != nil {
		t.Error("run after a failed Init is not a no-op")
	}
	if n := strings.Count(stderr.String(), "\n"); n != 1 || !strings.Contains(stderr.String(), "warning") {
		t.Errorf("want one warning line, got %q", stderr.String())
	}
}

// fullDisk accepts limit bytes, then fails like a full disk, writing the
// part of a write that still fits.
type fullDisk struct {
	w     io.Writer
	limit int
	calls int
}

func (d *fullDisk) Write(p []byte) (int, error) {
	d.calls++
	if len(p) <= d.limit {
		d.limit -= len(p)
		return d.w.Write(p)
	}
	n, _ := d.w.Write(p[:d.limit])
	d.limit = 0
	return n, errors.New("no space left on device")
}

func TestDiskFull(t *testing.T) {
	var stderr syncBuffer
	h := testHooks(&stderr)
	var disk *fullDisk
	h.wrapLog = func(w io.Writer) io.Writer {
		disk = &fullDisk{w: w, limit: 2000}
		return disk
	}
	h.flushDelay = time.Millisecond
	r := mustInit(t, Options{Dir: t.TempDir()}, h)
	for i := 0; i < 200; i++ {
		r.Log(map[string]interface{}{"pad": strings.Repeat("x", 100), "i": i})
		if i%20 == 0 {
			time.Sleep(5 * time.Millisecond) // let some flushes happen
		}
	}
	err := r.Finish()
	if err == nil || !strings.Contains(err.Error(), "no space") {
		t.Errorf("Finish: %v", err)
	}
	if n := strings.Count(stderr.String(), "no space"); n < 1 || n > 2 {
		t.Errorf("want one warning (plus the finish line), got:\n%s", stderr.String())
	}
	// What reached the disk is readable up to the torn tail.
	data, err := wandbfile.ReadRunDir(r.Dir())
	var ce *wandbfile.CorruptError
	if !errors.As(err, &ce) || !ce.Torn || data.Run == nil {
		t.Fatalf("reading the full-disk log: %v", err)
	}
	for i, row := range data.History {
		if string(row["i"]) != fmt.Sprint(i) {
			t.Fatalf("row %d: %s", i, row["i"])
		}
	}
}

func TestTableKeyChecked(t *testing.T) {
	r := mustInit(t, Options{Dir: t.TempDir()}, testHooks(io.Discard))
	errs := make(chan error, 4)
	r.LogFunc(func(s *Step) map[string]interface{} {
		for _, k := range []string{"../escape", "/abs", "a//b", ""} {
			_, err := s.Table(k, nil, nil)
			errs <- err
		}
		return nil
	})
	r.Finish()
	for i := 0; i < 4; i++ {
		if err := <-errs; err == nil {
			t.Error("bad table key accepted")
		}
	}
	var s Step
	if _, err := s.Table("x", nil, nil); err == nil {
		t.Error("Table outside LogFunc accepted")
	}
	if len(readRun(t, r).History) != 0 {
		t.Error("a nil map from LogFunc logged a row")
	}
}

func TestBadValuesLeftOut(t *testing.T) {
	var stderr syncBuffer
	r := mustInit(t, Options{Dir: t.TempDir()}, testHooks(&stderr))
	nan := 0.0
	nan = nan / nan
	r.Log(map[string]interface{}{"nan": nan, "ch": make(chan int), "raw": json.RawMessage(`{bad`), "ok": 1})
	r.LogFunc(func(*Step) map[string]interface{} { panic("boom") })
	r.Log(map[string]interface{}{"after": 2})
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	data := readRun(t, r)
	if len(data.History) != 2 || string(data.History[0]["ok"]) != "1" || data.History[0]["nan"] != nil ||
		data.History[0]["ch"] != nil || data.History[0]["raw"] != nil || string(data.History[1]["_step"]) != "1" {
		t.Errorf("history %v", data.History)
	}
	for _, want := range []string{`"nan"`, `"ch"`, `"raw"`, "panicked"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("no warning about %s: %q", want, stderr.String())
		}
	}
}

func TestRawValuesVerbatim(t *testing.T) {
	r := mustInit(t, Options{Dir: t.TempDir()}, testHooks(io.Discard))
	r.Log(map[string]interface{}{
		"raw":     json.RawMessage(`{"b": 1,  "a": [1, 2]}`),
		"trusted": RawJSON(`{"z":"<&>"}`),
		"empty":   RawJSON(nil),
		"html":    "<b>&</b>",
	})
	if err := r.Finish(); err != nil {
		t.Fatal(err)
	}
	row := readRun(t, r).History[0]
	want := map[string]string{"raw": `{"b": 1,  "a": [1, 2]}`, "trusted": `{"z":"<&>"}`, "empty": "null", "html": `"<b>&</b>"`}
	for k, v := range want {
		if string(row[k]) != v {
			t.Errorf("%s = %s, want %s", k, row[k], v)
		}
	}
}
