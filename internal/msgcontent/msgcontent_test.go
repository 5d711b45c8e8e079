package msgcontent

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestDecode(t *testing.T) {
	for _, c := range []struct {
		raw   string
		text  string
		parts []Part
		ok    bool
	}{
		{"", "", nil, true},
		{"null", "", nil, true},
		{`"hi"`, "hi", nil, true},
		{`[]`, "", []Part{}, true},
		{`[{"type":"text","text":"a"},{"type":"image_url","image_url":{"url":"u"}}]`, "",
			[]Part{{"text", "a"}, {"image_url", ""}}, true},
		{`{"type":"text"}`, "", nil, false},
		{`[1]`, "", nil, false},
	} {
		text, parts, ok := Decode[Part](json.RawMessage(c.raw))
		if text != c.text || !reflect.DeepEqual(parts, c.parts) || ok != c.ok {
			t.Errorf("Decode(%s) = %q, %#v, %v; want %q, %#v, %v", c.raw, text, parts, ok, c.text, c.parts, c.ok)
		}
	}
}
