package prices

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// The override file (WBINSTRUMENT_PRICES=FILE) is JSON:
//
//	{
//	  "version": "acme-negotiated-2026-01",
//	  "replace": false,
//	  "models": [
//	    {"model": "gpt-4o", "input": 2.00, "cached_input": 1.00, "output": 8.00},
//	    {"prefix": "my-llama-", "input": 0.20, "output": 0.20}
//	  ],
//	  "azure_deployments": {"prod-chat": "gpt-4o"}
//	}
//
// Prices are US dollars per million tokens. "model" prices that model and
// its snapshots ("gpt-4o-2024-08-06"), "prefix" every name starting with
// it; an entry of the file wins over the built-in entry of the same name,
// and the longest matching name wins overall. "cached_input" is optional
// (cached tokens bill as input without it). "replace": true drops the
// built-in prices; "version" is a label recorded in the run's config.
// "azure_deployments" maps an Azure OpenAI deployment name to the model
// it serves, which some entry must price.

// FileError is a price file that cannot be used: where, and what is wrong.
type FileError struct {
	Path string
	Line int // 0 when the error is not at a place in the file
	Msg  string
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// maxFileSize bounds what Load reads: a price file is a few kilobytes.
const maxFileSize = 4 << 20

// Load builds the table a price file describes, on top of the built-in
// one unless the file replaces it.
func Load(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &FileError{Path: path, Msg: fmt.Sprintf("cannot read the price file (%v)", errors.Unwrap(err))}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, &FileError{Path: path, Msg: fmt.Sprintf("cannot read the price file (%v)", err)}
	}
	if len(data) > maxFileSize {
		return nil, &FileError{Path: path, Msg: fmt.Sprintf("larger than %d bytes; a price file lists prices only", maxFileSize)}
	}
	t, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	if abs, err := filepath.Abs(path); err == nil {
		t.Override = abs
	}
	return t, nil
}

