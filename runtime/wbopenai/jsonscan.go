package wbopenai

import (
	"bytes"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/wbinstrument/wbinstrument/runtime/internal/jsonenc"
)

// The logging goroutine reads a few fields (model, usage, finish reasons,
// tool calls, errors) from bodies that are mostly long strings. With
// json.Unmarshal that costs a validity pass over the whole body and then
// a reflective decode of it; jcur does both in one pass, skipping the
// strings it does not need with a tight loop.
//
// BenchmarkDecodeResponse keeps the evidence: a chat response with a 2 KiB
// answer decodes in about 3 µs and 15 allocations this way, against about
// 16 µs and 28 with encoding/json (2 cores, go1.26).
//
// One scanner, three uses. jcur decodes response bodies and stream
// chunks here and in parse.go and streamparse.go; genai_fast.go reads a
// chat call's span fields and messages with the same cursor; topLevel
// (below) walks only the top level of a request body on the caller's
// path, to splice stream_options in without decoding, following its
// structure only (skim), which is cheaper and which the server checks
// anyway. Its twin outside this module is internal/view/jsonscan.go, the
// viewer's lenient reader of whole run rows, which needs none of jcur's
// agreement with encoding/json. The two stay apart: the root module
// cannot reach jcur (unexported), and this module, which every
// instrumented program compiles, imports nothing of the root module's.
//
// jcur is deliberately partial: it gives up (fail) on anything where its
// answer could differ from json.Unmarshal's into the same structs, such
// as invalid JSON (whose error text is logged), a field of the wrong type,
// a key written with escapes or in another case (which encoding/json
// matches case-insensitively), a duplicate key, or nesting deeper than
// encoding/json accepts. Callers then decode with encoding/json, so
// results are the same either way; fuzz tests check that.

// maxScanDepth is encoding/json's nesting limit: deeper input is an error
// there, so jcur leaves it to encoding/json.
const maxScanDepth = 10000

// jcur is a cursor over one JSON document.
type jcur struct {
	b     []byte
	i     int
	depth int
	fail  bool // invalid, or not decoded here: use encoding/json
}

// strPlain marks the bytes a JSON string holds as they are: not a quote,
// backslash or control character.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func (c *jcur) ws() {
	for c.i < len(c.b) {
		switch c.b[c.i] {
		case ' ', '\t', '\n', '\r':
			c.i++
		default:
			return
		}
	}
}

// end checks that only white space follows the document.
func (c *jcur) end() bool {
	c.ws()
	if c.i != len(c.b) {
		c.fail = true
	}
	return !c.fail
}

// peek is the next byte, or 0 at the end of the input.
func (c *jcur) peek() byte {
	if c.i < len(c.b) {
		return c.b[c.i]
	}
	return 0
}

// enter consumes the open bracket of a container, which the caller has
// peeked.
func (c *jcur) enter() {
	c.i++
	c.depth++
	if c.depth > maxScanDepth {
		c.fail = true
	}
}

// next moves to the next element of the container entered last (at its
// first element when first), and reports whether there is one; it
// consumes the closing bracket when there is not.
func (c *jcur) next(close byte, first bool) bool {
	if c.fail {
		return false
	}
	c.ws()
	if c.i >= len(c.b) {
		c.fail = true
		return false
	}
	switch c.b[c.i] {
	case close:
		c.i++
		c.depth--
		return false
	case ',':
		if !first {
			c.i++
			c.ws()
			return true
		}
	default:
		if first {
			return true
		}
	}
	c.fail = true
	return false
}

// str consumes a string and returns its raw contents (between the
// quotes), whether it has escapes and whether it has non-ASCII bytes.
func (c *jcur) str() (raw []byte, esc, high bool) {
	b := c.b
	start := c.i + 1
	i := start
	for {
		// Eight bytes at a time while none ends the string or needs a
		// look: prompts and answers are long runs of plain text.
		for i+8 <= len(b) {
			w := jsonenc.Load64(b, i)
			if jsonenc.SpecialMask(w) != 0 {
				break
			}
			if w&jsonenc.HighBits != 0 {
				high = true
			}
			i += 8
		}
		for i < len(b) && strPlain[b[i]] {
			if b[i] >= utf8.RuneSelf {
				high = true
			}
			i++
		}
		if i >= len(b) {
			c.fail = true
			return nil, false, false
		}
		switch b[i] {
		case '"':
			c.i = i + 1
			return b[start:i], esc, high
		case '\\':
			esc = true
			if i+1 >= len(b) {
				c.fail = true
				return nil, false, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if hex4(b[i+2:]) < 0 {
					c.fail = true
					return nil, false, false
				}
				i += 6
			default:
				c.fail = true
				return nil, false, false
			}
		default: // a control character
			c.fail = true
			return nil, false, false
		}
	}
}

