package wbopenai

import (
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/prices"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
)

// pricedCall is one call as the logging goroutine sees it.
type pricedCall struct {
	name     string
	kind     kind
	url      string
	stream   bool
	status   int
	req      string
	resp     string
	priced   bool    // the row carries cost keys
	unpriced bool    // the call counts in unpriced_calls
	in, out  float64 // dollars, worked out by hand from the list prices
}

// goldenCalls are the golden prices: real response shapes of
// each endpoint, priced at the built-in table's list prices (dollars per
// million tokens).
var goldenCalls = []pricedCall{
	{name: "chat", kind: kindChat, url: "https://api.openai.com/v1/chat/completions", status: 200,
		req:    `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`,
		resp:   `{"id":"c1","object":"chat.completion","model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500}}`,
		priced: true, in: 1200 * 0.15 / 1e6, out: 300 * 0.60 / 1e6},
	{name: "cached input", kind: kindChat, url: "https://api.openai.com/v1/chat/completions", status: 200,
		req:    `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}`,
		resp:   `{"id":"c2","object":"chat.completion","model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"stop"}],"usage":{"prompt_tokens":2048,"completion_tokens":100,"total_tokens":2148,"prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0}}}`,
		priced: true, in: (1024*2.50 + 1024*1.25) / 1e6, out: 100 * 10.0 / 1e6},
	// The 900 completion tokens include 640 reasoning tokens: billed once.
	{name: "reasoning", kind: kindChat, url: "https://api.openai.com/v1/chat/completions", status: 200,
		req:    `{"model":"o3-mini","messages":[{"role":"user","content":"prove it"}]}`,
		resp:   `{"id":"c3","object":"chat.completion","model":"o3-mini-2025-01-31","choices":[{"index":0,"message":{"role":"assistant","content":"done"},"finish_reason":"stop"}],"usage":{"prompt_tokens":50,"completion_tokens":900,"total_tokens":950,"completion_tokens_details":{"reasoning_tokens":640}}}`,
		priced: true, in: 50 * 1.10 / 1e6, out: 900 * 4.40 / 1e6},
	{name: "embedding", kind: kindEmbedding, url: "https://api.openai.com/v1/embeddings", status: 200,
		req:    `{"model":"text-embedding-3-small","input":["a","b"]}`,
		resp:   `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1]}],"model":"text-embedding-3-small","usage":{"prompt_tokens":4000,"total_tokens":4000}}`,
		priced: true, in: 4000 * 0.02 / 1e6},
	{name: "stream", kind: kindChat, url: "https://api.openai.com/v1/chat/completions", status: 200, stream: true,
		req: `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"stream":true}`,
		resp: "data: {\"id\":\"s\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n" +
			"data: {\"id\":\"s\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n" +
			"data: {\"id\":\"s\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":14,\"completion_tokens\":3,\"total_tokens\":17}}\n\n" +
			"data: [DONE]\n\n",
		priced: true, in: 14 * 0.15 / 1e6, out: 3 * 0.60 / 1e6},
	// The Responses API names its tokens input_ and output_tokens.
	{name: "responses", kind: kindResponses, url: "https://api.openai.com/v1/responses", status: 200,
		req:    `{"model":"gpt-4.1","input":"hi"}`,
		resp:   `{"id":"resp_1","object":"response","status":"completed","model":"gpt-4.1-2025-04-14","output":[{"type":"message","content":[{"type":"output_text","text":"hello"}]}],"usage":{"input_tokens":3000,"input_tokens_details":{"cached_tokens":2000},"output_tokens":500,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":3500}}`,
		priced: true, in: (1000*2.00 + 2000*0.50) / 1e6, out: 500 * 8.00 / 1e6},
	{name: "unknown model", kind: kindChat, url: "https://api.openai.com/v1/chat/completions", status: 200,
		req:      `{"model":"my-local-llama","messages":[]}`,
		resp:     `{"id":"c4","object":"chat.completion","model":"my-local-llama","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":10,"total_tokens":20}}`,
		unpriced: true},
	// A server that ignores include_usage: no usage, nothing to price.
	{name: "usage missing", kind: kindChat, url: "https://api.openai.com/v1/chat/completions", status: 200, stream: true,
		req:      `{"model":"gpt-4o-mini","messages":[],"stream":true}`,
		resp:     "data: {\"id\":\"s\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n",
		unpriced: true},
	// A refused call was not billed: neither priced nor unpriced.
	{name: "failed", kind: kindChat, url: "https://api.openai.com/v1/chat/completions", status: 429,
		req:  `{"model":"gpt-4o","messages":[]}`,
		resp: `{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`},
}

