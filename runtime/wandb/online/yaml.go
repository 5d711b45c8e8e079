package online

// config.yaml as W&B's sender writes it at the end of a run
// (core/internal/stream/sender.go, uploadConfigFile): the run config as
// {key: {value: v}}, values parsed by simplejsonext (integers as int64,
// other numbers as float64) and marshalled by gopkg.in/yaml.v3
// (core/internal/runconfig/runconfig.go, Serialize with FormatYaml). The
// runtime may not import yaml.v3, so this writes the same bytes for JSON
// values itself: block style, four-space indent, a sequence item's
// content two columns after its "- ", keys in yaml.v3's natural order,
// and each string in the style yaml.v3 picks for it. The root module's
// tests compare the output with yaml.v3's (internal/fakewandb).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// configYAML renders an upload-ready config (key -> value JSON).
func configYAML(config map[string]json.RawMessage) ([]byte, error) {
	root := make(map[string]interface{}, len(config))
	for k, raw := range config {
		v, err := parseJSONValue(raw)
		if err != nil {
			return nil, fmt.Errorf("wandb: config key %q: %v", k, err)
		}
		root[k] = map[string]interface{}{"value": v}
	}
	var y yamlWriter
	if len(root) == 0 {
		return []byte("{}\n"), nil
	}
	y.value(root, 0, false, true)
	y.newline(0)
	return y.b.Bytes(), nil
}

// parseJSONValue decodes JSON into maps, slices, strings, bools, nil,
// int64 and float64, as simplejsonext does: a number with '.', 'e', 'E'
// or '+', or one too large for int64, is a float64.
func parseJSONValue(raw []byte) (interface{}, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v interface{}
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return numbersToGo(v), nil
}

func numbersToGo(v interface{}) interface{} {
	switch x := v.(type) {
	case json.Number:
		s := string(x)
		if !strings.ContainsAny(s, ".eE+") {
			if i, err := strconv.ParseInt(s, 10, 64); err == nil {
				return i
			}
		}
		f, _ := strconv.ParseFloat(s, 64)
		return f
	case map[string]interface{}:
		for k, e := range x {
			x[k] = numbersToGo(e)
		}
	case []interface{}:
		for i, e := range x {
			x[i] = numbersToGo(e)
		}
	}
	return v
}

// yamlWriter emits block YAML the way yaml.v3's emitter lays it out: a
// collection nested under a mapping key is indented to the next multiple
// of four, one that is a sequence item two columns in from its "- ".
type yamlWriter struct {
	b bytes.Buffer
}

// align is the indent of what is nested under a mapping at indent
// (yaml.v3's increase_indent outside a sequence item).
func align(indent int) int {
	return 4 * ((indent + 4) / 4)
}

// newline starts a line at indent, unless the output is at a line start
// already (after a block scalar's last break).
func (y *yamlWriter) newline(indent int) {
	if last, _ := utf8.DecodeLastRune(y.b.Bytes()); y.b.Len() > 0 && !isYAMLBreak(last) {
		y.b.WriteByte('\n')
	}
	y.pad(indent)
}

// pad writes spaces up to column indent of the current line; any YAML
// break (a line separator written raw in a scalar too) starts a line.
func (y *yamlWriter) pad(indent int) {
	col := 0
	for b := y.b.Bytes(); len(b) > 0; col++ {
		r, n := utf8.DecodeLastRune(b)
		if isYAMLBreak(r) {
			break
		}
		b = b[:len(b)-n]
	}
	for ; col < indent; col++ {
		y.b.WriteByte(' ')
	}
}

