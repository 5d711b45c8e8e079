package view

import (
	"container/heap"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/wbinstrument/wbinstrument/internal/calls"
)

// entry is the part of a call the table, filters and timeline need, kept
// flat so a scan over 100k of them stays in cache. Strings that repeat
// (model, status, site, method) are interned as small integers.
type entry struct {
	start, end float64 // unix milliseconds
	latency    float64 // milliseconds
	ttft       float64 // milliseconds; -1 when not a stream
	cost       float64 // dollars, as logged (else from the price table); -1 when unknown
	prompt     int64
	completion int64
	total      int64
	cached     int64
	model      int32
	status     int32
	site       int32
	method     int32
	lane       int32 // timeline row: calls that overlap get different lanes
	stream     bool
}

// strTable interns strings; rank orders ids by their string so sorting
// by a text column compares integers.
type strTable struct {
	ids   map[string]int32
	names []string
	rank  []int32
}

func (t *strTable) id(s string) int32 {
	if id, ok := t.ids[s]; ok {
		return id
	}
	id := int32(len(t.names))
	t.ids[s] = id
	t.names = append(t.names, s)
	return id
}

func (t *strTable) finish() {
	order := make([]int32, len(t.names))
	for i := range order {
		order[i] = int32(i)
	}
	sort.Slice(order, func(a, b int) bool { return t.names[order[a]] < t.names[order[b]] })
	t.rank = make([]int32, len(t.names))
	for r, id := range order {
		t.rank[id] = int32(r)
	}
}

// index is everything precomputed at load.
type index struct {
	entries                          []entry
	models, statuses, sites, methods strTable
	// perms holds, per sort key, the call indices in ascending order
	// (ties by call order), so a page in either direction is a walk;
	// each is sorted the first time it is asked for (perm).
	perms      map[string]*lazyPerm
	minT, maxT float64
	lanes      int32
	apiTypes   []string          // per call, for the models page
	upper      map[string]string // status as logged -> as shown, while calls are added

	modelsOnce sync.Once
	modelStats []ModelInfo
	modelsErr  error

	// body holds, per call, the lower-cased text the free-text filter
	// searches and what the models page needs of the bodies. Reading
	// the request and response bodies for them costs more than the rest
	// of the load, so they are read on the first text query or models
	// page (or ahead of them, see Server), by readBodies, which is
	// dropped once used (in live mode it holds the previous snapshot).
	bodyOnce   sync.Once
	body       *bodies
	bodyErr    error
	readBodies func() (*bodies, error)
	// search answers a text query with a pass over the log, when the
	// bodies' search text was too big to keep.
	search func(words []string) ([]bool, error)

	filterMu    sync.Mutex
	filterCache []cachedFilter // most recent first
}

type cachedFilter struct {
	key   string
	match []bool
	n     int
}

// sortKeys are the table columns that can be sorted.
var sortKeys = []string{"time", "step", "site", "method", "model", "status", "prompt", "completion", "total", "latency", "ttft", "cost"}

// newIndex is the index of no call yet, for addCall to fill.
func newIndex() *index {
	ix := &index{}
	for _, t := range ix.tables() {
		t.ids = map[string]int32{}
	}
	return ix
}

// grow returns an index that holds ix's calls, for a read of what was
// appended to the log to add its calls to (addCall, then finish): the
// entries of the calls already indexed are kept, not read again. ix is
// being served, so grow leaves it as it is.
func (ix *index) grow() *index {
	n := &index{
		// finish writes each entry's lane: a copy, not ix's entries.
		entries:  append(make([]entry, 0, len(ix.entries)+len(ix.entries)/8+64), ix.entries...),
		apiTypes: ix.apiTypes[:len(ix.apiTypes):len(ix.apiTypes)], // full: addCall's appends copy
		minT:     ix.minT,
		maxT:     ix.maxT,
	}
	old := ix.tables()
	for k, t := range n.tables() {
		t.ids = make(map[string]int32, len(old[k].ids))
		for name, id := range old[k].ids {
			t.ids[name] = id
		}
		t.names = old[k].names[:len(old[k].names):len(old[k].names)] // full: id's appends copy
	}
	return n
}

func (ix *index) tables() []*strTable {
	return []*strTable{&ix.models, &ix.statuses, &ix.sites, &ix.methods}
}

