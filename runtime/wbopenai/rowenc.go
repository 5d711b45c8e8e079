package wbopenai

import (
	"crypto/md5"
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/internal/jsonenc"
	"github.com/wbinstrument/wbinstrument/runtime/wandb"
)

// A call's row is encoded here, on the logging goroutine, straight into
// the bytes the run writes (wandb.RawRow): a map of boxed values cost a
// dozen allocations per call here and as many again for the writer to
// sort, reflect over and encode. Each body is escaped once, into a
// scratch buffer, and that escaped text is copied where the trace and
// the stats table hold it (model_dict_dumps, the root span's results, the
// table's request and response cells).

// Stats table batching: one table for every call since the previous
// table, logged with the row of the batch's last call, where the Python
// autolog logs a one-row table per call: a file per call is a million
// files (online, a million uploads) for a million calls, creating one
// costs more than the rest of the call's logging, and W&B's table panel
// shows the latest step's table, which a one-row table makes one call. The session keeps
// a drain's last row back (held) until it knows whether it is the
// batch's last: a table goes out at the end of a drain (the last row of
// the queue taken, or the row held while the program paused its calls)
// once statsEvery has passed since the previous table, when the batch
// reaches maxStatsRows calls or maxStatsBytes, and at Finish.
const (
	statsEvery    = time.Second
	maxStatsRows  = 10000 // wandb.Table's MAX_ROWS: W&B's UI shows no more
	maxStatsBytes = 4 << 20
)

// rowAlloc is one call's row as handed to the run, with its span: one
// allocation for all of them.
type rowAlloc struct {
	row   wandb.RawRow
	items [12]wandb.RawItem
	span  preparedSpan
	hook  bool // span is set
}

// RowWritten hands the row's span to the exporters with the row's step.
func (ra *rowAlloc) RowWritten(step int64) {
	if ra.hook {
		ra.span.x.emit(&ra.span, step, true)
	}
}

// rowScratch are a session's buffers reused from call to call.
type rowScratch struct {
	ci    callInfo
	esc   []byte // the escaped request, then the escaped response
	dict  []byte // model_dict, for its md5
	root  []byte // the root span without its results
	attrs [24]attr
}

// statsBatch is the stats table being gathered: its rows, encoded.
type statsBatch struct {
	rows   []byte
	n      int
	last   time.Time // when the last table went out
	logged bool
	free   *rowsPool // buffers the run gave back
}

// rowsPool holds the row buffers of tables the run has written, for the
// next batches: a batch's rows are megabytes, which a fresh allocation
// has to zero (and fault in) again. The run gives them back on its
// writer goroutine.
type rowsPool struct {
	mu   sync.Mutex
	bufs [][]byte
}

// ReleaseRows takes back a table's rows (wandb.RowsReleaser).
func (p *rowsPool) ReleaseRows(rows []byte) {
	p.mu.Lock()
	if len(p.bufs) < 2 {
		p.bufs = append(p.bufs, rows[:0])
	}
	p.mu.Unlock()
}

func (p *rowsPool) get() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.bufs); n > 0 {
		b := p.bufs[n-1]
		p.bufs = p.bufs[:n-1]
		return b
	}
	return nil
}

// log turns one call into one history row and sends it with its table,
// as a drain of one call does.
func (s *session) log(ev *event, deadline time.Time) {
	s.logCall(ev, deadline)
	s.flushHeld(deadline, true)
}