// hex4 decodes the 4 hex digits of a \u escape, or returns -1.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// key consumes a member's key and its colon. It returns nil, with
// c.fail unset, for a key written with escapes or non-ASCII bytes: only
// encoding/json can tell which field such a key names.
func (c *jcur) key() []byte {
	if c.peek() != '"' {
		c.fail = true
		return nil
	}
	k, esc, high := c.str()
	c.ws()
	if c.peek() != ':' {
		c.fail = true
		return nil
	}
	c.i++
	c.ws()
	if esc || high {
		return nil
	}
	return k
}

// skip consumes any value, checking it as json.Valid does.
func (c *jcur) skip() {
	if c.fail {
		return
	}
	switch c.peek() {
	case '"':
		c.str()
	case '{':
		c.enter()
		for first := true; c.next('}', first); first = false {
			if c.peek() != '"' {
				c.fail = true
				return
			}
			c.str()
			c.ws()
			if c.peek() != ':' {
				c.fail = true
				return
			}
			c.i++
			c.ws()
			c.skip()
		}
	case '[':
		c.enter()
		for first := true; c.next(']', first); first = false {
			c.skip()
		}
	case 't':
		c.lit("true")
	case 'f':
		c.lit("false")
	case 'n':
		c.lit("null")
	default:
		c.number()
	}
}

func (c *jcur) lit(s string) {
	if len(c.b)-c.i < len(s) || string(c.b[c.i:c.i+len(s)]) != s {
		c.fail = true
		return
	}
	c.i += len(s)
}

// null consumes a null literal if one is next.
func (c *jcur) null() bool {
	if c.peek() != 'n' {
		return false
	}
	c.lit("null")
	return true
}

// number consumes a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
// It reports whether it was an integer (no fraction or exponent).
func (c *jcur) number() (integer bool) {
	b, i := c.b, c.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = digits(b, i)
	default:
		c.fail = true
		return false
	}
	integer = true
	if i < len(b) && b[i] == '.' {
		integer = false
		d := digits(b, i+1)
		if d == i+1 {
			c.fail = true
			return false
		}
		i = d
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		integer = false
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := digits(b, i)
		if d == i {
			c.fail = true
			return false
		}
		i = d
	}
	c.i = i
	return integer
}

// digits is the end of the run of decimal digits at b[i:].
func digits(b []byte, i int) int {
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	return i
}

