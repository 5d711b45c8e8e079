package reliability

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/wbinstrument/wbinstrument/internal/fakeopenai"
	"github.com/wbinstrument/wbinstrument/internal/fakewandb"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/online"
	"github.com/wbinstrument/wbinstrument/runtime/wbopenai"
)

const wandbKey = "wb-fault-key-0123456789abcdef0123456789abcdef"

// wbCase is one W&B server fault: inject breaks the server before the
// program's calls, recover (when set) heals it after them, before Finish.
// Without recover the rows must stay in the run directory, unmarked, for
// Sync.
type wbCase struct {
	name    string
	inject  func(s *fakewandb.Server)
	recover func(s *fakewandb.Server)
	baseURL string // overrides the server's URL (DNS failure)
}

var wbCases = []wbCase{
	{name: "5xx-burst", inject: func(s *fakewandb.Server) {
		s.Inject(fakewandb.Fault{Status: 500}, 6)
		s.Inject(fakewandb.Fault{Endpoint: "file_stream", Status: 503}, 6)
	}, recover: func(s *fakewandb.Server) {}},
	{name: "429-retry-after", inject: func(s *fakewandb.Server) {
		s.Inject(fakewandb.Fault{Endpoint: "file_stream", Status: 429, RetryAfter: "1"}, 2)
		s.Inject(fakewandb.Fault{Endpoint: "graphql", Status: 429, RetryAfter: "1"}, 1)
	}, recover: func(s *fakewandb.Server) {}},
	{name: "connection-resets", inject: func(s *fakewandb.Server) {
		s.Inject(fakewandb.Fault{Reset: true}, 3)
		s.Inject(fakewandb.Fault{Endpoint: "file_stream", Reset: true, AfterApply: true}, 4)
	}, recover: func(s *fakewandb.Server) {}},
	{name: "hanging-server", inject: func(s *fakewandb.Server) {
		s.Inject(fakewandb.Fault{Delay: time.Hour}, -1)
	}, recover: func(s *fakewandb.Server) { s.ClearFaults() }},
	{name: "down-then-up", inject: func(s *fakewandb.Server) { s.Down(true) },
		recover: func(s *fakewandb.Server) { s.Down(false) }},
	{name: "down-through-finish", inject: func(s *fakewandb.Server) { s.Down(true) }},
	{name: "dns-failure", inject: func(s *fakewandb.Server) {}, baseURL: "http://wandb.invalid"},
}

// callBlock makes n chat calls through the call-site wrapper and returns
// their latencies and the request ids the program saw.
func callBlock(t *testing.T, c *openai.Client, n int) ([]time.Duration, []string) {
	t.Helper()
	var lat []time.Duration
	var ids []string
	req := openai.ChatCompletionRequest{Model: openai.GPT4oMini,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "is W&B up?"}}}
	for i := 0; i < n; i++ {
		t0 := time.Now()
		resp, err := wbopenai.Call1(c.CreateChatCompletion, "reliability/fault_wandb_test.go:1 reliability.callBlock")(context.Background(), req)
		lat = append(lat, time.Since(t0))
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		ids = append(ids, resp.Header().Get("X-Request-Id"))
	}
	return lat, ids
}

// serverIDs returns the request ids of the call rows the W&B server
// holds for a run, and how many rows it holds in all.
func serverIDs(t *testing.T, s *fakewandb.Server, runID string) ([]string, int) {
	t.Helper()
	run, ok := s.Run(fakewandb.DefaultEntity, "reliability", runID)
	if !ok {
		return nil, 0
	}
	rows, err := run.History()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range callRows(rows) {
		ids = append(ids, spanOf(t, r).attr("request_id"))
	}
	return ids, len(rows)
}

// sameSet reports what is missing from got and what got holds twice or
// without reason, against want.
func sameSet(want, got []string) (missing, extra []string) {
	count := map[string]int{}
	for _, id := range got {
		count[id]++
	}
	for _, id := range want {
		if count[id] == 0 {
			missing = append(missing, id)
		}
		count[id]--
	}
	for id, n := range count {
		for ; n > 0; n-- {
			extra = append(extra, id)
		}
	}
	sort.Strings(extra)
	return missing, extra
}