// logCall logs c through s.
func logCall(t testing.TB, s *session, c pricedCall) {
	u, err := url.Parse(c.url)
	if err != nil {
		t.Fatal(err)
	}
	ct := "application/json"
	if c.stream {
		ct = "text/event-stream"
	}
	ev := &event{kind: c.kind, method: "POST", url: u, start: time.Unix(1700000000, 0), end: time.Unix(1700000001, 0),
		site: "main.go:1 main.main", reqBody: []byte(c.req), status: c.status, stream: c.stream,
		respHeader: http.Header{"Content-Type": {ct}}, resp: newCapture(int64(len(c.resp)))}
	ev.resp.write([]byte(c.resp))
	s.log(ev, time.Now().Add(time.Minute))
	ev.resp.release()
}

func pricedSession(t *prices.Table) (*session, *fakeSink) {
	sink := &fakeSink{}
	s := &session{run: sink, id: "test", bodies: bodyPolicy{max: defaultMaxBody}, cost: costState{table: t, loaded: true}}
	s.totals.costs.on = t != nil
	return s, sink
}

func sameDollars(a, b float64) bool { return math.Abs(a-b) <= 1e-15+1e-12*math.Abs(b) }

// TestGoldenRowCosts: each row carries the cost of its call, split into
// input and output, and the calls that cannot be priced carry none.
func TestGoldenRowCosts(t *testing.T) {
	for _, c := range goldenCalls {
		s, sink := pricedSession(prices.Default())
		logCall(t, s, c)
		row := sink.rows[0]
		usd, ok := row[costKey].(float64)
		if ok != c.priced {
			t.Errorf("%s: row cost %v, want priced=%v; row %v", c.name, row[costKey], c.priced, keys(row))
			continue
		}
		if !c.priced {
			if _, has := row[costInputKey]; has {
				t.Errorf("%s: unpriced row has %s", c.name, costInputKey)
			}
		} else if in, out := row[costInputKey].(float64), row[costOutputKey].(float64); !sameDollars(in, c.in) || !sameDollars(out, c.out) || usd != in+out {
			t.Errorf("%s: cost/usd %v input %v output %v, want input %v output %v", c.name, usd, in, out, c.in, c.out)
		}
		if got := s.totals.costs.unpriced; got != map[bool]int64{true: 1}[c.unpriced] {
			t.Errorf("%s: unpriced calls %d, want unpriced=%v", c.name, got, c.unpriced)
		}
	}
}

func keys(m map[string]interface{}) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// TestSummaryTotalsAreRowSums: the summary's totals are exactly the sums
// of the rows' values, overall and per model, and count the unpriced
// calls.
func TestSummaryTotalsAreRowSums(t *testing.T) {
	s, sink := pricedSession(prices.Default())
	for i := 0; i < 3; i++ {
		for _, c := range goldenCalls {
			logCall(t, s, c)
		}
	}
	var usd, in, out float64
	perModel := map[string]float64{}
	for i, row := range sink.rows {
		if v, ok := row[costKey].(float64); ok {
			usd += v
			in += row[costInputKey].(float64)
			out += row[costOutputKey].(float64)
			perModel[modelOfRow(i)] += v
		}
	}
	sum := s.totals.summary()
	if sum["total_cost/usd"] != usd || sum["total_cost/input_usd"] != in || sum["total_cost/output_usd"] != out {
		t.Errorf("summary %v %v %v, rows sum to %v %v %v", sum["total_cost/usd"], sum["total_cost/input_usd"], sum["total_cost/output_usd"], usd, in, out)
	}
	if sum["unpriced_calls"] != int64(6) {
		t.Errorf("unpriced_calls = %v, want 6 (3 x unknown model and usage missing)", sum["unpriced_calls"])
	}
	for m, v := range perModel {
		if sum["total_cost/"+m+"/usd"] != v {
			t.Errorf("total_cost/%s/usd = %v, rows sum to %v", m, sum["total_cost/"+m+"/usd"], v)
		}
	}
	if v, has := sum["total_cost/my-local-llama/usd"]; has {
		t.Errorf("a model never priced has a total: %v", v)
	}
	// A session without a table logs no cost keys at all.
	s2, _ := pricedSession(nil)
	logCall(t, s2, goldenCalls[0])
	for k := range s2.totals.summary() {
		if strings.Contains(k, "cost") {
			t.Errorf("summary without prices has %s", k)
		}
	}
}

// modelOfRow is the model the golden call of row i is logged under.
func modelOfRow(i int) string {
	models := map[string]string{"chat": "gpt-4o-mini-2024-07-18", "cached input": "gpt-4o-2024-08-06", "reasoning": "o3-mini-2025-01-31",
		"embedding": "text-embedding-3-small", "stream": "gpt-4o-mini", "responses": "gpt-4.1-2025-04-14"}
	return models[goldenCalls[i%len(goldenCalls)].name]
}