// integer decodes a value into an int field as json.Unmarshal does: null
// leaves it as it is (set false); an integer sets it; anything else (a
// fraction, or an integer of more than 18 digits that might overflow) is
// left to encoding/json.
func (c *jcur) integer() (n int, set bool) {
	if c.null() {
		return 0, false
	}
	start := c.i
	if !c.number() {
		c.fail = true
		return 0, false
	}
	digits := c.b[start:c.i]
	neg := digits[0] == '-'
	if neg {
		digits = digits[1:]
	}
	if len(digits) > 18 || (strconvIntSize == 32 && len(digits) > 9) {
		c.fail = true
		return 0, false
	}
	for _, d := range digits {
		n = n*10 + int(d-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// intPtr decodes a value into an *int field: null leaves it nil.
func (c *jcur) intPtr() *int {
	n, set := c.integer()
	if !set {
		return nil
	}
	return &n
}

// strconvIntSize is the size of int in bits.
const strconvIntSize = 32 << (^uint(0) >> 63)

// string decodes a value into a string field: null leaves it as it is
// (empty here, where keys are never repeated); a string is unquoted as
// encoding/json does; anything else is left to encoding/json.
func (c *jcur) string() string {
	if c.null() {
		return ""
	}
	if c.peek() != '"' {
		c.fail = true
		return ""
	}
	raw, esc, high := c.str()
	if c.fail {
		return ""
	}
	return unquote(raw, esc, high)
}

// interned holds the strings that repeat from call to call (models,
// finish reasons), so decoding them costs no copy. It is bounded: a
// program that names many models only copies the rest.
var interned struct {
	mu sync.Mutex
	m  map[string]string
}

const maxInterned = 256

// interned is string for a value that is likely to repeat.
func (c *jcur) interned() string {
	if c.peek() != '"' {
		return c.string()
	}
	start := c.i
	raw, esc, high := c.str()
	if c.fail || esc || high {
		c.i = start
		c.fail = false
		return c.string()
	}
	interned.mu.Lock()
	s, ok := interned.m[string(raw)]
	if !ok {
		s = string(raw)
		if interned.m == nil {
			interned.m = make(map[string]string)
		}
		if len(interned.m) < maxInterned {
			interned.m[s] = s
		}
	}
	interned.mu.Unlock()
	return s
}

// model decodes a model name.
func (c *jcur) model() string { return c.interned() }

// finishReason decodes a finish reason.
func (c *jcur) finishReason() string { return c.interned() }

// strPtr decodes a value into a *string field: null leaves it nil.
func (c *jcur) strPtr() *string {
	if c.null() {
		return nil
	}
	s := c.string()
	return &s
}

// checkString checks that a value would decode into a string field,
// for fields only a type error matters of.
func (c *jcur) checkString() {
	if c.null() {
		return
	}
	if c.peek() != '"' {
		c.fail = true
		return
	}
	c.str()
}

// same is string for a value expected to repeat (a stream's id and
// model in every chunk): it returns prev without allocating when the
// value equals it.
func (c *jcur) same(prev string) string {
	if c.peek() == '"' {
		start := c.i
		raw, esc, _ := c.str()
		if !c.fail && !esc && string(raw) == prev {
			return prev
		}
		c.i = start
	}
	return c.string()
}

// raw consumes any value and returns its bytes, as a json.RawMessage
// field gets them.
func (c *jcur) raw() []byte {
	start := c.i
	c.skip()
	if c.fail {
		return nil
	}
	return c.b[start:c.i]
}

// topLevel walks the top level of the object that is the whole
// document without decoding it, for withIncludeUsage on the caller's
// path. It returns the offset of the object's closing brace, whether the
// object has no members, and whether one of its top-level keys is key.
// It sets c.fail when the document is not an object, its structure is
// broken, or a top-level key is written with escapes (which only a
// decoder can compare reliably); callers then take the decoding path.
//
// Unlike the rest of jcur it follows only the structure (strings,
// nesting, commas and colons), through skim: it does not check literals,
// numbers or escapes, which the server checks anyway, so it costs the
// caller little; a body it accepts is changed only at the closing brace.
func (c *jcur) topLevel(key string) (end int, empty, has bool) {
	c.ws()
	if c.peek() != '{' {
		c.fail = true
		return 0, false, false
	}
	c.enter()
	first := true
	for ; c.next('}', first); first = false {
		// A member: "key" : value
		if c.peek() != '"' {
			c.fail = true
			return 0, false, false
		}
		k, esc := c.skimString()
		if c.fail || esc {
			c.fail = true
			return 0, false, false
		}
		if string(k) == key {
			has = true
		}
		c.ws()
		if c.peek() != ':' {
			c.fail = true
			return 0, false, false
		}
		c.i++
		c.ws()
		c.skim()
	}
	if c.fail {
		return 0, false, false
	}
	end = c.i - 1
	c.end()
	return end, first, has
}

// skimString consumes a string for topLevel, up to its closing quote, and
// returns its raw contents and whether it has escapes; it checks neither.
// Prompts are long strings: the closing quote is found with IndexByte,
// byte by byte only past a backslash.
func (c *jcur) skimString() (raw []byte, esc bool) {
	b := c.b
	start := c.i + 1
	for i := start; i < len(b); {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			break
		}
		bs := bytes.IndexByte(b[i:i+q], '\\')
		if bs < 0 {
			c.i = i + q + 1
			return b[start : i+q], esc
		}
		// The escaped byte cannot end the string.
		esc = true
		i += bs + 2
	}
	c.fail = true
	return nil, false
}

// skim consumes any value for topLevel following only its brackets and
// strings (without recursion, so without a depth limit); a number or
// literal runs up to the next delimiter, unchecked.
func (c *jcur) skim() {
	b, i := c.b, c.i
	if i >= len(b) {
		c.fail = true
		return
	}
	switch b[i] {
	case '"':
		c.skimString()
		return
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				c.i = i
				if c.skimString(); c.fail {
					return
				}
				i = c.i
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					c.i = i + 1
					return
				}
			}
			i++
		}
		c.fail = true
		return
	}
	for start := i; i < len(b); i++ {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			if i == start {
				c.fail = true
			}
			c.i = i
			return
		}
	}
	c.i = i
}