// logCall turns one call into one history row. The row is held back
// until the next call, or flushHeld, tells whether the stats table goes
// with it.
func (s *session) logCall(ev *event, deadline time.Time) {
	sc := &s.scratch
	c := analyzeInto(&sc.ci, ev)
	scr := scrubber(ev.secrets[:])
	// A body the scanner read is valid JSON, unless scrubbing changed it.
	reqB, reqChanged := scr.bytes(c.reqBody)
	respB, respChanged := scr.bytes(c.respBody)
	reqJ := s.bodies.bodyJSON(reqB, c.reqSize, ev.reqBinary, c.reqValid && !reqChanged)
	respJ := s.bodies.bodyJSON(respB, c.respSize, ev.respBinary, c.respValid && !respChanged)
	if len(c.errMessage) > 0 {
		c.errMessage = scr.text(c.errMessage)
	}

	// Escaped once; the trace and the table copy it.
	sc.esc = appendEscaped(sc.esc[:0], reqJ)
	nreq := len(sc.esc)
	sc.esc = appendEscaped(sc.esc, respJ)
	escReq, escResp := sc.esc[:nreq], sc.esc[nreq:]

	elapsed := ev.end.Sub(ev.start).Seconds()
	cost := s.cost.price(c)

	s.spans++
	sp := spanInfo{
		id:         s.id,
		seq:        s.spans,
		name:       spanName(c),
		startMs:    ev.start.UnixNano() / 1e6,
		endMs:      ev.end.UnixNano() / 1e6,
		statusCode: "SUCCESS",
		kind:       "LLM",
		children:   ev.attempts,
	}
	if !c.kind.isLLM() {
		sp.kind = "TOOL"
	}
	errText := ""
	if c.failed {
		sp.statusCode = "ERROR"
		errText = c.errMessage
		if errText == "" {
			errText = "failed"
		}
		sp.statusMessage = &errText
	}
	root, rootErr := appendSpan(sc.root[:0], &sp, c.attrs(sc.attrs[:0]))
	if rootErr == nil {
		sc.root = root
	}

	// The row's values, in one buffer the run keeps.
	size := 2*(len(escReq)+len(escResp)) + len(root) + len(root)/8 + 512
	b := make([]byte, 0, size)
	ra := &rowAlloc{}
	items := ra.items[:0]
	var marks [len(ra.items)]int
	item := func(key string, start int) {
		marks[len(items)] = start
		items = append(items, wandb.RawItem{Key: key})
	}
	if cost.priced {
		item(costKey, len(b))
		b = jsonenc.AppendFloat(b, cost.cost.Total())
		item(costInputKey, len(b))
		b = jsonenc.AppendFloat(b, cost.cost.Input)
		item(costOutputKey, len(b))
		b = jsonenc.AppendFloat(b, cost.cost.Output)
	}
	if rootErr == nil {
		item("trace", len(b))
		b = appendTrace(b, &sc.dict, reqJ, respJ, escReq, escResp, root)
	}
	item("usage/elapsed_time", len(b))
	b = jsonenc.AppendFloat(b, elapsed)
	if c.kind.isLLM() && c.usage.has {
		item("usage/prompt_tokens", len(b))
		b = strconv.AppendInt(b, int64(c.usage.prompt), 10)
		item("usage/completion_tokens", len(b))
		b = strconv.AppendInt(b, int64(c.usage.completion), 10)
		item("usage/total_tokens", len(b))
		b = strconv.AppendInt(b, int64(c.usage.total), 10)
		if c.usage.hasCached {
			item("usage/cached_tokens", len(b))
			b = strconv.AppendInt(b, int64(c.usage.cached), 10)
		}
		if c.usage.hasReasoning {
			item("usage/reasoning_tokens", len(b))
			b = strconv.AppendInt(b, int64(c.usage.reasoning), 10)
		}
	}
	if c.kind.isLLM() && c.usageMissing && !c.failed {
		item("usage_missing", len(b))
		b = append(b, "true"...)
	}
	for i := range items {
		end := len(b)
		if i+1 < len(items) {
			end = marks[i+1]
		}
		items[i].JSON = b[marks[i]:end:end]
	}
	sortItems(items)
	ra.row.Items = items

	// The stats table's row: the trace's bodies as JSON strings (escaped
	// as W&B's json.dumps writes them), the rest as json.Marshal would.
	st := &s.stats
	t := st.rows
	if st.n > 0 {
		t = append(t, ',')
	}
	t = append(t, '[', '"')
	t = append(t, escReq...)
	t = append(t, '"', ',', '"')
	t = append(t, escResp...)
	t = append(t, '"', ',')
	t = jsonenc.AppendString(t, c.model)
	t = append(t, ',')
	t = jsonenc.AppendFloat(t, float64(ev.start.UnixNano())/1e9)
	t = append(t, ',')
	t = jsonenc.AppendFloat(t, float64(ev.end.UnixNano())/1e9)
	t = append(t, ',')
	t = jsonenc.AppendString(t, c.requestID)
	t = append(t, ',')
	t = jsonenc.AppendString(t, c.apiType)
	t = append(t, ',')
	t = jsonenc.AppendString(t, s.id)
	t = append(t, ',')
	t = jsonenc.AppendFloat(t, elapsed)
	t = append(t, ',')
	t = strconv.AppendInt(t, int64(c.usage.prompt), 10)
	t = append(t, ',')
	t = strconv.AppendInt(t, int64(c.usage.completion), 10)
	t = append(t, ',')
	t = strconv.AppendInt(t, int64(c.usage.total), 10)
	t = append(t, ',')
	t = jsonenc.AppendString(t, c.site)
	t = append(t, ',')
	t = jsonenc.AppendString(t, errText)
	t = append(t, ']')
	st.rows = t
	st.n++

	s.totals.add(c, cost)
	if s.otel.prepareInto(&ra.span, ev, c, reqB, respB, errText, &s.spanScratch) {
		ra.hook = true
		ra.row.Written = ra
	}
	ra.row.Time = time.Now()

	if s.held != nil {
		s.send(s.held, deadline)
	}
	s.held = ra
	if st.n >= maxStatsRows || len(st.rows) >= maxStatsBytes {
		s.flushHeld(deadline, true)
	}
}