func TestFaultWandbServer(t *testing.T) {
	wandbEnv(t)
	oa := fakeopenai.New()
	defer oa.Close()
	cfg := openai.DefaultConfig("sk-fault-openai-key-000")
	cfg.BaseURL = oa.URL()
	client := openai.NewClientWithConfig(wbopenai.Config(cfg))
	const n = 150
	var summary []string
	for _, tc := range wbCases {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			wb := fakewandb.New(wandbKey)
			defer wb.Close()
			dir := t.TempDir()
			opts := func(runID, baseURL string) wandb.Options {
				return wandb.Options{Project: "reliability", Mode: "online", APIKey: wandbKey, BaseURL: baseURL,
					Dir: dir, RunID: runID, Silent: true, FinishTimeout: 4 * time.Second}
			}

			// Baseline: the same calls with a healthy server, just before.
			if err := wbopenai.Init(opts("base"+strings.ReplaceAll(tc.name, "-", ""), wb.URL())); err != nil {
				t.Fatal(err)
			}
			baseLat, _ := callBlock(t, client, n)
			wbopenai.Finish()

			runID := "fault" + strings.ReplaceAll(tc.name, "-", "")
			base := wb.URL()
			if tc.baseURL != "" {
				base = tc.baseURL
			}
			tc.inject(wb)
			if err := wbopenai.Init(opts(runID, base)); err != nil {
				t.Fatal(err)
			}
			lat, ids := callBlock(t, client, n)
			// Keep the fault a while, so the sender meets it with rows to
			// send (the hang outlasts the 0.5s attempt timeout).
			time.Sleep(700 * time.Millisecond)
			faulted := 0
			for _, r := range wb.Requests() {
				if r.Status == 0 || r.Status >= 429 {
					faulted++
				}
			}
			if faulted == 0 && tc.baseURL == "" && tc.name != "down-then-up" && tc.name != "down-through-finish" {
				t.Errorf("the sender never met the fault")
			}
			if tc.recover != nil {
				tc.recover(wb)
			}
			t0 := time.Now()
			wbopenai.Finish()
			finish := time.Since(t0)
			wb.Down(false)
			wb.ClearFaults()

			runDir := ""
			for _, d := range mustGlob(t, filepath.Join(dir, "wandb", "run-*-"+runID)) {
				runDir = d
			}
			if runDir == "" {
				t.Fatalf("no run directory for %s under %s", runID, dir)
			}
			logRows := len(callRows(readRun(t, runDir).History))
			if logRows != n {
				t.Errorf("the run log holds %d call rows, want %d", logRows, n)
			}
			onServer, _ := serverIDs(t, wb, runID)
			synced := "live"
			if tc.recover == nil {
				log := mustGlob(t, filepath.Join(runDir, "*.wandb"))[0]
				if online.Synced(log) {
					t.Errorf("the run is marked synced although the server never had it (%d rows there)", len(onServer))
				}
				res, err := online.Sync(context.Background(), runDir, online.SyncOptions{APIKey: wandbKey, BaseURL: wb.URL(),
					RetryBase: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond, GiveUp: 20 * time.Second})
				if err != nil {
					t.Fatalf("sync after the fault: %v", err)
				}
				again, err := online.Sync(context.Background(), runDir, online.SyncOptions{APIKey: wandbKey, BaseURL: wb.URL()})
				if err != nil || !again.Skipped {
					t.Errorf("second sync: skipped=%v err=%v, want skipped", again != nil && again.Skipped, err)
				}
				synced = fmt.Sprintf("spooled (%d rows on the server before sync), sync sent %d", len(onServer), res.Rows)
				onServer, _ = serverIDs(t, wb, runID)
			}
			missing, extra := sameSet(ids, onServer)
			if len(missing) > 0 || len(extra) > 0 {
				t.Errorf("server rows vs calls: %d calls, %d rows; missing %v; duplicated or unknown %v", len(ids), len(onServer), missing, extra)
			}
			if v := wb.Violations(); len(v) > 0 {
				t.Errorf("protocol violations: %s", strings.Join(v, "; "))
			}
			run, _ := wb.Run(fakewandb.DefaultEntity, "reliability", runID)
			if !run.Complete {
				t.Errorf("the run is not complete on the server")
			}
			b50, f50 := quantile(baseLat, .5), quantile(lat, .5)
			b99, f99 := quantile(baseLat, .99), quantile(lat, .99)
			// The caller never waits on W&B: a fault may only show as noise.
			if f50 > 2*b50+2*time.Millisecond {
				t.Errorf("calls slowed by the fault: p50 %v, %v without it", f50, b50)
			}
			line := fmt.Sprintf("%-20s %d calls, %d rows on the server exactly once (%s, %d faulted requests, resent lines %d), finish %v, p50 %v vs %v healthy, p99 %v vs %v",
				tc.name, n, len(onServer), synced, faulted, run.Resent, finish.Round(time.Millisecond), f50.Round(time.Microsecond), b50.Round(time.Microsecond),
				f99.Round(time.Microsecond), b99.Round(time.Microsecond))
			t.Log(line)
			summary = append(summary, line)
		})
	}
	t.Logf("SUMMARY W&B faults: %d cases\n%s", len(summary), strings.Join(summary, "\n"))
}

func mustGlob(t *testing.T, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(pattern)
	if err != nil || len(m) == 0 {
		t.Fatalf("nothing matches %s (%v)", pattern, err)
	}
	return m
}
