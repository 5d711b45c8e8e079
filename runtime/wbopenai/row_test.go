package wbopenai

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb"
)

// tableSink keeps the stats table data a row was logged with.
type tableSink struct {
	fakeSink
	data [][]interface{}
}

func (t *tableSink) LogRow(raw *wandb.RawRow, deadline time.Time) bool {
	_, data := decodeRawRow(raw)
	if data != nil {
		t.data = data
	}
	return t.fakeSink.LogRow(raw, deadline)
}

// logOne logs one chat call through a session and returns its row and
// stats table cells.
func logOne(t *testing.T, req, resp string, secret string) (map[string]interface{}, []interface{}) {
	t.Helper()
	u, _ := url.Parse("https://api.openai.com/v1/chat/completions")
	sink := &tableSink{}
	s := &session{run: sink, id: "test", bodies: bodyPolicy{max: defaultMaxBody}}
	ev := &event{kind: kindChat, method: "POST", url: u, start: time.Unix(1700000000, 0), end: time.Unix(1700000001, 0),
		site: "main.go:1 main.main", reqBody: []byte(req), status: 200,
		respHeader: http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req_1"}, "X-Ratelimit-Remaining-Tokens": {"99"}},
		resp:       newCapture(int64(len(resp)))}
	ev.secrets[0] = secret
	ev.resp.write([]byte(resp))
	s.log(ev, time.Now().Add(time.Minute))
	if len(sink.rows) != 1 || len(sink.data) != 1 {
		t.Fatalf("rows %d, table rows %d", len(sink.rows), len(sink.data))
	}
	return sink.rows[0], sink.data[0]
}

// cellText decodes a table cell as W&B reads it.
func cellText(t *testing.T, cell interface{}) string {
	t.Helper()
	b, err := json.Marshal(cell)
	if err != nil {
		t.Fatal(err)
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("cell %s: %v", b, err)
	}
	return s
}

// TestStatsCellsAreTheBodies: the request and response cells read back as
// the bodies' JSON text (what json.Marshal of the text gave before they
// were shared with the trace), HTML characters and credentials included.
func TestStatsCellsAreTheBodies(t *testing.T) {
	req := `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"<b>\"a\" & b</b>\n\u2028 key sk-SECRET"}]}`
	resp := `{"id":"c","model":"gpt-4o-mini-2024","choices":[{"index":0,"message":{"role":"assistant","content":"x < y"},"finish_reason":"stop"}],` +
		`"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}`
	row, cells := logOne(t, req, resp, "sk-SECRET")
	wantReq := strings.Replace(req, "sk-SECRET", "[redacted]", 1)
	if got := cellText(t, cells[0]); got != wantReq {
		t.Errorf("request cell = %q, want %q", got, wantReq)
	}
	if got := cellText(t, cells[1]); got != resp {
		t.Errorf("response cell = %q, want %q", got, resp)
	}
	if _, ok := cells[0].(wandb.RawJSON); !ok {
		t.Errorf("request cell is %T, want wandb.RawJSON", cells[0])
	}
	if cells[2] != "gpt-4o-mini-2024" || cells[9] != 5 || cells[10] != 2 || cells[11] != 7 || cells[5] != "req_1" {
		t.Errorf("cells = %v", cells)
	}
	if row["usage/total_tokens"] != 7 {
		t.Errorf("row = %v", row)
	}
	tr, ok := row["trace"].(wandb.RawJSON)
	if !ok {
		t.Fatalf("trace is %T", row["trace"])
	}
	var tv struct {
		Dict  string `json:"model_dict_dumps"`
		Spans string `json:"root_span_dumps"`
	}
	if err := json.Unmarshal(tr, &tv); err != nil {
		t.Fatalf("trace %s: %v", tr, err)
	}
	if want := `{"request":` + wantReq + `,"response":` + resp + `,"_kind":"openai"}`; tv.Dict != want {
		t.Errorf("model_dict_dumps = %s\nwant %s", tv.Dict, want)
	}
	var sp struct {
		Attributes map[string]interface{} `json:"attributes"`
	}
	if err := json.Unmarshal([]byte(tv.Spans), &sp); err != nil {
		t.Fatal(err)
	}
	if sp.Attributes["x-ratelimit-remaining-tokens"] != "99" || sp.Attributes["request_id"] != "req_1" ||
		sp.Attributes["model"] != "gpt-4o-mini-2024" {
		t.Errorf("attributes = %v", sp.Attributes)
	}
}

// TestInvalidBodyIsMarked: a body that is not JSON goes into the trace
// and the table as a marker with its text, not as JSON.
func TestInvalidBodyIsMarked(t *testing.T) {
	_, cells := logOne(t, `{"model":"m"}`, `not json <`, "")
	var m map[string]interface{}
	if err := json.Unmarshal([]byte(cellText(t, cells[1])), &m); err != nil || m["_truncated"] != true || m["head"] != "not json <" {
		t.Errorf("response cell = %v (%v)", m, err)
	}
}