// TestAzureDeploymentPrice: an Azure call is priced as the model the
// override file maps its deployment to, not as its response's model.
func TestAzureDeploymentPrice(t *testing.T) {
	tb, err := prices.Parse("prices.json", []byte(`{
  "models": [{"model": "azure-gpt-4o-eu", "input": 2.75, "cached_input": 1.375, "output": 11}],
  "azure_deployments": {"prod-chat": "azure-gpt-4o-eu"}
}`))
	if err != nil {
		t.Fatal(err)
	}
	s, sink := pricedSession(tb)
	logCall(t, s, pricedCall{kind: kindChat, status: 200,
		url:  "https://acme.openai.azure.com/openai/deployments/prod-chat/chat/completions?api-version=2024-06-01",
		req:  `{"model":"prod-chat","messages":[]}`,
		resp: `{"id":"a","object":"chat.completion","model":"gpt-4o-2024-08-06","choices":[],"usage":{"prompt_tokens":1000,"completion_tokens":100,"total_tokens":1100,"prompt_tokens_details":{"cached_tokens":200}}}`})
	row := sink.rows[0]
	if in, out := row[costInputKey], row[costOutputKey]; !sameDollars(in.(float64), (800*2.75+200*1.375)/1e6) || !sameDollars(out.(float64), 100*11.0/1e6) {
		t.Errorf("azure call cost input %v output %v", in, out)
	}
	if got := prices.AzureDeployment("POST /openai/deployments/prod-chat/embeddings"); got != "prod-chat" {
		t.Errorf("AzureDeployment = %q", got)
	}
}

// sinkOptions records the options the test's runs open their sinks
// with.
func sinkOptions(t *testing.T) *wandb.Options {
	opts := new(wandb.Options)
	old := openSink
	t.Cleanup(func() { openSink = old })
	openSink = func(o wandb.Options) (sink, error) {
		*opts = o
		return old(o)
	}
	return opts
}

// TestBadPriceFile: a malformed WBINSTRUMENT_PRICES file costs the run
// its costs (the config says why), not its rows and not the program.
func TestBadPriceFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prices.json")
	if err := os.WriteFile(path, []byte("{\n  \"models\": [\n    {\"model\": \"gpt-4o\", \"input\": -1, \"output\": 10}\n  ]\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(prices.EnvVar, path)
	opts := sinkOptions(t)
	if err := Init(wandb.Options{Mode: "offline", Config: map[string]interface{}{"lr": 0.1}}); err != nil {
		t.Fatal(err)
	}
	sink := lastSink()
	g := goldenCalls[0]
	enqueue(jsonCall(g.url, []byte(g.req), []byte(g.resp), time.Now(), time.Now()))
	Finish()

	cfg, _ := opts.Config[pricesConfigKey].(map[string]interface{})
	if msg, _ := cfg["error"].(string); !strings.Contains(msg, path+":3: models[0] (gpt-4o): \"input\" is negative") || cfg["costs"] != "off" || opts.Config["lr"] != 0.1 {
		t.Errorf("config = %v", opts.Config)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.rows) != 1 || sink.rows[0]["usage/total_tokens"] != 1500 {
		t.Fatalf("rows = %v", sink.rows)
	}
	if _, has := sink.rows[0][costKey]; has {
		t.Errorf("a row has a cost although the price file is bad")
	}
	for _, m := range sink.metrics {
		if strings.HasPrefix(m, "cost/") {
			t.Errorf("metric %s defined without prices", m)
		}
	}
	if _, has := sink.summary["unpriced_calls"]; has {
		t.Errorf("summary counts unpriced calls without prices: %v", sink.summary)
	}
}

// TestRunRecordsPriceTable: a run priced with the built-in table records
// its version and date in the config and defines cost/* against
// _timestamp, as usage/*.
func TestRunRecordsPriceTable(t *testing.T) {
	t.Setenv(prices.EnvVar, "")
	opts := sinkOptions(t)
	g := goldenCalls[0]
	enqueue(jsonCall(g.url, []byte(g.req), []byte(g.resp), time.Now(), time.Now())) // the session opens the run itself, on its goroutine
	Finish()
	sink := lastSink()
	cfg, _ := opts.Config[pricesConfigKey].(map[string]interface{})
	if cfg["version"] != prices.Version || cfg["as_of"] != prices.AsOf {
		t.Errorf("config = %v", opts.Config)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if strings.Join(sink.metrics, ",") != "usage/*@_timestamp,cost/*@_timestamp" {
		t.Errorf("metrics = %v", sink.metrics)
	}
	if len(sink.rows) != 1 || sink.rows[0][costKey] != sink.summary["total_cost/usd"] || sink.summary["unpriced_calls"] != int64(0) {
		t.Errorf("row %v, summary %v", sink.rows, sink.summary)
	}
}
