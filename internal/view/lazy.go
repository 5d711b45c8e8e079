package view

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/wbinstrument/wbinstrument/internal/calls"
	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
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
	p, _, err := wandbfile.NewReaderAt(f, ref.Offset).NextPayload()
	if err != nil {
		return calls.Call{}, fmt.Errorf("%s: %v", where, err)
	}
	row := map[string]json.RawMessage{}
	isHist, _, err := wandbfile.ScanHistory(p, func(k, v []byte) {
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
// The models page's facts are added up per model as they are read (agg);
// the search text and the facts of each call are kept only while they
// fit in maxBodyBytes and the run has at most maxBodyCalls calls (a
// 100k-call run keeps them): past that they are dropped, and a text
// query reads the log again (searchLog), so that a million-call run is
// not a gigabyte of search text.
type bodies struct {
	hay     []string         // nil when dropped
	facts   []callModelFacts // nil when dropped
	agg     []*modelAgg      // per model id; nil for a model with no call read
	dropped bool
	used    int64 // bytes of hay and facts kept
}

// What the pass over the bodies keeps per call, at most (see bodies);
// variables for the tests.
var (
	maxBodyCalls       = 250_000
	maxBodyBytes int64 = 128 << 20
)

// loadBodies reads the bodies of every call.
func (s *Snapshot) loadBodies() (*bodies, error) {
	b := &bodies{dropped: true}
	if len(s.Calls) <= maxBodyCalls {
		b = &bodies{hay: make([]string, len(s.Calls)), facts: make([]callModelFacts, len(s.Calls))}
	}
	return b, s.readBodies(b, 0, 0)
}

// readBodies fills b's entries for the calls from on, whose records are
// at or after byte start of the log: live mode reads only the bodies of
// the calls appended since the last snapshot.
func (s *Snapshot) readBodies(b *bodies, from int, start int64) error {
	seen := make([]bool, len(s.Calls)-from)
	var mu sync.Mutex
	var aggs [][]*modelAgg
	var over atomic.Bool
	used := b.used
	over.Store(b.dropped)
	err := s.eachDict(from, start, func() func(i int, hash, req, resp []byte) {
		fr := newFactReader()
		local := make([]*modelAgg, len(s.idx.models.names))
		mu.Lock()
		aggs = append(aggs, local)
		mu.Unlock()
		return func(i int, hash, req, resp []byte) {
			f := fr.facts(hash, req, resp)
			m := s.idx.entries[i].model
			if local[m] == nil {
				local[m] = newModelAgg()
			}
			local[m].add(i, &f)
			seen[i-from] = true
			if over.Load() {
				return
			}
			h := s.hayOf(i, req, resp)
			b.hay[i], b.facts[i] = h, f
			n := int64(len(h) + len(f.hash) + len(f.respModel) + 64)
			for _, p := range f.params {
				n += int64(len(p.Key) + len(p.Value) + 32)
			}
			mu.Lock()
			used += n
			if used > maxBodyBytes {
				over.Store(true)
			}
			mu.Unlock()
		}
	})
	for _, a := range aggs {
		b.agg = mergeAggs(b.agg, a)
	}
	if over.Load() {
		b.hay, b.facts, b.dropped = nil, nil, true
	} else {
		b.used = used
		for k, ok := range seen {
			if !ok {
				b.hay[from+k] = s.hayOf(from+k, nil, nil)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("reading the request and response bodies: %v", err)
	}
	return nil
}

// searchLog answers a text query when the search text was not kept (see
// bodies): which calls have every word in their search text, from a pass
// over the log that builds each call's text and lets it go.
func (s *Snapshot) searchLog(words []string) ([]bool, error) {
	m := make([]bool, len(s.Calls))
	seen := make([]bool, len(s.Calls))
	has := func(h string) bool {
		for _, w := range words {
			if !strings.Contains(h, w) {
				return false
			}
		}
		return true
	}
	err := s.eachDict(0, 0, func() func(i int, hash, req, resp []byte) {
		return func(i int, hash, req, resp []byte) {
			m[i], seen[i] = has(s.hayOf(i, req, resp)), true
		}
	})
	if err != nil {
		return nil, fmt.Errorf("search: reading the request and response bodies: %v", err)
	}
	for i, ok := range seen {
		if !ok {
			m[i] = has(s.hayOf(i, nil, nil))
		}
	}
	return m, nil
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
			_, _, err := wandbfile.ScanHistory(p, func(k, v []byte) {
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
	var corrupt *wandbfile.CorruptError
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