// value writes v with the cursor where it goes: after "key:", "- " or
// "? ...:", or at the start of the document (top). A collection's
// elements go at indent, the first one on the current line when inline
// (a sequence item's content, a complex key's value), the others on lines
// of their own; a scalar follows a space.
func (y *yamlWriter) value(v interface{}, indent int, inline, top bool) {
	first := func(i int) {
		if i == 0 && inline {
			y.pad(indent)
		} else {
			y.newline(indent)
		}
	}
	switch x := v.(type) {
	case map[string]interface{}:
		if len(x) == 0 {
			y.b.WriteString(" {}")
			return
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return yamlKeyLess(keys[i], keys[j]) })
		for i, k := range keys {
			if i == 0 && top {
				// The document's first key starts the output.
			} else {
				first(i)
			}
			// A key longer than 128 bytes or spanning lines is not a
			// "simple key": yaml.v3 writes it after "? ", its value
			// after ":" on the next line.
			if len(k) > 128 || strings.ContainsAny(k, "\r\n\u0085\u2028\u2029") {
				y.b.WriteString("? ")
				y.scalar(k, align(indent), false)
				y.newline(indent)
				y.b.WriteByte(':')
				y.value(x[k], align(indent), true, false)
				continue
			}
			y.scalar(k, align(indent), true)
			y.b.WriteByte(':')
			y.value(x[k], align(indent), false, false)
		}
	case []interface{}:
		if len(x) == 0 {
			y.b.WriteString(" []")
			return
		}
		for i, e := range x {
			first(i)
			y.b.WriteByte('-')
			y.value(e, indent+2, true, false)
		}
	default:
		y.b.WriteByte(' ')
		switch s := x.(type) {
		case string:
			y.scalar(s, indent, false)
		case nil:
			y.b.WriteString("null")
		case bool:
			y.b.WriteString(strconv.FormatBool(s))
		case int64:
			y.b.WriteString(strconv.FormatInt(s, 10))
		case float64:
			y.b.WriteString(yamlFloat(s))
		default:
			y.scalar(fmt.Sprint(s), indent, false)
		}
	}
}

// yamlFloat is yaml.v3's floatv: shortest 'g' formatting, YAML's names
// for the infinities and NaN.
func yamlFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return ".inf"
	case math.IsInf(f, -1):
		return "-.inf"
	case math.IsNaN(f):
		return ".nan"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// Scalar styles, as yaml.v3 chooses them for a string: plain when it
// reads back as the same string and has nothing YAML would take for
// syntax; single-quoted when only the syntax is in the way; double-quoted
// when it would read back as another type, or has characters only escapes
// can write; literal ("|") when it spans lines.
func (y *yamlWriter) scalar(s string, indent int, key bool) {
	a := analyzeScalar(s)
	plainOK := yamlResolvesToString(s) && !isBase60Float(s) && !isOldBool(s)
	switch {
	case strings.Contains(s, "\n") && !key && a.blockOK:
		y.literal(s, indent)
	case strings.Contains(s, "\n"):
		y.doubleQuoted(s)
	case plainOK && a.plainOK:
		y.b.WriteString(s)
	case plainOK && a.singleOK:
		y.singleQuoted(s, indent)
	default:
		y.doubleQuoted(s)
	}
}

type scalarAnalysis struct {
	plainOK, singleOK, blockOK bool
}

func isYAMLBreak(r rune) bool {
	return r == '\r' || r == '\n' || r == 0x85 || r == 0x2028 || r == 0x2029
}

// isYAMLPrintable is libyaml's is_printable, by code point.
func isYAMLPrintable(r rune) bool {
	return r == 0x0A || (r >= 0x20 && r <= 0x7E) || (r >= 0xA0 && r <= 0xD7FF) ||
		(r >= 0xE000 && r <= 0xFFFD && r != 0xFEFF)
}

// analyzeScalar decides which styles can write s in block context, with
// the rules of yaml.v3's emitter (yaml_emitter_analyze_scalar): syntax
// characters in the way of plain style, spaces at the ends, line breaks,
// tabs and unprintable characters.
func analyzeScalar(s string) scalarAnalysis {
	if s == "" {
		return scalarAnalysis{plainOK: true, singleOK: true}
	}
	var (
		blockInd, breaks, special, tabs              bool
		leadSpace, leadBreak, trailSpace, trailBreak bool
		breakSpace, spaceBreak, prevSpace, prevBreak bool
	)
	if strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...") {
		blockInd = true
	}
	runes := []rune(s)
	precededByWS := true
	for i, r := range runes {
		followedByWS := i+1 >= len(runes) || runes[i+1] == ' ' || runes[i+1] == '\t' || isYAMLBreak(runes[i+1])
		if i == 0 {
			switch r {
			case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
				blockInd = true
			case '?', ':', '-':
				if followedByWS {
					blockInd = true
				}
			}
		} else {
			switch r {
			case ':':
				if followedByWS {
					blockInd = true
				}
			case '#':
				if precededByWS {
					blockInd = true
				}
			}
		}
		if r == '\t' {
			tabs = true
		} else if !isYAMLPrintable(r) {
			special = true
		}
		switch {
		case r == ' ':
			if i == 0 {
				leadSpace = true
			}
			if i == len(runes)-1 {
				trailSpace = true
			}
			if prevBreak {
				breakSpace = true
			}
			prevSpace, prevBreak = true, false
		case isYAMLBreak(r):
			breaks = true
			if i == 0 {
				leadBreak = true
			}
			if i == len(runes)-1 {
				trailBreak = true
			}
			if prevSpace {
				spaceBreak = true
			}
			prevSpace, prevBreak = false, true
		default:
			prevSpace, prevBreak = false, false
		}
		precededByWS = r == ' ' || r == '\t' || isYAMLBreak(r)
	}
	a := scalarAnalysis{plainOK: true, singleOK: true, blockOK: true}
	if leadSpace || leadBreak || trailSpace || trailBreak || breaks || blockInd {
		a.plainOK = false
	}
	if trailSpace {
		a.blockOK = false
	}
	if breakSpace || spaceBreak || tabs || special {
		a.plainOK, a.singleOK = false, false
	}
	if spaceBreak || special {
		a.blockOK = false
	}
	return a
}