// callTimes derives a call's latency (ms) and its start and end (unix ms)
// from its row: the elapsed seconds, else the span's end minus its start;
// the span's start, else the row's timestamp (unix seconds) minus the
// latency; the span's end, else start plus latency.
func callTimes(elapsed, startMS, endMS, timestamp float64) (latency, start, end float64) {
	latency = elapsed * 1000
	if latency <= 0 && endMS > startMS && startMS > 0 {
		latency = endMS - startMS
	}
	start = startMS
	if start <= 0 {
		start = timestamp*1000 - latency
	}
	end = endMS
	if end < start {
		end = start + latency
	}
	return latency, start, end
}

// addCall appends the entry of c.
func (ix *index) addCall(c *callSummary) {
	i := len(ix.entries)
	ix.entries = append(ix.entries, entry{})
	e := &ix.entries[i]
	e.latency, e.start, e.end = callTimes(c.elapsed, c.startMS, c.endMS, c.timestamp)
	e.ttft = c.ttft
	e.prompt, e.completion, e.total = c.prompt, c.completion, c.total
	if e.total == 0 {
		e.total = e.prompt + e.completion
	}
	e.cached = c.cached
	e.stream = c.stream
	model := c.model
	if model == "" {
		model = "unknown"
	}
	method := c.method
	if method == "" {
		method = c.endpoint
	}
	if ix.upper == nil {
		ix.upper = map[string]string{}
	}
	status, ok := ix.upper[c.status]
	if !ok {
		status = strings.ToUpper(c.status)
		if status == "" {
			status = "UNKNOWN"
		}
		if len(ix.upper) < 1<<10 {
			ix.upper[c.status] = status
		}
	}
	e.model = ix.models.id(model)
	e.status = ix.statuses.id(status)
	e.site = ix.sites.id(c.site)
	e.method = ix.methods.id(method)
	ix.apiTypes = append(ix.apiTypes, c.apiType)
	e.cost = callCost(c.cost, c.hasCost, model, e.prompt, e.completion, e.cached)
	if i == 0 || e.start < ix.minT {
		ix.minT = e.start
	}
	if i == 0 || e.end > ix.maxT {
		ix.maxT = e.end
	}
}

// finish builds what depends on every call: the sort orders and lanes.
func (ix *index) finish() {
	ix.upper = nil
	for _, t := range ix.tables() {
		t.finish()
	}
	ix.buildPerms()
	ix.assignLanes()
}

// lazyPerm is one sort order of the calls, sorted the first time a page
// asks for it: a view is sorted by a few of its twelve columns, and each
// order holds 4 bytes a call (24 while its sort runs), which for a
// million-call run made a good part of the memory and of the load's time,
// and of every live refresh's.
type lazyPerm struct {
	once sync.Once
	key  func(e *entry) uint64 // nil: call order
	p    []int32
}

// buildPerms sets up the sort orders, none sorted yet; assignLanes, right
// after, sorts the one by start time, which the timeline and the default
// page use too.
func (ix *index) buildPerms() {
	rank := func(t *strTable, id int32) uint64 { return uint64(t.rank[id]) }
	key := map[string]func(e *entry) uint64{
		"time":       func(e *entry) uint64 { return floatKey(e.start) },
		"step":       nil, // call order
		"site":       func(e *entry) uint64 { return rank(&ix.sites, e.site) },
		"method":     func(e *entry) uint64 { return rank(&ix.methods, e.method) },
		"model":      func(e *entry) uint64 { return rank(&ix.models, e.model) },
		"status":     func(e *entry) uint64 { return rank(&ix.statuses, e.status) },
		"prompt":     func(e *entry) uint64 { return intKey(e.prompt) },
		"completion": func(e *entry) uint64 { return intKey(e.completion) },
		"total":      func(e *entry) uint64 { return intKey(e.total) },
		"latency":    func(e *entry) uint64 { return floatKey(e.latency) },
		"ttft":       func(e *entry) uint64 { return floatKey(e.ttft) },
		"cost":       func(e *entry) uint64 { return floatKey(e.cost) },
	}
	ix.perms = make(map[string]*lazyPerm, len(sortKeys))
	for _, name := range sortKeys {
		ix.perms[name] = &lazyPerm{key: key[name]}
	}
}

