package view

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// jscan is a minimal JSON reader for the load path. encoding/json checks
// and copies every byte of a row, and most of a row is request and
// response bodies the index never looks at; jscan reads the few values the
// index needs where they are and steps over the rest with bytes.IndexByte.
// Values it steps over are only checked for balanced brackets and closed
// strings; the full decoder (calls.FromRow) checks them when a call is
// opened. It is lenient on purpose. Its twin in the runtime, jcur
// (runtime/wbopenai/jsonscan.go), decodes response bodies and must agree
// with encoding/json to the byte, so it gives up where this one reads
// on. The two cannot be one: this package is in the root module, which
// cannot reach jcur (unexported, in the runtime module), and the runtime
// module, which every instrumented program compiles, imports nothing of
// the root module's.
type jscan struct {
	b   []byte
	i   int
	err error
}

func (s *jscan) fail(format string, args ...interface{}) {
	if s.err == nil {
		s.err = fmt.Errorf("offset %d: %s", s.i, fmt.Sprintf(format, args...))
	}
	s.i = len(s.b)
}

func (s *jscan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the first byte of the next value, 0 at the end.
func (s *jscan) peek() byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

// end checks that nothing but space follows the value read last.
func (s *jscan) end() {
	s.ws()
	if s.err == nil && s.i < len(s.b) {
		s.fail("invalid character %q after the top-level value", s.b[s.i])
	}
}

// object calls fn for each key of the object at the cursor, with the
// cursor on the key's value; fn must read or skip that value. A null is
// an empty object. It fails on anything else.
func (s *jscan) object(fn func(key []byte)) {
	var keyBuf []byte
	switch s.peek() {
	case 'n':
		s.null()
		return
	case '{':
		s.i++
	default:
		s.fail("want an object, found %s", s.what())
		return
	}
	if s.peek() == '}' {
		s.i++
		return
	}
	for s.err == nil {
		raw, esc := s.str()
		if s.err != nil {
			return
		}
		key := raw
		if esc {
			var err error
			if keyBuf, err = unescape(keyBuf[:0], raw); err != nil {
				s.fail("object key: %v", err)
				return
			}
			key = keyBuf
		}
		if s.peek() != ':' {
			s.fail("want ':' after object key")
			return
		}
		s.i++
		fn(key)
		if s.err != nil {
			return
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return
		default:
			s.fail("want ',' or '}' in object")
		}
	}
}

// what names the value at the cursor for error messages.
func (s *jscan) what() string {
	switch c := s.peek(); {
	case c == 0:
		return "the end of input"
	case c == '"':
		return "a string"
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == 't' || c == 'f':
		return "a bool"
	case c == 'n':
		return "null"
	default:
		return "a number"
	}
}

// str reads the string at the cursor and returns its contents between the
// quotes, escapes not undone, and whether it has any.
func (s *jscan) str() (raw []byte, escaped bool) {
	if s.peek() != '"' {
		s.fail("want a string, found %s", s.what())
		return nil, false
	}
	start := s.i + 1
	j := start
	for {
		k := indexByte(s.b[j:], '"')
		if k < 0 {
			s.fail("unterminated string")
			return nil, false
		}
		j += k
		n := 0
		for p := j - 1; p >= start && s.b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			break
		}
		escaped = true
		j++
	}
	raw = s.b[start:j]
	s.i = j + 1
	if !escaped {
		escaped = indexByte(raw, '\\') >= 0
	}
	return raw, escaped
}

// indexByte is bytes.IndexByte for text where c is usually near, as in
// escaped JSON (a quote or backslash every few bytes): a plain loop over
// the first bytes costs less than the call and its setup.
func indexByte(b []byte, c byte) int {
	const near = 32
	n := len(b)
	if n > near {
		n = near
	}
	for i, x := range b[:n] {
		if x == c {
			return i
		}
	}
	if len(b) <= near {
		return -1
	}
	if k := bytes.IndexByte(b[near:], c); k >= 0 {
		return near + k
	}
	return -1
}

