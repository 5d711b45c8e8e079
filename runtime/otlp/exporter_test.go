package otlp

import (
	"compress/gzip"
	"context"
	"encoding/binary"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// receiver is a loopback OTLP endpoint that counts span ids per request
// and answers with the statuses queued in fail first.
type receiver struct {
	mu      sync.Mutex
	fail    []int // statuses to answer before accepting; 0 hangs
	ids     map[string]int
	batches []int
	hang    chan struct{}
	srv     *httptest.Server
}

func newReceiver(t *testing.T, fail ...int) *receiver {
	r := &receiver{fail: fail, ids: map[string]int{}, hang: make(chan struct{})}
	r.srv = httptest.NewServer(r)
	t.Cleanup(func() { close(r.hang); r.srv.Close() })
	return r
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var rd io.Reader = req.Body
	if req.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(req.Body)
		if err != nil {
			w.WriteHeader(400)
			return
		}
		rd = zr
	}
	body, err := io.ReadAll(rd)
	if err != nil || req.Header.Get("Content-Type") != "application/x-protobuf" {
		w.WriteHeader(400)
		return
	}
	r.mu.Lock()
	if len(r.fail) > 0 {
		code := r.fail[0]
		r.fail = r.fail[1:]
		r.mu.Unlock()
		if code == 0 {
			select {
			case <-r.hang:
			case <-req.Context().Done():
			}
			return
		}
		w.WriteHeader(code)
		return
	}
	n := 0
	walk(body, []int{1, 2, 2, 2}, func(id []byte) { r.ids[string(id)]++; n++ })
	r.batches = append(r.batches, n)
	r.mu.Unlock()
}

// walk calls fn with the fields at path (field numbers of nested
// length-delimited fields).
func walk(b []byte, path []int, fn func([]byte)) {
	for len(b) > 0 {
		tag, n := binary.Uvarint(b)
		b = b[n:]
		var v []byte
		switch tag & 7 {
		case 0:
			_, n = binary.Uvarint(b)
			b = b[n:]
			continue
		case 1:
			b = b[8:]
			continue
		case 2:
			l, n := binary.Uvarint(b)
			v, b = b[n:n+int(l)], b[n+int(l):]
		}
		if int(tag>>3) == path[0] {
			if len(path) == 1 {
				fn(v)
			} else {
				walk(v, path[1:], fn)
			}
		}
	}
}

func (r *receiver) counts() (spans, dups int, batches []int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.ids {
		spans += n
		dups += n - 1
	}
	return spans, dups, append([]int(nil), r.batches...)
}

func testSpan(i int) []byte {
	s := Span{Name: "chat m" + strconv.Itoa(i), Kind: KindClient, Start: time.Unix(1, 0), End: time.Unix(2, 0),
		Attributes: []KeyValue{String("k", "v"), Int("i", int64(i))}}
	s.TraceID, s.SpanID = NewIDs()
	return s.Append(nil)
}

func target(r *receiver) func() (*Target, bool) {
	t := &Target{Endpoint: r.srv.URL + "/v1/traces", Gzip: true, Resource: Resource{ScopeName: "test"}}
	return func() (*Target, bool) { return t, true }
}

var fast = Retry{Base: 5 * time.Millisecond, Max: 20 * time.Millisecond}

func TestExporterBatchesAndRetries(t *testing.T) {
	r := newReceiver(t, 500, 429, 503, 0)
	e := NewExporter(Options{Target: target(r), BatchSize: 10, MaxQueue: 1000, Delay: 20 * time.Millisecond, Timeout: 200 * time.Millisecond, Retry: fast})
	for i := 0; i < 95; i++ {
		e.Add(testSpan(i))
	}
	st := e.Shutdown(time.Now().Add(10 * time.Second))
	spans, dups, batches := r.counts()
	if spans != 95 || dups != 0 || st.Sent != 95 || st.Dropped != 0 {
		t.Fatalf("received %d spans (%d twice), stats %+v", spans, dups, st)
	}
	for _, n := range batches {
		if n > 10 {
			t.Errorf("a batch of %d spans, more than 10", n)
		}
	}
}

func TestExporterShutdownBoundedAndSpools(t *testing.T) {
	r := newReceiver(t, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) // hung for good
	spool := filepath.Join(t.TempDir(), "otel", "spans.otlp")
	var warns []string
	var mu sync.Mutex
	e := NewExporter(Options{Target: target(r), Spool: spool, BatchSize: 4, MaxQueue: 8, Delay: 10 * time.Millisecond,
		Timeout: time.Hour, Retry: fast, Warn: func(m string) { mu.Lock(); warns = append(warns, m); mu.Unlock() }})
	start := time.Now()
	for i := 0; i < 50; i++ {
		e.Add(testSpan(i)) // never waits for the hung receiver
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Add waited %v", d)
	}
	st := e.Shutdown(time.Now().Add(300 * time.Millisecond))
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Shutdown took %v with a 300ms deadline", d)
	}
	if st.Spooled != 50 || st.Dropped != 0 || st.Sent != 0 {
		t.Fatalf("stats %+v, want all 50 spooled", st)
	}
	mu.Lock()
	if len(warns) != 1 {
		t.Errorf("warnings %q, want the one line saying where the spans are", warns)
	}
	mu.Unlock()
	// sync: the first attempt is cut off after one batch, the second
	// sends the rest; nothing twice.
	ok := newReceiver(t)
	tg, _ := target(ok)()
	calls := 0
	tgt := *tg
	ctx, cancel := context.WithCancel(context.Background())
	client.Transport = roundTripFunc(func(req *http.Request) (*http.Response, error) {
		calls++
		if calls == 2 {
			cancel()
			return nil, context.Canceled
		}
		return newTransport().RoundTrip(req)
	})
	defer func() { client.Transport = newTransport() }()
	res, err := SendSpool(ctx, spool, &tgt, 20, time.Second, fast)
	if err == nil || res.Sent != 20 {
		t.Fatalf("interrupted sync: %+v, %v", res, err)
	}
	client.Transport = newTransport()
	res, err = SendSpool(context.Background(), spool, &tgt, 20, time.Second, fast)
	if err != nil || res.Sent != 30 || res.Already != 20 {
		t.Fatalf("second sync: %+v, %v", res, err)
	}
	if spans, dups, _ := ok.counts(); spans != 50 || dups != 0 || Pending(spool) {
		t.Fatalf("received %d spans, %d twice; pending %v", spans, dups, Pending(spool))
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
