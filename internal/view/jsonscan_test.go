package view

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzUnescape holds jscan's string reading to encoding/json: for every
// string encoding/json accepts, str finds the same end and unescape the
// same text.
func FuzzUnescape(f *testing.F) {
	for _, s := range []string{``, `plain`, `a\"b`, `\\`, `\\\"`, `\/\b\f\n\r\t`, `\u00e9\u2028`, `\ud83d\ude00`,
		`\ud83d`, `\ud83dx`, `\ude00\ud83d`, `\ud83d\u0041`, `\u0000`, `é😀`, strings.Repeat(`ab\"`, 40), strings.Repeat("x", 100) + `\n`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if !utf8.ValidString(raw) {
			return // encoding/json replaces bad bytes; the index keeps them
		}
		var want string
		if json.Unmarshal([]byte(`"`+raw+`"`), &want) != nil {
			return
		}
		s := jscan{b: []byte(`"` + raw + `" `)}
		got, esc := s.str()
		if s.err != nil || string(got) != raw || s.i != len(raw)+2 {
			t.Fatalf("str(%q) = %q, end %d, err %v", raw, got, s.i, s.err)
		}
		if esc != strings.Contains(raw, `\`) {
			t.Fatalf("str(%q) says escaped %v", raw, esc)
		}
		dec, err := unescape(nil, got)
		if err != nil || string(dec) != want {
			t.Fatalf("unescape(%q) = %q, %v; encoding/json %q", raw, dec, err, want)
		}
	})
}

// TestSkipReturnsValuesAsWritten steps over values of every kind and
// checks the cursor lands after each, as encoding/json's RawMessage would
// cut them.
func TestSkipReturnsValuesAsWritten(t *testing.T) {
	doc := `{"a": [1, {"b": "x]}\"y"}, [], null], "c" : -1.5e3 , "d":true,"e":{"f":"}"},"g":"\\"}`
	var want map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &want); err != nil {
		t.Fatal(err)
	}
	s := jscan{b: []byte(doc)}
	got := map[string]string{}
	s.object(func(key []byte) { got[string(key)] = string(s.skip()) })
	s.end()
	if s.err != nil || len(got) != len(want) {
		t.Fatalf("skip: %v, %d values, want %d", s.err, len(got), len(want))
	}
	for k, v := range want {
		if got[k] != string(v) {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
	for _, bad := range []string{`{"a":}`, `{"a" 1}`, `{"a":1,}`, `{"a":[1}`, `{"a":"x}`, `{"a":01}`, `{"a":tru}`, `{"a":1} x`, `[1]`, `{"a":1 "b":2}`} {
		s := jscan{b: []byte(bad)}
		s.object(func([]byte) { s.skip() })
		s.end()
		if s.err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestParseNumberIsJSON(t *testing.T) {
	for _, c := range []struct {
		in string
		ok bool
		v  float64
	}{{"0", true, 0}, {"-7", true, -7}, {"123456789012345", true, 123456789012345}, {"1.5", true, 1.5}, {"-2e3", true, -2000},
		{"12345678901234567890", true, 12345678901234567890}, {"01", false, 0}, {"+1", false, 0}, {".5", false, 0}, {"1.", false, 0},
		{"0x10", false, 0}, {"Inf", false, 0}, {"1_0", false, 0}, {"-", false, 0}, {"", false, 0}, {"1e400", false, 0}} {
		v, ok := parseNumber([]byte(c.in))
		if ok != c.ok || (ok && v != c.v) {
			t.Errorf("parseNumber(%q) = %v, %v; want %v, %v", c.in, v, ok, c.v, c.ok)
		}
	}
}

func TestIndexByteMatchesBytes(t *testing.T) {
	for n := 0; n < 200; n++ {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('a' + i%7)
		}
		for _, at := range []int{-1, 0, 1, 7, 8, 9, 63, 64, 65, 100, 199} {
			c := append([]byte(nil), b...)
			if at >= 0 && at < n {
				c[at] = '"'
				if at+3 < n {
					c[at+3] = '"'
				}
			}
			if got, want := indexByte(c, '"'), bytes.IndexByte(c, '"'); got != want {
				t.Fatalf("n=%d at=%d: %d, want %d", n, at, got, want)
			}
			// Bytes just above and below the one sought do not match.
			d := append([]byte(nil), c...)
			for i := range d {
				if d[i] != '"' {
					d[i] = '"' + 1 - byte(i%3)
				}
			}
			if got, want := indexByte(d, '"'+1), bytes.IndexByte(d, '"'+1); got != want {
				t.Fatalf("n=%d at=%d (neighbours): %d, want %d", n, at, got, want)
			}
		}
	}
}
