package wbopenai

import "bytes"

// scanTopLevel walks the top level of the JSON object in b without
// decoding it. It returns the offset of the object's closing brace, whether
// the object has no members, and whether one of its top-level keys is key.
// ok is false when b is not an object, its structure is broken, or a
// top-level key is written with escapes (which only a decoder can compare
// reliably); callers then take the decoding path.
//
// It only follows the structure (strings, nesting, commas and colons): it
// does not check literals or numbers, which the server checks anyway; a
// body it accepts is changed only at the closing brace. It runs on the
// caller's path, so it is kept apart from jcur (jsonscan.go), the logging
// goroutine's full scanner, which decodes values and must agree with
// encoding/json.
func scanTopLevel(b []byte, key string) (end int, empty, has, ok bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return 0, false, false, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		end = i
		return end, true, false, skipSpace(b, i+1) == len(b)
	}
	for {
		// A member: "key" : value
		if i >= len(b) || b[i] != '"' {
			return 0, false, false, false
		}
		j, escaped := skipString(b, i)
		if j < 0 || escaped {
			return 0, false, false, false
		}
		if string(b[i+1:j-1]) == key {
			has = true
		}
		i = skipSpace(b, j)
		if i >= len(b) || b[i] != ':' {
			return 0, false, false, false
		}
		i = skipValue(b, skipSpace(b, i+1))
		if i < 0 {
			return 0, false, false, false
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return 0, false, false, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return i, false, has, skipSpace(b, i+1) == len(b)
		default:
			return 0, false, false, false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the offset just past the string starting at b[i]
// (a quote), or -1 when it is not closed, and whether it has escapes.
// Prompts are long strings: the closing quote is found with IndexByte,
// byte by byte only past a backslash.
func skipString(b []byte, i int) (int, bool) {
	escaped := false
	i++
	for i < len(b) {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			return -1, escaped
		}
		bs := bytes.IndexByte(b[i:i+q], '\\')
		if bs < 0 {
			return i + q + 1, escaped
		}
		// The escaped byte cannot end the string.
		escaped = true
		i += bs + 2
	}
	return -1, escaped
}

// skipValue returns the offset just past the value starting at b[i], or
// -1 when its brackets or strings do not close.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		j, _ := skipString(b, i)
		return j
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				j, _ := skipString(b, i)
				if j < 0 {
					return -1
				}
				i = j
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	}
	// A number or literal: up to the next delimiter.
	start := i
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			if i == start {
				return -1
			}
			return i
		}
		i++
	}
	return i
}
