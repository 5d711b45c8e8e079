package wbopenai

import "unicode/utf8"

const hexDigits = "0123456789abcdef"

// plainSafe and htmlSafe mark the ASCII bytes a JSON string holds
// unescaped: all but quote, backslash and control characters, and for
// htmlSafe also <, > and &, which json.Marshal escapes.
var plainSafe, htmlSafe = func() (p, h [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		p[c] = c != '"' && c != '\\'
		h[c] = p[c] && c != '<' && c != '>' && c != '&'
	}
	return p, h
}()

// appendEscaped appends s as the inside of a JSON string, escaped as
// encoding/json escapes strings with SetEscapeHTML(false): quote,
// backslash and control characters, U+2028 and U+2029 (which JavaScript
// reads as line ends), and invalid UTF-8 as U+FFFD. Runs of bytes that
// need nothing are copied whole.
func appendEscaped(dst, s []byte) []byte {
	return escapeJSON(dst, s, &plainSafe)
}

// appendString appends s as a JSON string exactly as json.Marshal writes
// it (HTML characters escaped), for values whose bytes must not change.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = escapeJSON(dst, s, &htmlSafe)
	return append(dst, '"')
}

func escapeJSON[S []byte | string](dst []byte, s S, safe *[utf8.RuneSelf]bool) []byte {
	start := 0
	plain := safe == &plainSafe
	for i := 0; i < len(s); {
		if plain {
			// Eight bytes at a time while all are plain ASCII.
			for i+8 <= len(s) {
				w := load64(s, i)
				if w&hiBits != 0 || specialByte(w) {
					break
				}
				i += 8
			}
			if i >= len(s) {
				break
			}
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		// At most 4 bytes through an array: utf8.DecodeRune takes only
		// []byte, and converting a long string tail would copy it.
		var buf [utf8.UTFMax]byte
		r, size := utf8.DecodeRune(buf[:copy(buf[:], s[i:])])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...)
}