// literal writes s as a "|" block scalar, its lines at indent, with the
// hints yaml.v3 gives it: "4" (the indent) when s starts with a space or
// a break, "-" when it does not end with a break, "+" when it is one
// break or ends with more than one. The first line starts after the header line; a leading
// break ends the header line itself, as in yaml.v3.
func (y *yamlWriter) literal(s string, indent int) {
	y.b.WriteByte('|')
	if first, _ := utf8.DecodeRuneInString(s); first == ' ' || isYAMLBreak(first) {
		y.b.WriteByte('4')
	}
	runes := []rune(s)
	n := len(runes)
	switch {
	case !isYAMLBreak(runes[n-1]):
		y.b.WriteByte('-')
	case n == 1 || isYAMLBreak(runes[n-2]):
		y.b.WriteByte('+')
	}
	lineStart, breaks := false, true
	for _, r := range s {
		if isYAMLBreak(r) {
			y.b.WriteRune(r)
			lineStart, breaks = true, true
			continue
		}
		if breaks {
			if !lineStart {
				y.b.WriteByte('\n')
			}
			y.b.WriteString(strings.Repeat(" ", indent))
		}
		y.b.WriteRune(r)
		lineStart, breaks = false, false
	}
}

// singleQuoted writes s in single quotes, a quote doubled. A line
// separator (U+2028, U+2029), the only break that gets here, is written
// as is and the next line indented, as yaml.v3 does.
func (y *yamlWriter) singleQuoted(s string, indent int) {
	y.b.WriteByte('\'')
	breaks := false
	for _, r := range s {
		if isYAMLBreak(r) {
			y.b.WriteRune(r)
			breaks = true
			continue
		}
		if breaks {
			y.b.WriteString(strings.Repeat(" ", indent))
			breaks = false
		}
		if r == '\'' {
			y.b.WriteByte('\'')
		}
		y.b.WriteRune(r)
	}
	y.b.WriteByte('\'')
}

// doubleQuoted writes s in double quotes with YAML's escapes for
// unprintable characters, breaks, quotes and backslashes.
func (y *yamlWriter) doubleQuoted(s string) {
	y.b.WriteByte('"')
	// yaml.v3's escape test looks for a byte order mark at the start of
	// the string, not at each character: after one, it escapes them all.
	bom := strings.HasPrefix(s, "\uFEFF")
	for _, r := range s {
		if !bom && isYAMLPrintable(r) && !isYAMLBreak(r) && r != '"' && r != '\\' {
			y.b.WriteRune(r)
			continue
		}
		y.b.WriteByte('\\')
		if c, ok := yamlEscapes[r]; ok {
			y.b.WriteByte(c)
			continue
		}
		switch {
		case r <= 0xFF:
			fmt.Fprintf(&y.b, "x%02X", r)
		case r <= 0xFFFF:
			fmt.Fprintf(&y.b, "u%04X", r)
		default:
			fmt.Fprintf(&y.b, "U%08X", r)
		}
	}
	y.b.WriteByte('"')
}