// perm returns the calls in the order of sort key name (nil for an
// unknown key), sorting them on first use. The index is finished, so the
// entries it sorts no longer change; pages served at once wait for one
// sort.
func (ix *index) perm(name string) []int32 {
	lp := ix.perms[name]
	if lp == nil {
		return nil
	}
	lp.once.Do(func() {
		es := ix.entries
		if lp.key == nil {
			lp.p = make([]int32, len(es))
			for i := range lp.p {
				lp.p[i] = int32(i)
			}
			return
		}
		keys := make([]uint64, len(es))
		for i := range es {
			keys[i] = lp.key(&es[i])
		}
		lp.p = radixOrder(keys)
	})
	return lp.p
}

// floatKey maps a float64 to a uint64 of the same order (for the
// non-NaN values the index holds).
func floatKey(f float64) uint64 {
	b := math.Float64bits(f)
	if b>>63 == 1 {
		return ^b
	}
	return b | 1<<63
}

func intKey(v int64) uint64 { return uint64(v) ^ 1<<63 }

// radixOrder returns the indices of keys in ascending key order, ties in
// index order: a least-significant-digit radix sort, stable by
// construction and linear, where sort.SliceStable took a good part of
// the load. Bytes that are the same in every key are skipped. keys is
// used as scratch space.
func radixOrder(keys []uint64) []int32 {
	n := len(keys)
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	if n < 2 {
		return idx
	}
	var and, or uint64 = ^uint64(0), 0
	for _, k := range keys {
		and &= k
		or |= k
	}
	varying := and ^ or // bits that differ between some keys
	tmpK := make([]uint64, n)
	tmpI := make([]int32, n)
	for shift := uint(0); shift < 64; shift += 8 {
		if (varying>>shift)&0xff == 0 {
			continue
		}
		var count [257]int
		for _, k := range keys {
			count[(k>>shift)&0xff+1]++
		}
		for d := 1; d < 257; d++ {
			count[d] += count[d-1]
		}
		for i, k := range keys {
			d := (k >> shift) & 0xff
			tmpK[count[d]] = k
			tmpI[count[d]] = idx[i]
			count[d]++
		}
		keys, tmpK = tmpK, keys
		idx, tmpI = tmpI, idx
	}
	return idx
}

// assignLanes gives each call the lowest timeline lane free at its start,
// so overlapping calls stack and concurrency is visible as height.
func (ix *index) assignLanes() {
	var busy endHeap // lanes in use, by end time
	var free laneHeap
	for _, i := range ix.perm("time") {
		e := &ix.entries[i]
		for busy.Len() > 0 && busy[0].end <= e.start {
			heap.Push(&free, heap.Pop(&busy).(laneEnd).lane)
		}
		var lane int32
		if free.Len() > 0 {
			lane = heap.Pop(&free).(int32)
		} else {
			lane = ix.lanes
			ix.lanes++
		}
		e.lane = lane
		heap.Push(&busy, laneEnd{e.end, lane})
	}
}

type laneEnd struct {
	end  float64
	lane int32
}

type endHeap []laneEnd