// Parse builds the table of a price file's contents; path names the file
// in errors and in the table's description.
func Parse(path string, data []byte) (*Table, error) {
	p := &fileParser{path: path, data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	var f priceFile
	if err := p.file(&f); err != nil {
		return nil, err
	}
	base := openAI
	if f.replace {
		base = nil
	}
	all := make([]Price, 0, len(base)+len(f.prices))
	all = append(all, base...)
	all = append(all, f.prices...)
	t := newTable(all)
	t.Version, t.AsOf, t.Source = Version, AsOf, Source
	t.Override, t.Label, t.Replaced = path, f.label, f.replace
	sum := sha256.Sum256(data)
	t.OverrideSHA256 = hex.EncodeToString(sum[:])
	if len(f.azure) > 0 {
		t.azure = make(map[string]string, len(f.azure))
		for _, a := range f.azure {
			if _, ok := t.Lookup(a.model); !ok {
				return nil, p.errAt(a.off, "azure_deployments: %q maps to model %q, which no price entry covers; add it to \"models\"", a.name, a.model)
			}
			t.azure[a.name] = a.model
		}
	}
	return t, nil
}

type priceFile struct {
	label   string
	replace bool
	prices  []Price
	azure   []azureEntry
}

type azureEntry struct {
	name, model string
	off         int64
}

// entryJSON is one element of "models".
type entryJSON struct {
	Model       *string  `json:"model"`
	Prefix      *string  `json:"prefix"`
	Input       *float64 `json:"input"`
	CachedInput *float64 `json:"cached_input"`
	Output      *float64 `json:"output"`
}

// fileParser walks the file with a json.Decoder, token by token, so that
// every error can say on which line it is.
type fileParser struct {
	path string
	data []byte
	dec  *json.Decoder
}

func (p *fileParser) errAt(off int64, format string, args ...interface{}) *FileError {
	if off > int64(len(p.data)) {
		off = int64(len(p.data))
	}
	line := 1 + bytes.Count(p.data[:off], []byte("\n"))
	return &FileError{Path: p.path, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// next is the offset of the next value or key: after the decoder's
// position, past white space, commas and colons.
func (p *fileParser) next() int64 {
	off := p.dec.InputOffset()
	for off < int64(len(p.data)) && strings.IndexByte(" \t\r\n,:", p.data[off]) >= 0 {
		off++
	}
	return off
}

// syntax turns a decoder error into a FileError at its place.
func (p *fileParser) syntax(err error, off int64) *FileError {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return p.errAt(se.Offset, "not valid JSON: %v", se)
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return p.errAt(int64(len(p.data)), "not valid JSON: the file ends early")
	}
	return p.errAt(off, "not valid JSON: %v", err)
}

func (p *fileParser) delim(want json.Delim, what string) error {
	off := p.next()
	tok, err := p.dec.Token()
	if err != nil {
		return p.syntax(err, off)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return p.errAt(off, "%s must be a JSON %s", what, map[json.Delim]string{'{': "object", '[': "list"}[want])
	}
	return nil
}

func (p *fileParser) key() (string, int64, error) {
	off := p.next()
	tok, err := p.dec.Token()
	if err != nil {
		return "", off, p.syntax(err, off)
	}
	k, _ := tok.(string)
	return k, off, nil
}

func (p *fileParser) file(f *priceFile) error {
	if len(bytes.TrimSpace(p.data)) == 0 {
		return &FileError{Path: p.path, Msg: "the price file is empty; see the README for its format"}
	}
	if err := p.delim('{', "the price file"); err != nil {
		return err
	}
	seen := map[string]bool{}
	for p.dec.More() {
		k, koff, err := p.key()
		if err != nil {
			return err
		}
		if seen[k] {
			return p.errAt(koff, "%q is given twice", k)
		}
		seen[k] = true
		off := p.next()
		switch k {
		case "version":
			if err := p.dec.Decode(&f.label); err != nil {
				return p.valueErr(err, off, `"version" must be a string`)
			}
		case "replace":
			if err := p.dec.Decode(&f.replace); err != nil {
				return p.valueErr(err, off, `"replace" must be true or false`)
			}
		case "models":
			if err := p.models(f); err != nil {
				return err
			}
		case "azure_deployments":
			if err := p.azure(f); err != nil {
				return err
			}
		default:
			return p.errAt(koff, "unknown key %q; the keys are version, replace, models and azure_deployments", k)
		}
	}
	if _, err := p.dec.Token(); err != nil {
		return p.syntax(err, p.next())
	}
	if off := p.next(); off < int64(len(p.data)) {
		return p.errAt(off, "text after the closing } of the price file")
	}
	if f.replace && len(f.prices) == 0 {
		return p.errAt(0, `"replace" is true but "models" lists no prices: no call could be priced`)
	}
	return nil
}

// valueErr is a decode error: a syntax error where it is, else what the
// value should have been.
func (p *fileParser) valueErr(err error, off int64, want string) error {
	var se *json.SyntaxError
	if errors.As(err, &se) || err == io.EOF || err == io.ErrUnexpectedEOF {
		return p.syntax(err, off)
	}
	return p.errAt(off, "%s", want)
}

func (p *fileParser) models(f *priceFile) error {
	if err := p.delim('[', `"models"`); err != nil {
		return err
	}
	names := map[string]int64{}
	for i := 0; p.dec.More(); i++ {
		off := p.next()
		var raw json.RawMessage
		if err := p.dec.Decode(&raw); err != nil {
			return p.syntax(err, off)
		}
		pr, err := p.entry(i, raw, off)
		if err != nil {
			return err
		}
		key := strings.ToLower(pr.Model)
		if pr.Prefix {
			key = "prefix " + key
		}
		if _, dup := names[key]; dup {
			return p.errAt(off, "models[%d]: %q is priced twice in this file", i, pr.Model)
		}
		names[key] = off
		f.prices = append(f.prices, pr)
	}
	_, err := p.dec.Token() // ]
	if err != nil {
		return p.syntax(err, p.next())
	}
	return nil
}

func (p *fileParser) entry(i int, raw json.RawMessage, off int64) (Price, error) {
	var e entryJSON
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&e); err != nil {
		msg := err.Error()
		if strings.HasPrefix(msg, "json: unknown field ") {
			return Price{}, p.errAt(off, "models[%d]: unknown field %s; an entry has model or prefix, input, cached_input and output",
				i, strings.TrimPrefix(msg, "json: unknown field "))
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			if te.Field == "" {
				return Price{}, p.errAt(off, "models[%d]: an entry must be an object like {\"model\": \"gpt-4o\", \"input\": 2.5, \"output\": 10}", i)
			}
			return Price{}, p.errAt(off+te.Offset, "models[%d]: %q must be a %s, not a %s", i, te.Field, kindOf(te.Field), te.Value)
		}
		return Price{}, p.errAt(off, "models[%d]: %v", i, err)
	}
	var pr Price
	switch {
	case e.Model != nil && e.Prefix != nil:
		return pr, p.errAt(off, "models[%d]: give \"model\" or \"prefix\", not both", i)
	case e.Model != nil:
		pr.Model = *e.Model
	case e.Prefix != nil:
		pr.Model, pr.Prefix = *e.Prefix, true
	default:
		return pr, p.errAt(off, "models[%d]: no \"model\" (a model name, priced with its snapshots) or \"prefix\"", i)
	}
	if strings.TrimSpace(pr.Model) == "" {
		return pr, p.errAt(off, "models[%d]: the model name is empty", i)
	}
	name := pr.Model
	if e.Input == nil {
		return pr, p.errAt(off, "models[%d] (%s): \"input\" is missing (dollars per million input tokens)", i, name)
	}
	if e.Output == nil {
		return pr, p.errAt(off, "models[%d] (%s): \"output\" is missing (dollars per million output tokens; 0 for embeddings)", i, name)
	}
	for _, v := range []struct {
		key string
		v   *float64
	}{{"input", e.Input}, {"cached_input", e.CachedInput}, {"output", e.Output}} {
		if v.v != nil && *v.v < 0 {
			return pr, p.errAt(off, "models[%d] (%s): %q is negative (%v)", i, name, v.key, *v.v)
		}
	}
	pr.Input, pr.Output = *e.Input, *e.Output
	if e.CachedInput != nil {
		pr.CachedInput, pr.HasCached = *e.CachedInput, true
	}
	pr.Family, pr.Kind = "Price file", "chat"
	if b, ok := Default().Lookup(pr.Model); ok && !pr.Prefix {
		// Keep what view shows of a model the file re-prices.
		pr.Family, pr.Kind, pr.ContextWindow, pr.MaxOutput = b.Family, b.Kind, b.ContextWindow, b.MaxOutput
	}
	return pr, nil
}

func kindOf(field string) string {
	if field == "model" || field == "prefix" {
		return "string"
	}
	return "number (dollars per million tokens)"
}

func (p *fileParser) azure(f *priceFile) error {
	if err := p.delim('{', `"azure_deployments"`); err != nil {
		return err
	}
	for p.dec.More() {
		name, koff, err := p.key()
		if err != nil {
			return err
		}
		off := p.next()
		var model string
		if err := p.dec.Decode(&model); err != nil {
			return p.valueErr(err, off, fmt.Sprintf("azure_deployments: %q must map to a model name (a string)", name))
		}
		if name == "" || model == "" {
			return p.errAt(koff, "azure_deployments: deployment and model names must not be empty")
		}
		f.azure = append(f.azure, azureEntry{name: name, model: model, off: koff})
	}
	_, err := p.dec.Token() // }
	if err != nil {
		return p.syntax(err, p.next())
	}
	return nil
}