// yamlEscapes are the characters yaml.v3 writes with a one-letter escape
// in a double-quoted scalar (yaml_emitter_write_double_quoted_scalar);
// the others it escapes are written by their code.
var yamlEscapes = map[rune]byte{
	0: '0', 0x07: 'a', 0x08: 'b', 0x09: 't', 0x0A: 'n', 0x0B: 'v', 0x0C: 'f', 0x0D: 'r', 0x1B: 'e',
	'"': '"', '\\': '\\', 0x85: 'N', 0xA0: '_', 0x2028: 'L', 0x2029: 'P',
}

var (
	yamlStyleFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)
	base60Float    = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`)
)

// yamlResolvesToString reports whether s, written plain, reads back as a
// string under yaml.v3's resolver: not null, a bool, a number or a
// timestamp.
func yamlResolvesToString(s string) bool {
	switch s {
	case "", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE",
		".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
		"-.inf", "-.Inf", "-.INF":
		return false
	}
	c := s[0]
	switch {
	case c == '.':
		_, err := strconv.ParseFloat(s, 64)
		return err != nil
	case c == '+' || c == '-' || (c >= '0' && c <= '9'):
		if isYAMLTimestamp(s) {
			return false
		}
		plain := strings.ReplaceAll(s, "_", "")
		if _, err := strconv.ParseInt(plain, 0, 64); err == nil {
			return false
		}
		if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
			return false
		}
		if yamlStyleFloat.MatchString(plain) {
			if _, err := strconv.ParseFloat(plain, 64); err == nil {
				return false
			}
		}
		for _, p := range []struct {
			prefix string
			base   int
		}{{"0b", 2}, {"-0b", 2}, {"0o", 8}, {"-0o", 8}} {
			if strings.HasPrefix(plain, p.prefix) {
				digits := plain[len(p.prefix):]
				if _, err := strconv.ParseInt(digits, p.base, 64); err == nil {
					return false
				}
				if p.prefix[0] != '-' {
					if _, err := strconv.ParseUint(digits, p.base, 64); err == nil {
						return false
					}
				}
				break
			}
		}
	}
	return true
}

// isYAMLTimestamp is yaml.v3's parseTimestamp test.
func isYAMLTimestamp(s string) bool {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i != 4 || i == len(s) || s[i] != '-' {
		return false
	}
	for _, f := range []string{"2006-1-2T15:4:5.999999999Z07:00", "2006-1-2t15:4:5.999999999Z07:00", "2006-1-2 15:4:5.999999999", "2006-1-2"} {
		if _, err := time.Parse(f, s); err == nil {
			return true
		}
	}
	return false
}

func isBase60Float(s string) bool {
	if s == "" {
		return false
	}
	c := s[0]
	if !(c == '+' || c == '-' || c >= '0' && c <= '9') || strings.IndexByte(s, ':') < 0 {
		return false
	}
	return base60Float.MatchString(s)
}

// isOldBool: YAML 1.1 booleans, which yaml.v3 still quotes.
func isOldBool(s string) bool {
	switch s {
	case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON",
		"n", "N", "no", "No", "NO", "off", "Off", "OFF":
		return true
	}
	return false
}

// yamlKeyLess is yaml.v3's order of string keys: letters before other
// characters, except right after a digit, and runs of digits compared
// as numbers ("k2" before "k10").
func yamlKeyLess(a, b string) bool {
	ar, br := []rune(a), []rune(b)
	digits := false
	for i := 0; i < len(ar) && i < len(br); i++ {
		if ar[i] == br[i] {
			digits = unicode.IsDigit(ar[i])
			continue
		}
		al, bl := unicode.IsLetter(ar[i]), unicode.IsLetter(br[i])
		if al && bl {
			return ar[i] < br[i]
		}
		if al || bl {
			if digits {
				return al
			}
			return bl
		}
		var an, bn int64
		if ar[i] == '0' || br[i] == '0' {
			for j := i - 1; j >= 0 && unicode.IsDigit(ar[j]); j-- {
				if ar[j] != '0' {
					an, bn = 1, 1
					break
				}
			}
		}
		ai, bi := i, i
		for ; ai < len(ar) && unicode.IsDigit(ar[ai]); ai++ {
			an = an*10 + int64(ar[ai]-'0')
		}
		for ; bi < len(br) && unicode.IsDigit(br[bi]); bi++ {
			bn = bn*10 + int64(br[bi]-'0')
		}
		if an != bn {
			return an < bn
		}
		if ai != bi {
			return ai < bi
		}
		return ar[i] < br[i]
	}
	return len(ar) < len(br)
}
