package wandb

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// A table's file name carries the sha256 of its bytes, so the encoding
// below must reproduce json.Marshal's bytes exactly for the cell types it
// handles itself (TestTableJSONMatchesMarshal and FuzzTableJSON pin this):
// its HTML escaping of <, > and &, its escaping of U+2028 and U+2029, its
// replacement of invalid UTF-8, and its float formatting. Encoding without
// reflection into a reused buffer saves most of what json.Marshal costs for
// the large string cells of a per-call table.

// appendTableJSON appends {"columns":[...],"data":[[...],...]}, the bytes
// json.Marshal gives for the struct Table used to marshal.
func appendTableJSON(b []byte, columns []string, data [][]interface{}) ([]byte, error) {
	b = append(b, `{"columns":[`...)
	for i, c := range columns {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendMarshalString(b, c)
	}
	b = append(b, `],"data":[`...)
	for i, row := range data {
		if i > 0 {
			b = append(b, ',')
		}
		if row == nil {
			b = append(b, "null"...) // as json.Marshal writes a nil slice
			continue
		}
		b = append(b, '[')
		for j, cell := range row {
			if j > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendCellJSON(b, cell); err != nil {
				return b, err
			}
		}
		b = append(b, ']')
	}
	return append(b, "]}"...), nil
}

// appendCellJSON appends one table cell. The common types are encoded
// here; anything else, and every value json.Marshal refuses (NaN, an
// invalid json.RawMessage), goes through json.Marshal, whose bytes inside
// the table are the same as on their own.
func appendCellJSON(b []byte, v interface{}) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendMarshalString(b, x), nil
	case RawJSON:
		// Verbatim: the caller vouches for it (see Step.Table).
		if len(x) == 0 {
			return append(b, "null"...), nil
		}
		return append(b, x...), nil
	case json.RawMessage:
		if x == nil {
			return append(b, "null"...), nil
		}
		if out, ok := appendRawMessage(b, x); ok {
			return out, nil
		}
	case float64:
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			return appendMarshalFloat(b, x), nil
		}
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	}
	j, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, j...), nil
}

// appendRawMessage appends what json.Marshal makes of a json.RawMessage:
// the bytes compacted, with <, >, &, U+2028 and U+2029 escaped. ok is
// false when raw is not valid JSON. Most messages (compact, no such
// characters) only need the validity check.
func appendRawMessage(b []byte, raw json.RawMessage) ([]byte, bool) {
	plain := true
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\n', '\r', '<', '>', '&', 0xE2:
			plain = false
		}
		if !plain {
			break
		}
	}
	if plain {
		if !json.Valid(raw) {
			return b, false
		}
		return append(b, raw...), true
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return b, false
	}
	out := bytes.NewBuffer(b)
	json.HTMLEscape(out, compact.Bytes())
	return out.Bytes(), true
}

// appendMarshalFloat formats a finite float64 as encoding/json does: like
// ES6, 'f' notation except for very small or large magnitudes, where the
// exponent loses its leading zero (1e-07 becomes 1e-7).
func appendMarshalFloat(b []byte, f float64) []byte {
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

// jsonShortEscapes records whether this toolchain's json.Marshal writes
// \b and \f as such (Go 1.22 and later) or as \u0008 and \u000c (earlier):
// the runtime builds with Go 1.18 and up, and the table bytes must match
// the json.Marshal of whichever one compiled the program.
var jsonShortEscapes = func() bool {
	b, err := json.Marshal("\b")
	return err == nil && string(b) == `"\b"`
}()

// jsonSafe marks the ASCII bytes json.Marshal copies into a string as they
// are: printable, and none of " \ < > &.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()

const lowerHex = "0123456789abcdef"

// appendMarshalString appends s as json.Marshal quotes a string, HTML
// escaping included.
func appendMarshalString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch {
			case c == '\\' || c == '"':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\b' && jsonShortEscapes:
				b = append(b, '\\', 'b')
			case c == '\f' && jsonShortEscapes:
				b = append(b, '\\', 'f')
			default:
				// Other control bytes, and <, > and & (HTML escaping).
				b = append(b, '\\', 'u', '0', '0', lowerHex[c>>4], lowerHex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', lowerHex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
