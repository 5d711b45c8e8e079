package wbopenai

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/wbinstrument/wbinstrument/runtime/internal/casetest"
)

// The scanner must give what json.Unmarshal gives (the decoder the
// logger used before, kept here as the oracle) whenever it does not fall
// back to it, and must accept exactly what json.Valid accepts.

// scanSeeds are bodies of the shapes the API sends, and near misses that
// encoding/json reads differently from a naive scanner.
var scanSeeds = []string{
	`{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hi \"there\" \u00e9\ud83d\ude00 <b>&</b>"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":0}}}`,
	`{"id":"c","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":"tool_calls"}]}`,
	`{"id":"resp_1","object":"response","status":"completed","model":"gpt-4o","output":[{"type":"message","content":[{"type":"output_text","text":"hi"}]},{"type":"function_call","call_id":"call_2","name":"f","arguments":"{}"}],"usage":{"input_tokens":5,"output_tokens":7,"total_tokens":12,"input_tokens_details":{"cached_tokens":1},"output_tokens_details":{"reasoning_tokens":2}}}`,
	`{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}`,
	`{"error":{"message":"bad","type":"invalid_request_error","code":400}}`,
	`{"error":{"message":"bad","code":null}}`,
	`{"error":null,"usage":null,"choices":null,"output":[]}`,
	`{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,-2e-3,3E+2]}],"model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8}}`,
	` { "model" : "m" , "choices" : [ null , { } ] } `,
	`{"model":"m","Model":"n"}`,
	`{"MODEL":"n"}`,
	`{"model":"m","model":"n"}`,
	`{"mod\u0065l":"x"}`,
	`{"model":5}`,
	`{"model":null}`,
	`{"id":7}`,
	`{"status":{}}`,
	`{"usage":{"prompt_tokens":1.5}}`,
	`{"usage":{"prompt_tokens":1e2}}`,
	`{"usage":{"prompt_tokens":-0}}`,
	`{"usage":{"prompt_tokens":99999999999999999999}}`,
	`{"usage":{"total_tokens":123456789012345678}}`,
	`{"usage":{"prompt_tokens":"3"}}`,
	`{"choices":[{"finish_reason":"stop","message":null}]}`,
	`{"choices":[1]}`,
	`{"choices":{}}`,
	`{"choices":[{"message":{"tool_calls":[null,{"function":null}]}}]}`,
	`{"model":"bad \xff utf8 \xe2\x82"}`,
	`{"model":"lone \ud800 surrogate \udc00 \ud800\u0041"}`,
	`{"model":"esc \/ \b\f\n\r\t \\ \""}`,
	`{"model":"m"`,
	`{"model":"m"}x`,
	`{"model":"m",}`,
	`{"a":[1,]}`,
	`{"a":01}`,
	`{"a":-}`,
	`{"a":1.}`,
	`{"a":.5}`,
	`{"a":tru}`,
	`{"a":"ctl` + "\x01" + `"}`,
	`{"a":"\x"}`,
	`{"a":"\u12"}`,
	`[]`,
	`null`,
	`"str"`,
	``,
	`{}`,
	`{"ſtatus":"x"}`,
	`{"K":1}`,
	`{"a":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`,
	`{"a":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`,
}

var chunkSeeds = []string{
	`{"id":"chatcmpl-s","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"logprobs":null,"finish_reason":null}],"usage":null}`,
	`{"id":"c","choices":[{"index":1,"delta":{},"finish_reason":"stop"}]}`,
	`{"id":"c","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}`,
	`{"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":""}}]}}]}`,
	`{"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"function":{"arguments":"{\"a\":"}}]}}]}`,
	`{"choices":[{"text":"completion text","index":0,"finish_reason":null}]}`,
	`{"error":{"message":"server error","type":"server_error","code":null}}`,
	`{"choices":[{"index":null,"delta":null,"finish_reason":""}]}`,
	`{"choices":[{"index":1.0}]}`,
	`{"choices":[{"index":-3}]}`,
}

var eventSeeds = []string{
	`{"type":"response.output_text.delta","item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hel"}`,
	`{"type":"response.completed","response":{"id":"resp_1","status":"completed","model":"gpt-4o","output":[],"usage":{"input_tokens":5,"output_tokens":2,"total_tokens":7}}}`,
	`{"type":"error","message":"boom","code":"server_error"}`,
	`{"type":"error","message":"boom","code":500}`,
	`{"type":"response.failed","response":null}`,
}

func oracleResponse(b []byte) (responseJSON, error) {
	var r responseJSON
	err := json.Unmarshal(b, &r)
	r.ID, r.Status = "", "" // not decoded by the scanner, which only checks their type
	return r, err
}