// text reads a string (unescaped into buf, which it returns for reuse)
// or a null (""), and fails on other values, as decoding into a Go string
// does.
func (s *jscan) text(buf []byte) (string, []byte) {
	if s.peek() == 'n' {
		s.null()
		return "", buf
	}
	raw, esc := s.str()
	if s.err != nil || !esc {
		return string(raw), buf
	}
	var err error
	buf, err = unescape(buf[:0], raw)
	if err != nil {
		s.fail("%v", err)
		return "", buf
	}
	return string(buf), buf
}

// number reads a number or a null (0), and fails on other values, as
// decoding into a float64 does.
func (s *jscan) number() float64 {
	c := s.peek()
	if c == 'n' {
		s.null()
		return 0
	}
	if c != '-' && (c < '0' || c > '9') {
		s.fail("want a number, found %s", s.what())
		return 0
	}
	f, ok := parseNumber(s.literal())
	if !ok {
		s.fail("bad number")
	}
	return f
}

func (s *jscan) null() {
	if lit := s.literal(); string(lit) != "null" {
		s.fail("invalid literal %q", lit)
	}
}

// literal reads a number, true, false or null as written.
func (s *jscan) literal() []byte {
	s.ws()
	start := s.i
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r', ':':
			return s.b[start:s.i]
		}
		s.i++
	}
	return s.b[start:s.i]
}

// skip steps over the value at the cursor and returns it as written.
func (s *jscan) skip() []byte {
	s.ws()
	start := s.i
	switch s.peek() {
	case 0:
		s.fail("unexpected end of input")
	case '"':
		s.str()
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				s.str()
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return s.b[start:s.i]
				}
			}
			s.i++
		}
		s.fail("unterminated object or array")
	default:
		lit := s.literal()
		switch string(lit) {
		case "true", "false", "null":
		default:
			if _, ok := parseNumber(lit); !ok {
				s.fail("invalid literal %q", lit)
			}
		}
	}
	if s.err != nil {
		return nil
	}
	return s.b[start:s.i]
}

// parseNumber parses a JSON number; integers, the usual case here, without
// the allocation of converting to a string for strconv.
func parseNumber(b []byte) (float64, bool) {
	if len(b) > 0 && len(b) < 16 {
		neg := b[0] == '-'
		d := b
		if neg {
			d = b[1:]
		}
		if len(d) > 0 && (d[0] != '0' || len(d) == 1) {
			var v int64
			ok := true
			for _, c := range d {
				if c < '0' || c > '9' {
					ok = false
					break
				}
				v = v*10 + int64(c-'0')
			}
			if ok {
				if neg {
					v = -v
				}
				return float64(v), true
			}
		}
	}
	f, err := strconv.ParseFloat(string(b), 64)
	return f, err == nil && validNumber(b)
}

// validNumber rejects what strconv accepts but JSON does not (hex, inf,
// underscores, a leading '+' or '.', leading zeros).
func validNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i >= len(b) {
		return false
	}
	if b[i] == '0' {
		i++
	} else {
		if b[i] < '1' || b[i] > '9' {
			return false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	return i == len(b)
}

var errEscape = errors.New("invalid escape in string")

// unescape appends the decoded contents of a JSON string (raw, between
// its quotes) to dst, as encoding/json decodes them: a lone or broken
// surrogate becomes U+FFFD.
func unescape(dst, raw []byte) ([]byte, error) {
	for len(raw) > 0 {
		k := indexByte(raw, '\\')
		if k < 0 {
			return append(dst, raw...), nil
		}
		dst = append(dst, raw[:k]...)
		raw = raw[k:]
		if len(raw) < 2 {
			return dst, errEscape
		}
		switch c := raw[1]; c {
		case '"', '\\', '/':
			dst = append(dst, c)
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, ok := hex4(raw[2:])
			if !ok {
				return dst, errEscape
			}
			raw = raw[6:]
			if utf16.IsSurrogate(r) {
				r2, ok := rune(-1), false
				if len(raw) >= 6 && raw[0] == '\\' && raw[1] == 'u' {
					r2, ok = hex4(raw[2:])
				}
				if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
					r = dec
					raw = raw[6:]
				} else {
					r = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default:
			return dst, errEscape
		}
		raw = raw[2:]
	}
	return dst, nil
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	return r, true
}