// flushHeld sends the row held back, with the stats table when force is
// set or the table is due (statsEvery since the last one).
func (s *session) flushHeld(deadline time.Time, force bool) {
	ra := s.held
	if ra == nil {
		return
	}
	now := time.Now()
	if !force && s.stats.logged && now.Sub(s.stats.last) < statsEvery {
		return
	}
	st := &s.stats
	if st.n > 0 {
		if st.free == nil {
			st.free = &rowsPool{}
		}
		ra.row.Table = &wandb.RawTable{Key: "stats", Columns: statsColumns, Rows: st.rows, NRows: st.n, Release: st.free}
		// The run owns those bytes until it gives them back; the next
		// batch takes a buffer it gave back, else one of about their size.
		if b := st.free.get(); b != nil {
			st.rows = b
		} else {
			st.rows = make([]byte, 0, len(st.rows)+len(st.rows)/4)
		}
		st.n = 0
		st.last, st.logged = now, true
	}
	s.send(ra, deadline)
}

func (s *session) send(ra *rowAlloc, deadline time.Time) {
	if s.held == ra {
		s.held = nil
	}
	s.run.LogRow(&ra.row, deadline)
}

// sortItems sorts a row's items by key (they are few, and almost sorted).
func sortItems(a []wandb.RawItem) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j].Key < a[j-1].Key; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// bodyJSON is a body as the trace holds it: its own bytes when they are
// valid JSON within the cap, else a marker with its size (and the capped
// head as text), encoded.
func (p bodyPolicy) bodyJSON(b []byte, size int64, binary, valid bool) []byte {
	if b != nil && !binary && !p.off && len(b) <= p.max && (valid || json.Valid(b)) {
		return b
	}
	j, err := bodyJSON(p.body(b, size, binary, valid))
	if err != nil {
		return []byte("{}")
	}
	return j
}

// appendTrace appends the wb_trace_tree value (see traceValue).
func appendTrace(b []byte, dict *[]byte, req, resp, escReq, escResp, root []byte) []byte {
	const (
		dictReq  = `{"request":`
		dictResp = `,"response":`
		dictEnd  = `,"_kind":"openai"}`
		spanIn   = `,"results":[{"inputs":`
		spanOut  = `,"outputs":`
		spanEnd  = `}]}`
	)
	d := append((*dict)[:0], dictReq...)
	d = append(d, req...)
	d = append(d, dictResp...)
	d = append(d, resp...)
	d = append(d, dictEnd...)
	*dict = d
	sum := md5.Sum(d)

	b = append(b, `{"_type":"wb_trace_tree","model_dict_dumps":"`...)
	b = appendEscaped(b, []byte(dictReq))
	b = append(b, escReq...)
	b = appendEscaped(b, []byte(dictResp))
	b = append(b, escResp...)
	b = appendEscaped(b, []byte(dictEnd))
	b = append(b, `","model_hash":"`...)
	for _, x := range sum[:8] {
		b = append(b, hexDigits[x>>4], hexDigits[x&0xF])
	}
	b = append(b, `","root_span_dumps":"`...)
	b = appendEscaped(b, root[:len(root)-1]) // without its closing brace
	b = appendEscaped(b, []byte(spanIn))
	b = append(b, escReq...)
	b = appendEscaped(b, []byte(spanOut))
	b = append(b, escResp...)
	b = appendEscaped(b, []byte(spanEnd))
	return append(b, `"}`...)
}
