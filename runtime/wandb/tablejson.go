package wandb

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"

	"github.com/wbinstrument/wbinstrument/runtime/internal/jsonenc"
)

// A table's file name carries the sha256 of its bytes, so the encoding
// below must reproduce json.Marshal's bytes exactly for the cell types it
// handles itself (TestTableJSONMatchesMarshal and FuzzTableJSON pin this):
// its HTML escaping of <, > and &, its escaping of U+2028 and U+2029, its
// replacement of invalid UTF-8, and its float formatting, all of which
// jsonenc reproduces. Encoding without reflection into a reused buffer
// saves most of what json.Marshal costs for the large string cells of a
// per-call table.

// appendTableJSON appends {"columns":[...],"data":[[...],...]}, the bytes
// json.Marshal gives for the struct Table used to marshal.
func appendTableJSON(b []byte, columns []string, data [][]interface{}) ([]byte, error) {
	b = appendTableHead(b, columns)
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

// appendRawTableJSON appends a table whose rows are encoded already
// (RawTable.Rows).
func appendRawTableJSON(b []byte, columns []string, rows []byte) []byte {
	b = appendTableHead(b, columns)
	b = append(b, rows...)
	return append(b, "]}"...)
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
		return jsonenc.AppendString(b, x), nil
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
			return jsonenc.AppendFloat(b, x), nil
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

// appendTableHead appends a table's JSON up to its first row:
// {"columns":[...],"data":[
func appendTableHead(b []byte, columns []string) []byte {
	b = append(b, `{"columns":[`...)
	for i, c := range columns {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonenc.AppendString(b, c)
	}
	return append(b, `],"data":[`...)
}
