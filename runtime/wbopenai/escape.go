package wbopenai

import "github.com/wbinstrument/wbinstrument/runtime/internal/jsonenc"

// hexDigits spells the model_hash (row.go) in lower-case hex.
const hexDigits = "0123456789abcdef"

// appendEscaped appends s as the inside of a JSON string, escaped as
// encoding/json escapes strings with SetEscapeHTML(false), as W&B's
// json.dumps writes the trace's dumps (see jsonenc.AppendEscaped). The
// short name keeps the many splices in row.go readable.
func appendEscaped(dst, s []byte) []byte {
	return jsonenc.AppendEscaped(dst, s)
}

// appendString appends s as a JSON string exactly as json.Marshal writes
// it (HTML characters escaped), for values whose bytes must not change.
func appendString(dst []byte, s string) []byte {
	return jsonenc.AppendString(dst, s)
}
