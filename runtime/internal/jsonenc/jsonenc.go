// Package jsonenc appends JSON strings and numbers to a byte slice with the
// bytes encoding/json writes for them, without reflection or an
// intermediate buffer. The runtime encodes large request and response
// bodies on every logged call, and both wandb (table files, whose names
// carry the sha256 of their bytes) and wbopenai (the trace) need exactly
// encoding/json's bytes, so the one encoder lives here and is fuzzed
// against encoding/json once.
package jsonenc

import (
	"encoding/json"
	"math"
	"math/bits"
	"strconv"
	"unicode/utf8"
)

// AppendFloat appends f as json.Marshal writes a float64: like ES6, 'f'
// notation except for very small or large magnitudes, where the exponent
// loses its leading zero (1e-07 becomes 1e-7). f must be finite: JSON has
// no NaN or infinity, and json.Marshal refuses them, so callers check.
func AppendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// AppendString appends s as a quoted JSON string exactly as json.Marshal
// writes it: with <, > and & escaped as \u003c, \u003e and \u0026, for
// values whose bytes must not change (a table's file name is its hash).
func AppendString[S []byte | string](dst []byte, s S) []byte {
	dst = append(dst, '"')
	dst = appendEscaped(dst, s, true)
	return append(dst, '"')
}

// AppendEscaped appends s as the inside of a JSON string (no quotes),
// escaped as encoding/json escapes strings with SetEscapeHTML(false):
// W&B's own json.dumps leaves <, > and & alone, and not escaping them
// keeps a body that is mostly HTML or code close to its own size.
// Writing only the inside lets a caller splice several pieces into one
// string.
func AppendEscaped[S []byte | string](dst []byte, s S) []byte {
	return appendEscaped(dst, s, false)
}

const hexDigits = "0123456789abcdef"

// shortEscapes records whether this toolchain's encoding/json writes \b
// and \f as such (Go 1.22 and later) or as \u0008 and \u000c (earlier):
// the runtime builds with Go 1.18 and up, and its bytes must match the
// encoding/json of whichever toolchain compiled the program.
var shortEscapes = func() bool {
	b, err := json.Marshal("\b")
	return err == nil && string(b) == `"\b"`
}()

// plainSafe and htmlSafe mark the ASCII bytes a JSON string holds
// unescaped: all but quote, backslash and control characters, and for
// htmlSafe also not <, > and &, which json.Marshal escapes.
var plainSafe, htmlSafe = func() (p, h [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		p[c] = c != '"' && c != '\\'
		h[c] = p[c] && c != '<' && c != '>' && c != '&'
	}
	return p, h
}()

// appendEscaped escapes quote, backslash and control characters, U+2028
// and U+2029 (which JavaScript reads as line ends), invalid UTF-8 as
// U+FFFD, and with html also <, > and &. Bodies are long runs of plain
// ASCII, so it passes eight bytes at a time while none needs a look, then
// goes straight to the bytes of the word that may (stopMask), and copies
// runs of bytes that need nothing whole.
func appendEscaped[S []byte | string](dst []byte, s S, html bool) []byte {
	safe := &plainSafe
	if html {
		safe = &htmlSafe
	}
	start := 0
	i := 0
	for i < len(s) {
		// Whole words while none needs a look.
		var m uint64
		if html {
			for i+8 <= len(s) {
				w := Load64(s, i)
				if m = stopMask(w) | htmlMask(w); m != 0 {
					break
				}
				i += 8
			}
		} else {
			for i+8 <= len(s) {
				if m = stopMask(Load64(s, i)); m != 0 {
					break
				}
				i += 8
			}
		}
		next := i + 8
		if m == 0 {
			// The last few bytes, one at a time.
			if i >= len(s) {
				break
			}
			if c := s[i]; c < utf8.RuneSelf && safe[c] {
				i++
				continue
			}
			m, next = 0x80, i+1
		}
		// Each byte of the word the mask marks, in order.
		word := i
		for m != 0 {
			i = word + bits.TrailingZeros64(m)>>3
			m &= m - 1
			c := s[i]
			if c < utf8.RuneSelf {
				if safe[c] {
					continue // marked by a borrow (see stopMask)
				}
				dst = append(dst, s[start:i]...)
				switch {
				case c == '"' || c == '\\':
					dst = append(dst, '\\', c)
				case c == '\n':
					dst = append(dst, '\\', 'n')
				case c == '\r':
					dst = append(dst, '\\', 'r')
				case c == '\t':
					dst = append(dst, '\\', 't')
				case c == '\b' && shortEscapes:
					dst = append(dst, '\\', 'b')
				case c == '\f' && shortEscapes:
					dst = append(dst, '\\', 'f')
				default:
					// Other control bytes, and with html <, > and &.
					dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
				}
				i++
				start = i
				continue
			}
			// Text that is not ASCII (CJK, emoji) comes in runs: decode
			// the run here, then look at words again from where it ends.
			for i < len(s) && s[i] >= utf8.RuneSelf {
				switch size := runeSize(s, i); {
				case size == 0:
					dst = append(dst, s[start:i]...)
					dst = append(dst, `\ufffd`...)
					i++
					start = i
				case size == 3 && s[i] == 0xE2 && s[i+1] == 0x80 && s[i+2]&^1 == 0xA8:
					// U+2028 or U+2029.
					dst = append(dst, s[start:i]...)
					dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[s[i+2]&1+8])
					i += 3
					start = i
				default:
					i += size
				}
			}
			next = i
			break
		}
		if i < next {
			i = next
		}
	}
	return append(dst, s[start:]...)
}

