package view

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// referenceFacts is what the models page read of a call's bodies with
// encoding/json before factReader: the facts must not change.
func referenceFacts(req, resp []byte) (respModel string, params []KV) {
	var r struct {
		Model string `json:"model"`
	}
	if len(resp) > 0 && json.Unmarshal(resp, &r) == nil {
		respModel = r.Model
	}
	_, _, all := requestParts(req)
	for _, p := range all {
		if p.Key == "model" || p.Key == "tools" || p.Key == "functions" || len(p.Value) > 80 {
			continue
		}
		params = append(params, p)
	}
	return respModel, params
}

// TestFactReaderMatchesEncodingJSON covers the JSON the runtime writes
// and the odd cases encoding/json decides in its own way. (Bodies that
// are invalid inside a value factReader steps over, such as a control
// character in a string, are not: jscan does not check them.)
func TestFactReaderMatchesEncodingJSON(t *testing.T) {
	long := `"` + strings.Repeat("x", 100) + `"`
	bodies := [][2]string{
		{`{"model":"gpt-4o","temperature":0.70,"messages":[{"role":"user","content":"hi"}],"stream":true}`, `{"model":"gpt-4o-2024-08-06","id":"x"}`},
		{`{"b":1,"a":{"y":2,"x":1},"tools":[{"type":"function"}],"functions":[],"input":"x","prompt":"p","instructions":"i"}`, `{"Model":"upper"}`},
		{`{"a":1,"a":2,"seed":1e3,"stop":"\u00e9\n"}`, `{"model":"a","model":"b"}`},
		{`{"user":` + long + `,"n":1}`, `{"model":"a","MODEL":null}`},
		{`{"a":1,"a":` + long + `}`, `{"model":5}`},
		{`{"\u0061":1}`, `{"mod\u0065l":"esc\"aped"}`},
		{`null`, `null`},
		{`[1,2]`, `"model"`},
		{`{"a":1`, `{"model":"x"`},
		{`{}`, `{"model":"x"} junk`},
		{``, ``},
	}
	r := newFactReader()
	for round := 0; round < 2; round++ { // the second from the compact memo
		for _, b := range bodies {
			f := r.facts([]byte("h"), []byte(b[0]), []byte(b[1]))
			model, params := referenceFacts([]byte(b[0]), []byte(b[1]))
			if f.respModel != model {
				t.Errorf("response %s: model %q, want %q", b[1], f.respModel, model)
			}
			if len(f.params) != 0 || len(params) != 0 {
				if !reflect.DeepEqual(f.params, params) {
					t.Errorf("request %s: params %q, want %q", b[0], f.params, params)
				}
			}
		}
	}
}

// TestModelFactsMatchFullDecode compares the facts of every call of the
// fixture run with what encoding/json reads of its bodies.
func TestModelFactsMatchFullDecode(t *testing.T) {
	snap := mustLoad(t, smallRun(t))
	b, err := snap.loadBodies()
	if err != nil {
		t.Fatal(err)
	}
	for i := range snap.Calls {
		c, err := snap.Call(i)
		if err != nil {
			t.Fatal(err)
		}
		model, params := referenceFacts(c.Request, c.Response)
		f := b.facts[i]
		if f.respModel != model || !reflect.DeepEqual(f.params, params) {
			t.Fatalf("call %d: %q %q, want %q %q", i, f.respModel, f.params, model, params)
		}
	}
}