// unquote decodes the contents of a valid JSON string as encoding/json
// does: escapes resolved, surrogate pairs joined, lone surrogates and
// invalid UTF-8 bytes replaced by U+FFFD.
func unquote(s []byte, esc, high bool) string {
	if !esc && (!high || utf8.Valid(s)) {
		return string(s)
	}
	b := make([]byte, 0, len(s)+utf8.UTFMax)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			switch s[i+1] {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := hex4(s[i+2:])
				i += 6
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
						r2 = hex4(s[i+2:])
					}
					if d := utf16.DecodeRune(r, r2); d != unicode.ReplacementChar {
						r = d
						i += 6
					} else {
						r = unicode.ReplacementChar
					}
				}
				b = utf8.AppendRune(b, r)
				continue
			default: // " \ /
				b = append(b, s[i+1])
			}
			i += 2
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			b = utf8.AppendRune(b, r)
			i += size
		}
	}
	return string(b)
}

// object walks the members of the object next in the input: member gets
// the keys in names, by index, to decode their value; other keys are
// skipped. Keys are matched exactly; a key that matches a name only
// case-insensitively, a repeated name, or a key with escapes make it
// fail, as json.Unmarshal's results for them are not this one's.
func (c *jcur) object(names []string, member func(field int)) {
	if c.peek() != '{' {
		c.fail = true
		return
	}
	c.enter()
	var seen uint32
	for first := true; c.next('}', first); first = false {
		k := c.key()
		if c.fail || k == nil {
			c.fail = true
			return
		}
		f := -1
		for j, n := range names {
			if string(k) == n {
				f = j
				break
			}
		}
		if f < 0 {
			if foldsTo(k, names) {
				c.fail = true
				return
			}
			c.skip()
			continue
		}
		if seen&(1<<uint(f)) != 0 {
			c.fail = true
			return
		}
		seen |= 1 << uint(f)
		member(f)
	}
}

// newObject decodes an object into a *T field as json.Unmarshal does:
// null leaves it nil, anything else is decoded by one into a new T.
func newObject[T any](c *jcur, one func(v *T)) *T {
	if c.null() {
		return nil
	}
	v := new(T)
	one(v)
	return v
}

// objects decodes an array of objects into a slice as json.Unmarshal
// does: null gives nil, [] an empty slice, a null element a zero one.
func objects[T any](c *jcur, one func(v *T)) []T { return objectsInto(c, nil, one) }

// objectsInto is objects decoding into dst's array, reused: the result
// aliases it.
func objectsInto[T any](c *jcur, dst []T, one func(v *T)) []T {
	s := dst[:0]
	if s == nil {
		s = []T{}
	}
	if !c.array(func() {
		var zero T
		s = append(s, zero)
		if !c.null() {
			one(&s[len(s)-1])
		}
	}) {
		return nil
	}
	return s
}

// array walks the array next in the input, calling elem at each of its
// elements to consume it, and reports whether there was an array: null
// is none, anything else makes c fail.
func (c *jcur) array(elem func()) bool {
	if c.null() {
		return false
	}
	if c.peek() != '[' {
		c.fail = true
		return false
	}
	c.enter()
	for first := true; c.next(']', first); first = false {
		elem()
	}
	return true
}

// foldsTo reports whether k matches one of names only case-insensitively
// (exact matches are the caller's): encoding/json would decode it into
// that field, so the caller leaves the document to encoding/json.
func foldsTo(k []byte, names []string) bool {
	for _, n := range names {
		if len(n) == len(k) && asciiEqualFold(k, n) {
			return true
		}
	}
	return false
}

func asciiEqualFold(a []byte, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
