package view

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"unicode/utf8"

	"github.com/wbinstrument/wbinstrument/internal/calls"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
)

// What the load leaves out is read from the log again when it is needed:
// one call in full when it is opened (a single record at its offset), and
// every call's request and response for the text search and the models
// page (one more pass over the log, on every core, for both).

// errChanged says that the log no longer holds what the snapshot read.
var errChanged = errors.New("the run's log changed since it was read; reload the page")

// Call reads call i in full from the log, decoded as calls.FromRow does.
func (s *Snapshot) Call(i int) (calls.Call, error) {
	if i < 0 || i >= len(s.Calls) {
		return calls.Call{}, fmt.Errorf("call %d does not exist; the run has %d calls", i, len(s.Calls))
	}
	ref := &s.Calls[i]
	where := fmt.Sprintf("%s: history row %d (call %d, byte %d)", s.Data.Path, ref.Row, i, ref.Offset)
	f, err := os.Open(s.Data.Path)
	if err != nil {
		return calls.Call{}, err
	}
	defer f.Close()
	p, _, err := wandb.NewReaderAt(f, ref.Offset).NextPayload()
	if err != nil {
		return calls.Call{}, fmt.Errorf("%s: %v", where, err)
	}
	row := map[string]json.RawMessage{}
	isHist, _, err := wandb.ScanHistory(p, func(k, v []byte) {
		row[string(k)] = append(json.RawMessage(nil), v...)
	})
	if err != nil {
		return calls.Call{}, fmt.Errorf("%s: %v", where, err)
	}
	if _, ok := row["trace"]; !isHist || !ok || int64(rowNumber(row, "_step")) != ref.Step {
		return calls.Call{}, fmt.Errorf("%s: %v", where, errChanged)
	}
	c, err := calls.FromRow(row)
	if err != nil {
		return c, fmt.Errorf("%s: %v", where, err)
	}
	return c, nil
}

// bodies is what one more pass over the log reads of each call's request
// and response: the search text and the models page's facts. One pass
// serves both, since reading the bodies is most of the cost of either.
type bodies struct {
	hay   []string
	facts []callModelFacts
}

// loadBodies reads the bodies of every call.
func (s *Snapshot) loadBodies() (*bodies, error) {
	b := &bodies{hay: make([]string, len(s.Calls)), facts: make([]callModelFacts, len(s.Calls))}
	return b, s.readBodies(b, 0, 0)
}

// readBodies fills b's entries for the calls from on, whose records are
// at or after byte start of the log: live mode reads only the bodies of
// the calls appended since the last snapshot.
func (s *Snapshot) readBodies(b *bodies, from int, start int64) error {
	seen := make([]bool, len(s.Calls)-from)
	err := s.eachDict(from, start, func() func(i int, hash, req, resp []byte) {
		fr := newFactReader()
		return func(i int, hash, req, resp []byte) {
			b.hay[i], b.facts[i], seen[i-from] = s.hayOf(i, req, resp), fr.facts(hash, req, resp), true
		}
	})
	for k, ok := range seen {
		if !ok {
			b.hay[from+k] = s.hayOf(from+k, nil, nil)
		}
	}
	if err != nil {
		return fmt.Errorf("reading the request and response bodies: %v", err)
	}
	return nil
}