// checkResponse compares the scanner with json.Unmarshal on one body.
func checkResponse(t *testing.T, b []byte) (scanned bool) {
	t.Helper()
	var got responseJSON
	c := jcur{b: b}
	c.ws()
	c.response(&got)
	scanned = c.end()
	want, err := oracleResponse(b)
	if scanned {
		if err != nil {
			t.Fatalf("%q: scanned, but json.Unmarshal fails: %v", b, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: scanned\n%#v\njson.Unmarshal\n%#v", b, got, want)
		}
	}
	// decodeResponse, fallback included, is json.Unmarshal.
	var all responseJSON
	s2, err2 := decodeResponse(b, &all)
	all.ID, all.Status = "", ""
	if s2 != scanned || (err2 == nil) != (err == nil) || (err == nil && !reflect.DeepEqual(all, want)) {
		t.Fatalf("%q: decodeResponse = %#v, %v; json.Unmarshal = %#v, %v", b, all, err2, want, err)
	}
	return scanned
}

func checkValid(t *testing.T, b []byte) {
	t.Helper()
	c := jcur{b: b}
	c.ws()
	c.skip()
	ok := c.end()
	if want := json.Valid(b); ok != want && !(want && c.depth > maxScanDepth) {
		t.Fatalf("%q: scanner says valid=%v, json.Valid %v", b, ok, want)
	}
}

func checkModel(t *testing.T, b []byte) {
	t.Helper()
	got, scanned := requestModel(b)
	var want struct {
		Model string `json:"model"`
	}
	err := json.Unmarshal(b, &want)
	if got != want.Model {
		t.Fatalf("%q: requestModel = %q, json.Unmarshal %q", b, got, want.Model)
	}
	if scanned && (err != nil || !json.Valid(b)) {
		t.Fatalf("%q: scanned, but json.Unmarshal fails: %v", b, err)
	}
}

func checkChunk(t *testing.T, b []byte, prev *streamChunk) {
	t.Helper()
	var got, want streamChunk
	err := decodeChunk(b, &got, prev)
	werr := json.Unmarshal(b, &want)
	if werr == nil && want.Usage != nil {
		// The usage object as sent, which the trace keeps.
		var raw struct {
			Usage json.RawMessage `json:"usage"`
		}
		if json.Unmarshal(b, &raw) == nil {
			want.usageRaw = []byte(raw.Usage)
		}
	}
	if (err == nil) != (werr == nil) || (err == nil && !reflect.DeepEqual(got, want)) {
		t.Fatalf("%q: decodeChunk = %#v, %v\njson.Unmarshal = %#v, %v", b, got, err, want, werr)
	}
}

func checkEvent(t *testing.T, b []byte) {
	t.Helper()
	var got, want responsesEvent
	err := decodeResponsesEvent(b, &got)
	werr := json.Unmarshal(b, &want)
	if (err == nil) != (werr == nil) || (err == nil && !reflect.DeepEqual(got, want)) {
		t.Fatalf("%q: decodeResponsesEvent = %#v, %v\njson.Unmarshal = %#v, %v", b, got, err, want, werr)
	}
}

func checkAll(t *testing.T, b []byte) {
	t.Helper()
	checkValid(t, b)
	checkResponse(t, b)
	checkModel(t, b)
	checkChunk(t, b, &streamChunk{ID: "c", Model: "gpt-4o-mini"})
	checkEvent(t, b)
}

func TestScannerMatchesEncodingJSON(t *testing.T) {
	for _, s := range append(append(append([]string{}, scanSeeds...), chunkSeeds...), eventSeeds...) {
		checkAll(t, []byte(s))
	}
}

// TestScannerReadsAPIShapes: the bodies the API sends take the fast path;
// the odd ones go to encoding/json.
func TestScannerReadsAPIShapes(t *testing.T) {
	for _, s := range scanSeeds[:9] {
		if !checkResponse(t, []byte(s)) {
			t.Errorf("%s: not scanned", s)
		}
	}
	for _, s := range []string{`{"model":"m","Model":"n"}`, `{"model":"m","model":"n"}`, `{"mod\u0065l":"x"}`,
		`{"id":7}`, `{"usage":{"prompt_tokens":1.5}}`, "{\"usage\":{\"total_to\u212aens\":5}}", `{"ſtatus":"x"}`} {
		if checkResponse(t, []byte(s)) {
			t.Errorf("%s: scanned; encoding/json should decide", s)
		}
	}
	for _, s := range chunkSeeds[:7] {
		c := &jcur{b: []byte(s)}
		var ch streamChunk
		c.ws()
		c.object(chunkKeys[:], func(f int) {
			if f == chunkChoices {
				ch.Choices = objects(c, c.chunkChoice)
				return
			}
			c.skip()
		})
		if !c.end() {
			t.Errorf("%s: chunk not scanned", s)
		}
	}
}

// TestChunkReusesRepeatedStrings: the id and model every chunk repeats are
// not copied again.
func TestChunkReusesRepeatedStrings(t *testing.T) {
	prev := streamChunk{ID: "chatcmpl-s", Model: "gpt-4o-mini"}
	b := []byte(chunkSeeds[0])
	var ch streamChunk
	if err := decodeChunk(b, &ch, &prev); err != nil {
		t.Fatal(err)
	}
	if ch.ID != prev.ID || ch.Model != prev.Model {
		t.Fatalf("chunk = %#v", ch)
	}
	if allocs := testing.AllocsPerRun(100, func() {
		var ch streamChunk
		_ = decodeChunk(b, &ch, &prev)
	}); allocs > 2 { // the choices slice and the content
		t.Errorf("decodeChunk allocates %v times per chunk", allocs)
	}
}

func TestUnquoteMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{`""`, `"plain"`, `"\u00e9\ud83d\ude00"`, `"\ud83d"`, `"\ud83dx"`, `"\udc00\ud83d\ude00"`,
		`"\ud83d\u0041"`, "\"\xff\xfe\"", "\"é\xe2\x82\"", `"\"\\\/\b\f\n\r\t"`, `"\u0000\u001f\u2028"`} {
		checkString(t, []byte(s))
	}
}

