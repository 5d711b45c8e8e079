package wandb

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"
)

// marshalTable is what Table encoded before appendTableJSON: the bytes a
// table's sha256 and file name were computed from.
func marshalTable(columns []string, data [][]interface{}) ([]byte, error) {
	if columns == nil {
		columns = []string{}
	}
	if data == nil {
		data = [][]interface{}{}
	}
	return json.Marshal(struct {
		Columns []string        `json:"columns"`
		Data    [][]interface{} `json:"data"`
	}{columns, data})
}

// checkTableJSON fails unless appendTableJSON agrees with json.Marshal:
// the same bytes, or both an error.
func checkTableJSON(t *testing.T, columns []string, data [][]interface{}) {
	t.Helper()
	want, werr := marshalTable(columns, data)
	prefix := []byte("prefix")
	got, gerr := appendTableJSON(append([]byte(nil), prefix...), columns, data)
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("columns %q data %#v: error %v, json.Marshal error %v", columns, data, gerr, werr)
	}
	if werr != nil {
		return
	}
	if !bytes.HasPrefix(got, prefix) {
		t.Fatalf("appendTableJSON overwrote what it appends to: %q", got)
	}
	if got = got[len(prefix):]; !bytes.Equal(got, want) {
		t.Fatalf("columns %q data %#v:\n got  %s\n want %s", columns, data, got, want)
	}
}

// tricky strings: every escape json.Marshal makes, and the UTF-8 cases.
var trickyStrings = []string{
	"", "plain", `"quoted" \back\slash/`, "<script>&amp;</script>", "tab\tnl\ncr\r",
	"\b\f\x00\x01\x1f\x7f", "\u2028\u2029 line separators", "é漢字🙂", "\xff\xfe invalid",
	"trunc\xe2\x80", "\xe2\x80\xa8", "\xed\xa0\x80 surrogate", "mixed <\u2028> \xc3 \\u0041",
	strings.Repeat("long ascii body ", 200),
}

func TestTableJSONMatchesMarshal(t *testing.T) {
	cells := []interface{}{
		nil, true, false, 0, 1, -7, math.MaxInt64, int64(math.MinInt64), int64(42),
		0.0, math.Copysign(0, -1), 1.5, -2.25, 0.734512, 1e-6, 9.99e-7, 1e-7, 1.2345e-300,
		1e20, 1e21, 123456789012345678901234.0, -1e21, math.MaxFloat64, math.SmallestNonzeroFloat64,
		1709296245.123456, 0.1 + 0.2, float64(1 << 53),
		json.RawMessage(`{"a":1}`), json.RawMessage(` { "a" : [1, 2 ,"x y"] } `),
		json.RawMessage(`"<b>&\u2028"`), json.RawMessage("\"\u2028\u2029\""), json.RawMessage(`"é"`),
		json.RawMessage(nil), json.RawMessage("null"), json.RawMessage("\n\t3\r\n"),
		// Not handled by the fast path: fall back to json.Marshal.
		float32(1.1), int32(-3), uint64(math.MaxUint64), []int{1, 2}, map[string]interface{}{"z": "<", "a": []string{"x"}},
		struct{ A string }{"&"}, []byte("bytes"), json.Number("12.5"),
	}
	for _, s := range trickyStrings {
		cells = append(cells, s)
	}
	for _, c := range cells {
		checkTableJSON(t, []string{"c"}, [][]interface{}{{c}})
	}
	checkTableJSON(t, trickyStrings, [][]interface{}{cells, nil, {}, cells})
	checkTableJSON(t, nil, nil)
	checkTableJSON(t, []string{}, [][]interface{}{})
	checkTableJSON(t, []string{"a"}, [][]interface{}{nil})
	// Values json.Marshal refuses are refused, not written.
	for _, bad := range []interface{}{math.NaN(), math.Inf(1), math.Inf(-1), json.RawMessage(`{bad`), json.RawMessage{}, json.RawMessage(`1 2`), make(chan int)} {
		if _, err := appendTableJSON(nil, []string{"c"}, [][]interface{}{{bad}}); err == nil {
			t.Errorf("cell %#v encoded without error", bad)
		}
	}
}

// RawJSON cells are the caller's bytes, unchanged: no compaction and no
// HTML escaping, unlike json.RawMessage.
func TestTableJSONRawVerbatim(t *testing.T) {
	got, err := appendTableJSON(nil, []string{"r", "e", "m"}, [][]interface{}{{RawJSON(`{"a": "<&>"}`), RawJSON(nil), json.RawMessage(`{"a": "<&>"}`)}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"columns":["r","e","m"],"data":[[{"a": "<&>"},null,{"a":"\u003c\u0026\u003e"}]]}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestTableJSONRandomStrings compares string cells over random bytes,
// runes and escapes, which a fixed list might miss.
func TestTableJSONRandomStrings(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alphabet := []string{"a", "Z", " ", "\"", "\\", "<", ">", "&", "\n", "\x00", "\x1f", "\x7f", "é", "\u2028", "\u2029", "🙂", "\xff", "\xe2", "\x80", "\xa8", "\xc3"}
	for i := 0; i < 5000; i++ {
		var sb strings.Builder
		for n := rng.Intn(12); n > 0; n-- {
			sb.WriteString(alphabet[rng.Intn(len(alphabet))])
		}
		checkTableJSON(t, []string{sb.String()}, [][]interface{}{{sb.String(), rng.NormFloat64() * math.Pow(10, float64(rng.Intn(60)-30))}})
	}
}

// FuzzTableJSON: go test -fuzz FuzzTableJSON ./wandb
func FuzzTableJSON(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s, 1.5, int64(3), []byte(`{"a":[1, "<"]}`))
	}
	f.Fuzz(func(t *testing.T, s string, x float64, n int64, raw []byte) {
		row := []interface{}{s, int(n), n, n%2 == 0, nil}
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			row = append(row, x)
		}
		if json.Valid(raw) {
			row = append(row, json.RawMessage(raw))
		}
		checkTableJSON(t, []string{s}, [][]interface{}{row})
		if utf8.ValidString(s) {
			checkTableJSON(t, nil, [][]interface{}{{s + s}})
		}
	})
}