// eachDict reads the log from byte start and calls a function made by
// newFn, one per worker on every core, for each call from on with its
// trace's model_hash and the request and response of its model_dict as
// written (nil when absent or unreadable). The slices are only valid
// during the call. Calls the pass does not find where the load found them
// (the log was replaced) are not visited.
func (s *Snapshot) eachDict(from int, start int64, newFn func() func(i int, hash, req, resp []byte)) error {
	calls := s.Calls[from:]
	_, err := logPass(s.Data.Path, start, func() func(int64, []byte) struct{} {
		fn := newFn()
		var buf []byte
		return func(off int64, p []byte) struct{} {
			k := sort.Search(len(calls), func(k int) bool { return calls[k].Offset >= off })
			if k == len(calls) || calls[k].Offset != off {
				return struct{}{}
			}
			var trace []byte
			step := -1.0
			_, _, err := wandb.ScanHistory(p, func(k, v []byte) {
				switch string(k) {
				case "trace":
					trace = v
				case "_step":
					step, _ = parseNumber(v)
				}
			})
			if err != nil || int64(step) != calls[k].Step {
				return struct{}{}
			}
			var hash, req, resp []byte
			buf, hash, req, resp = readDict(buf, trace)
			fn(from+k, hash, req, resp)
			return struct{}{}
		}
	}, nil)
	var corrupt *wandb.CorruptError
	if errors.As(err, &corrupt) {
		// The load stopped at the same place, or the run grew and is
		// being written: every call of the snapshot was visited.
		return nil
	}
	return err
}

// errStop ends a jscan walk that has what it needs.
var errStop = errors.New("stop")

// readDict finds the model_hash of a trace and the request and response
// in its model_dict_dumps, which it unescapes into buf (returned for
// reuse).
func readDict(buf, trace []byte) (newBuf, hash, req, resp []byte) {
	s := jscan{b: trace}
	var dict []byte
	var esc, stopped bool
	s.object(func(key []byte) {
		switch string(key) {
		case "model_hash":
			hash, _ = s.optString()
		case "model_dict_dumps":
			dict, esc = s.optString()
		case "root_span_dumps":
			if hash != nil && dict != nil {
				// The runtime writes the root span last, and it holds
				// the request and response again: stepping over it
				// took a third of the pass. The load read the whole
				// trace already (a trace it could not read has no
				// call), so the rest need not be checked here.
				s.i, stopped = len(s.b), true
				s.err = errStop
				return
			}
			s.skip()
		default:
			s.skip()
		}
	})
	if (s.err != nil && !stopped) || len(dict) == 0 {
		return buf, hash, nil, nil
	}
	if esc {
		var err error
		if buf, err = unescape(buf[:0], dict); err != nil {
			return buf, hash, nil, nil
		}
		dict = buf
	}
	d := jscan{b: dict}
	d.object(func(key []byte) {
		switch string(key) {
		case "request":
			req = d.skip()
		case "response":
			resp = d.skip()
		default:
			d.skip()
		}
	})
	if d.err != nil {
		return buf, hash, nil, nil
	}
	return buf, hash, req, resp
}

// maxSearchBody bounds how much of a request or response body the text
// filter searches, so one huge prompt cannot dominate memory and scans.
const maxSearchBody = 8 << 10

// searchText builds the text filter's haystack: per call, the table's
// text columns, the error, request id, and the start of the request and
// response bodies, lower-cased.
func (s *Snapshot) searchText() ([]string, error) {
	b, err := s.loadBodies()
	if err != nil {
		return nil, fmt.Errorf("search: %v", err)
	}
	return b.hay, nil
}

func (s *Snapshot) hayOf(i int, req, resp []byte) string {
	ix, ref := s.idx, &s.Calls[i]
	e := &ix.entries[i]
	b := make([]byte, 0, 128+capLen(req)+capLen(resp))
	for _, f := range []string{ix.sites.names[e.site], ix.methods.names[e.method], ix.models.names[e.model],
		ix.statuses.names[e.status], ref.StatusMessage, ref.RequestID, ref.ErrorType} {
		b = append(b, f...)
		b = append(b, '\n')
	}
	b = append(b, req[:capLen(req)]...)
	b = append(b, '\n')
	b = append(b, resp[:capLen(resp)]...)
	return lower(b)
}

func capLen(b []byte) int {
	if len(b) > maxSearchBody {
		return maxSearchBody
	}
	return len(b)
}

// lower is strings.ToLower, in place for ASCII text (the usual case:
// JSON bodies escape little else).
func lower(b []byte) string {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return string(bytes.ToLower(b))
		}
	}
	for k, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[k] = c + 'a' - 'A'
		}
	}
	return string(b)
}