func checkString(t *testing.T, b []byte) {
	t.Helper()
	c := jcur{b: b}
	c.ws()
	got := c.string()
	ok := c.end()
	var want string
	err := json.Unmarshal(b, &want)
	if ok != (err == nil) || (ok && got != want) {
		t.Fatalf("%q: scanner %q (ok %v), json.Unmarshal %q (%v)", b, got, ok, want, err)
	}
}

func FuzzScanner(f *testing.F) {
	for _, s := range append(append(append([]string{}, scanSeeds...), chunkSeeds...), eventSeeds...) {
		if len(s) < 1000 {
			f.Add([]byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkAll(t, b)
		checkString(t, b)
	})
}

// TestSpecialBytesAtEveryOffset: the word-at-a-time loops of the scanner
// and the escaper see each byte that matters at each place in a word.
func TestSpecialBytesAtEveryOffset(t *testing.T) {
	for _, sp := range []string{`"`, `\\`, `\"`, `\n`, "\x00", "\x1f", "\n", "\x7f", "é", "\xff", "\u2028", "<", " "} {
		for n := 0; n < 20; n++ {
			s := strings.Repeat("a", n) + sp + strings.Repeat("b", 19-n)
			checkString(t, []byte(`"`+s+`"`))
			checkValid(t, []byte(`{"k":"`+s+`"}`))
			checkAppendString(t, s)
			if got, want := `"`+string(appendEscaped(nil, []byte(s)))+`"`, casetest.JSONString(t, s, false); got != want {
				t.Errorf("appendEscaped(%q) = %s, encoding/json %s", s, got, want)
			}
		}
	}
}

// TestTopLevel: the caller-path walk of a request body's top level
// follows its structure only (literals, numbers and escapes in values are
// the server's to check) and leaves escaped keys to the decoder.
func TestTopLevel(t *testing.T) {
	cases := []struct {
		in             string
		end            int
		empty, has, ok bool
	}{
		{`{}`, 1, true, false, true},
		{` { } `, 3, true, false, true},
		{`{"k":1}`, 6, false, true, true},
		{`{"a":"k"}`, 8, false, false, true},
		{`{"a":{"k":1},"k":[]}`, 19, false, true, true},
		{"{\"a\":tru,\"b\":\"\\uzz\",\"\xc3\xa9\":1}", 26, false, false, true},
		{`{"k\"":1}`, 0, false, false, false}, // escaped key: the decoder decides
		{`{"a":1 2}`, 0, false, false, false},
		{`{"a":1}}`, 0, false, false, false},
		{`{"a":}`, 0, false, false, false},
		{`{"a":1,}`, 0, false, false, false},
		{`{"a":[1,"]"}`, 0, false, false, false},
	}
	for _, c := range cases {
		cur := jcur{b: []byte(c.in)}
		end, empty, has := cur.topLevel("k")
		if ok := !cur.fail; ok != c.ok || (ok && (end != c.end || empty != c.empty || has != c.has)) {
			t.Errorf("topLevel(%s) = %d, %v, %v, %v; want %d, %v, %v, %v", c.in, end, empty, has, ok, c.end, c.empty, c.has, c.ok)
		}
	}
}