// runeSize returns the length of the UTF-8 sequence at s[i], a byte that
// is not ASCII, or 0 when the sequence is not valid UTF-8 (overlong, a
// surrogate, past U+10FFFF, or cut short): the cases utf8.DecodeRune
// reports as RuneError of size 1, which encoding/json replaces one byte at
// a time with U+FFFD. Written out rather than calling utf8.DecodeRune,
// which takes only []byte: copying each rune of a string into an array
// for it made text that is mostly not ASCII over twice as slow.
func runeSize[S []byte | string](s S, i int) int {
	c, n := s[i], len(s)-i
	switch {
	case c < 0xC2: // a continuation byte, or the lead of an overlong pair
		return 0
	case c < 0xE0:
		if n < 2 || s[i+1]&0xC0 != 0x80 {
			return 0
		}
		return 2
	case c < 0xF0:
		lo, hi := byte(0x80), byte(0xBF)
		if c == 0xE0 {
			lo = 0xA0 // shorter forms are overlong
		} else if c == 0xED {
			hi = 0x9F // U+D800 to U+DFFF are surrogates
		}
		if n < 3 || s[i+1] < lo || s[i+1] > hi || s[i+2]&0xC0 != 0x80 {
			return 0
		}
		return 3
	case c < 0xF5:
		lo, hi := byte(0x80), byte(0xBF)
		if c == 0xF0 {
			lo = 0x90 // shorter forms are overlong
		} else if c == 0xF4 {
			hi = 0x8F // past U+10FFFF
		}
		if n < 4 || s[i+1] < lo || s[i+1] > hi || s[i+2]&0xC0 != 0x80 || s[i+3]&0xC0 != 0x80 {
			return 0
		}
		return 4
	}
	return 0
}

const (
	loBits = 0x0101010101010101
	// HighBits is the high bit of each byte of a word: a word w holds a
	// byte outside ASCII when w&HighBits != 0.
	HighBits = 0x8080808080808080
)

// Load64 reads the 8 bytes at s[i:] as one word (the compiler merges the
// loads), s[i] in the low byte. The JSON scanner of wbopenai reads strings
// a word at a time with it too.
func Load64[S []byte | string](s S, i int) uint64 {
	t := s[i : i+8] // one bounds check for the eight loads
	return uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
		uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
}

// stopMask marks, in the high bit of its byte, each byte of w that a JSON
// string does not hold as it is (a quote, a backslash, a control
// character) or that starts a rune outside ASCII. (x-lo)&^x&hi is
// non-zero exactly when a byte of x is zero, and (x-lo*n)&^x&hi when a
// byte is below n <= 0x80. No byte that needs a look goes unmarked; the
// borrow out of a marked byte can also mark the one above it (", then #),
// which appendEscaped's table look-up then passes.
func stopMask(w uint64) uint64 {
	// SpecialMask's terms and w itself in one expression: written as
	// w&HighBits | SpecialMask(w), the escaper took 6% longer on prose
	// and 15% on CJK text (BenchmarkEscape).
	q := w ^ (loBits * '"')
	bs := w ^ (loBits * '\\')
	return (w | (w-loBits*0x20)&^w | (q-loBits)&^q | (bs-loBits)&^bs) & HighBits
}

// SpecialMask marks, as stopMask does, the bytes of w that a JSON string
// does not hold as they are: a quote, a backslash, a control character.
// A marked byte's borrow can mark the byte above it too, so a zero mask
// is exact and a non-zero one calls for a look at the bytes.
func SpecialMask(w uint64) uint64 {
	q := w ^ (loBits * '"')
	bs := w ^ (loBits * '\\')
	return ((w-loBits*0x20)&^w | (q-loBits)&^q | (bs-loBits)&^bs) & HighBits
}

// htmlMask marks <, > and &, which json.Marshal escapes, as stopMask
// marks its bytes.
func htmlMask(w uint64) uint64 {
	lt := w ^ (loBits * '<')
	gt := w ^ (loBits * '>')
	amp := w ^ (loBits * '&')
	return ((lt-loBits)&^lt | (gt-loBits)&^gt | (amp-loBits)&^amp) & HighBits
}
