package jsonenc

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/wbinstrument/wbinstrument/runtime/internal/casetest"
)

// tricky strings: every escape encoding/json makes, and the UTF-8 cases.
var trickyStrings = []string{
	"", "plain", `{"a":"q\"uo\\te"}`, "tab\tnl\nret\r\x00\x01\x1f\x7f", "<b>&amp;</b>",
	"é😀 \u2028\u2029", "bad \xff\xfe utf8 \xe2\x82", "\b\f", "\xe2\x80\xa8", "\xed\xa0\x80 surrogate",
	"mixed <\u2028> \xc3 \\u0041", strings.Repeat("long ascii body ", 200),
	strings.Repeat("é", 33) + "\xff" + strings.Repeat("<a>", 9),
}

// checkString fails unless AppendString and AppendEscaped, from a string
// and from []byte, append what encoding/json writes for s after what
// they append to.
func checkString(t *testing.T, s string) {
	t.Helper()
	const prefix = "prefix"
	check := func(name string, got []byte, want string) {
		t.Helper()
		if !bytes.HasPrefix(got, []byte(prefix)) {
			t.Fatalf("%s(%q) overwrote what it appends to: %q", name, s, got)
		}
		if got := string(got[len(prefix):]); got != want {
			t.Errorf("%s(%q) = %s, encoding/json writes %s", name, s, got, want)
		}
	}
	html, plain := casetest.JSONString(t, s, true), casetest.JSONString(t, s, false)
	check("AppendString", AppendString([]byte(prefix), s), html)
	check("AppendString([]byte)", AppendString([]byte(prefix), []byte(s)), html)
	check("AppendEscaped", append(AppendEscaped([]byte(prefix+`"`), s), '"'), plain)
	check("AppendEscaped([]byte)", append(AppendEscaped([]byte(prefix+`"`), []byte(s)), '"'), plain)
}

func TestStrings(t *testing.T) {
	for _, s := range trickyStrings {
		checkString(t, s)
	}
}

// TestSpecialBytesAtEveryOffset: the word-at-a-time loop sees each byte
// that matters at each place in a word, and at the end of the input, and
// leaves alone a byte only a borrow marks.
func TestSpecialBytesAtEveryOffset(t *testing.T) {
	for _, sp := range []string{`"`, `\`, "\n", "\x00", "\x1f", "\x7f", "\b", "é", "\xff", "\xe2\x80", "\u2028", "\u2029", "<", ">", "&", " ", "~",
		// A marked byte, then the byte its borrow marks too (see stopMask).
		`"#`, `\]`, "\x1f ", "\x00\x01", "<=", ">?", "&'", "\"\xff", "é\xe2\x80\xa8<",
	} {
		for n := 0; n < 20; n++ {
			checkString(t, strings.Repeat("a", n)+sp+strings.Repeat("b", 19-n))
			checkString(t, strings.Repeat("a", n)+sp)
		}
	}
}

// TestRandomStrings covers mixes of escapes, runes and invalid bytes that
// a fixed list might miss.
func TestRandomStrings(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alphabet := []string{"a", "Z", " ", "\"", "\\", "<", ">", "&", "\n", "\x00", "\x1f", "\x7f", "é", "\u2028", "\u2029", "🙂", "\xff", "\xe2", "\x80", "\xa8", "\xc3", "abcdefgh"}
	for i := 0; i < 5000; i++ {
		var sb strings.Builder
		for n := rng.Intn(24); n > 0; n-- {
			sb.WriteString(alphabet[rng.Intn(len(alphabet))])
		}
		checkString(t, sb.String())
	}
}

// checkFloat fails unless AppendFloat writes json.Marshal's bytes for f.
func checkFloat(t *testing.T, f float64) {
	t.Helper()
	want, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if got := AppendFloat([]byte("prefix"), f); string(got) != "prefix"+string(want) {
		t.Errorf("AppendFloat(%v) = %s, json.Marshal %s", f, got, want)
	}
}

func TestFloat(t *testing.T) {
	for _, f := range []float64{
		0, math.Copysign(0, -1), 1, -1, 1.5, -2.25, 0.734512, 1e-6, 9.99e-7, 1e-7, -1e-7, 1.2345e-300,
		1e20, 1e21, -1e21, 123456789012345678901234.0, 1e100, math.MaxFloat64, math.SmallestNonzeroFloat64,
		1709296245.123456, 0.1 + 0.2, float64(1 << 53),
	} {
		checkFloat(t, f)
	}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 5000; i++ {
		checkFloat(t, rng.NormFloat64()*math.Pow(10, float64(rng.Intn(80)-40)))
	}
}

// FuzzEscape: go test -fuzz FuzzEscape ./internal/jsonenc
func FuzzEscape(f *testing.F) {
	f.Add("<b>\"é\"</b>\n\u2028\xff")
	for _, s := range trickyStrings {
		f.Add(s)
	}
	f.Fuzz(checkString)
}

// FuzzFloat: go test -fuzz FuzzFloat ./internal/jsonenc
func FuzzFloat(f *testing.F) {
	f.Add(1.5)
	f.Add(1e-7)
	f.Add(1e21)
	f.Fuzz(func(t *testing.T, x float64) {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			checkFloat(t, x)
		}
	})
}

// BenchmarkEscape times both escapers over the kinds of text bodies hold:
// prose with few escapes, markup and code with many, and text outside
// ASCII. Compare runs before and after a change (benchstat).
func BenchmarkEscape(b *testing.B) {
	texts := []struct{ name, s string }{
		{"prose", strings.Repeat("Tables are rows and columns, and rows have cells.\n", 40)},
		{"markup", strings.Repeat("Tell me about <b>tables</b> & more. ", 55)},
		{"code", strings.Repeat(`{"role":"user","content":"fn(a, b) { return a < b && b > 0; }"},`, 30)},
		{"cjk", strings.Repeat("表格是行和列。", 100)},
	}
	for _, t := range texts {
		s := t.s
		var buf []byte
		b.Run(t.name+"/AppendEscaped", func(b *testing.B) {
			b.SetBytes(int64(len(s)))
			for i := 0; i < b.N; i++ {
				buf = AppendEscaped(buf[:0], s)
			}
		})
		b.Run(t.name+"/AppendString", func(b *testing.B) {
			b.SetBytes(int64(len(s)))
			for i := 0; i < b.N; i++ {
				buf = AppendString(buf[:0], s)
			}
		})
	}
}
