package wbopenai

import (
	"context"
	"encoding/json"
	"net/http/httptrace"
	"reflect"
	"sync/atomic"
	"time"
)

// marker travels in the context of a call made through a call-site
// wrapper. Our transport flags it seen (and logs the call with its site);
// the httptrace hooks flag it sent. A call neither seen nor sent was
// rejected by go-openai before any request and is not logged; one sent
// but not seen went through a client built outside user code, and the
// wrapper logs it itself.
//
// The trace lives in the marker, so that one allocation holds both.
type marker struct {
	site  string
	fnPC  uintptr
	start time.Time
	seen  int32
	sent  int32
	trace httptrace.ClientTrace
}

func (m *marker) see() { atomic.StoreInt32(&m.seen, 1) }

// begin prepares the context of one wrapped call.
func begin(ctx context.Context, f interface{}, site string) (*marker, context.Context) {
	m := &marker{site: site, fnPC: reflect.ValueOf(f).Pointer()}
	m.trace.GetConn = func(string) { atomic.StoreInt32(&m.sent, 1) }
	m.trace.WroteHeaders = func() { atomic.StoreInt32(&m.sent, 1) }
	ctx = context.WithValue(ctx, ctxKey{}, m)
	ctx = httptrace.WithClientTrace(ctx, &m.trace)
	m.start = time.Now()
	return m, ctx
}

// unlogged tells whether the call went out through a client that is not
// instrumented, so that the wrapper must log it with end. The wrappers
// ask first: boxing the arguments and result for end costs allocations
// and copies that the common, instrumented call does not need.
func (m *marker) unlogged() bool {
	return atomic.LoadInt32(&m.seen) == 0 && atomic.LoadInt32(&m.sent) != 0 && enabled()
}

// end logs a call no instrumented transport saw (see unlogged). The
// arguments and result are encoded here, on the caller's path, because the
// user may change them as soon as the call returns; this only happens for
// clients built outside user code.
func (m *marker) end(args []interface{}, result interface{}, err error) {
	ev := &event{source: sourceCallSite, start: m.start, end: time.Now(), site: m.site, fnPC: m.fnPC, err: err}
	if len(args) == 1 {
		ev.args, _ = json.Marshal(args[0])
	} else if len(args) > 1 {
		ev.args, _ = json.Marshal(args)
	}
	if err == nil {
		ev.result, _ = json.Marshal(result)
		ev.respHeader = headerOf(result)
	}
	ev.status = statusOf(err)
	enqueue(ev)
}