func (h endHeap) Len() int            { return len(h) }
func (h endHeap) Less(i, j int) bool  { return h[i].end < h[j].end }
func (h endHeap) Swap(i, j int)       { h[i], h[j] = h[j], h[i] }
func (h *endHeap) Push(x interface{}) { *h = append(*h, x.(laneEnd)) }
func (h *endHeap) Pop() interface{} {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

type laneHeap []int32

func (h laneHeap) Len() int            { return len(h) }
func (h laneHeap) Less(i, j int) bool  { return h[i] < h[j] }
func (h laneHeap) Swap(i, j int)       { h[i], h[j] = h[j], h[i] }
func (h *laneHeap) Push(x interface{}) { *h = append(*h, x.(int32)) }
func (h *laneHeap) Pop() interface{} {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// Filter selects calls. Empty fields match everything; Model, Status,
// Site and Method match exactly, Query is lower-cased words that must all
// occur in the call's text (site, model, status, error, request, response).
type Filter struct {
	Model, Status, Site, Method string
	Query                       string
}

func (f Filter) empty() bool { return f == Filter{} }

func (f Filter) key() string {
	return f.Model + "\x00" + f.Status + "\x00" + f.Site + "\x00" + f.Method + "\x00" + f.Query
}

// matcher compiles f against the index: string fields become ids (-2 for
// "no filter", -1 for a value no call has, which matches nothing). A
// text query needs the search text, which it builds on first use.
func (ix *index) matcher(f Filter) (func(i int32) bool, error) {
	look := func(t *strTable, v string) int32 {
		if v == "" {
			return -2
		}
		if id, ok := t.ids[v]; ok {
			return id
		}
		return -1
	}
	model, status := look(&ix.models, f.Model), look(&ix.statuses, f.Status)
	site, method := look(&ix.sites, f.Site), look(&ix.methods, f.Method)
	words := strings.Fields(strings.ToLower(f.Query))
	var hay []string
	var found []bool // when the search text is not kept
	if len(words) > 0 {
		b, err := ix.bodies()
		if err != nil {
			return nil, fmt.Errorf("search: %v", err)
		}
		if hay = b.hay; b.dropped {
			if ix.search == nil {
				return nil, errors.New("search: the search text was not kept and the log cannot be read again")
			}
			if found, err = ix.search(words); err != nil {
				return nil, err
			}
		}
	}
	return func(i int32) bool {
		e := &ix.entries[i]
		if (model != -2 && e.model != model) || (status != -2 && e.status != status) ||
			(site != -2 && e.site != site) || (method != -2 && e.method != method) {
			return false
		}
		if found != nil {
			return found[i]
		}
		for _, w := range words {
			if !strings.Contains(hay[i], w) {
				return false
			}
		}
		return true
	}, nil
}

// bodies returns what the pass over the bodies read, reading it once.
func (ix *index) bodies() (*bodies, error) {
	ix.bodyOnce.Do(func() {
		if ix.readBodies == nil {
			ix.bodyErr = errors.New("no request and response bodies for this run")
			return
		}
		ix.body, ix.bodyErr = ix.readBodies()
		ix.readBodies = nil
	})
	return ix.body, ix.bodyErr
}

// haystack returns the search text, building it once.
func (ix *index) haystack() ([]string, error) {
	b, err := ix.bodies()
	if err != nil {
		return nil, fmt.Errorf("search: %v", err)
	}
	return b.hay, nil
}

// match returns which calls pass f and how many, remembering the last few
// filters so paging through one result does not rescan.
func (ix *index) match(f Filter) ([]bool, int, error) {
	key := f.key()
	ix.filterMu.Lock()
	for i, c := range ix.filterCache {
		if c.key == key {
			copy(ix.filterCache[1:i+1], ix.filterCache[:i])
			ix.filterCache[0] = c
			ix.filterMu.Unlock()
			return c.match, c.n, nil
		}
	}
	ix.filterMu.Unlock()

	ok, err := ix.matcher(f)
	if err != nil {
		return nil, 0, err
	}
	m := make([]bool, len(ix.entries))
	n := 0
	for i := range ix.entries {
		if ok(int32(i)) {
			m[i] = true
			n++
		}
	}
	ix.filterMu.Lock()
	ix.filterCache = append([]cachedFilter{{key, m, n}}, ix.filterCache...)
	if len(ix.filterCache) > 8 {
		ix.filterCache = ix.filterCache[:8]
	}
	ix.filterMu.Unlock()
	return m, n, nil
}

// page returns the calls at [offset, offset+limit) of the filtered calls
// in the order of sortKey, and how many calls pass the filter.
func (ix *index) page(f Filter, sortKey string, desc bool, offset, limit int) (total int, out []int32, err error) {
	perm := ix.perm(sortKey)
	if perm == nil {
		perm = ix.perm("time")
	}
	n := len(perm)
	at := func(k int) int32 {
		if desc {
			return perm[n-1-k]
		}
		return perm[k]
	}
	if f.empty() {
		for k := offset; k < n && len(out) < limit; k++ {
			out = append(out, at(k))
		}
		return n, out, nil
	}
	m, total, err := ix.match(f)
	if err != nil {
		return 0, nil, err
	}
	skip := offset
	for k := 0; k < n && len(out) < limit; k++ {
		i := at(k)
		if !m[i] {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		out = append(out, i)
	}
	return total, out, nil
}

func statusOf(c *calls.Call) string {
	if c.Status == "" {
		return "UNKNOWN"
	}
	return strings.ToUpper(c.Status)
}

func rowNumber(row map[string]json.RawMessage, key string) float64 {
	raw, ok := row[key]
	if !ok {
		return 0
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return 0
	}
	return f
}
