package wbopenai

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"sync/atomic"
	"time"
	"unsafe"
)

// marker travels in the context of a call made through a call-site
// wrapper. Our transport flags it seen and logs the call with its site. A
// call not seen went through a client built outside user code, and the
// wrapper logs it itself if it reached the network (wentOut); one go-openai
// rejected before any request is not an API call and is not logged.
type marker struct {
	site  string
	fnPC  uintptr
	start time.Time
	seen  int32
	// c is the transport's record of the call, allocated with the marker
	// so that an instrumented call costs one allocation for both.
	c call
}

// claim marks m seen and tells whether the caller is the first to see
// it, and so may use m.c: go-openai sends one request per method call,
// but nothing stops a second one under the same context.
func (m *marker) claim() bool { return atomic.CompareAndSwapInt32(&m.seen, 0, 1) }

// markCtx is the context of a wrapped call: its parent plus the marker,
// in one allocation where context.WithValue and a separate marker would
// take two on every call.
type markCtx struct {
	context.Context
	m marker
}

// Value returns the marker for ctxKey and asks the parent for any other
// key, which keeps cancellation (found through the parent's keys) as it was.
func (c *markCtx) Value(key interface{}) interface{} {
	if _, ok := key.(ctxKey); ok {
		return &c.m
	}
	return c.Context.Value(key)
}

// begin prepares the context of one wrapped call of the function whose
// code is at fnPC.
func begin(ctx context.Context, fnPC uintptr, site string) (*marker, context.Context) {
	c := &markCtx{Context: ctx, m: marker{site: site, fnPC: fnPC, start: time.Now()}}
	if atomic.LoadInt32(&tracing) != 0 {
		c.Context = startSpan(ctx, c.m.start, &c.m.c.ev)
	}
	return &c.m, c
}

// funcPC returns the code address of the function value f, as
// reflect.Value.Pointer does, without f escaping through an interface:
// so a rewritten call's method value and wrapper closure can stay on its
// stack instead of costing the caller two allocations.
func funcPC[F any](f F) uintptr {
	// A func value is a pointer to a closure whose first word is the code.
	p := *(*unsafe.Pointer)(unsafe.Pointer(&f))
	if p == nil {
		return 0
	}
	return *(*uintptr)(p)
}

// unlogged tells whether the call, which ended with err, went out through
// a client that is not instrumented, so that the wrapper must log it with
// end. The wrappers ask first: boxing the arguments and result for end
// costs allocations and copies that the common, instrumented call does
// not need.
func (m *marker) unlogged(err error) bool {
	if atomic.LoadInt32(&m.seen) != 0 {
		return false
	}
	if enabled() && wentOut(err) {
		return true
	}
	if atomic.LoadInt32(&tracing) != 0 {
		endUnlogged(&m.c.ev, m.fnPC, m.site, err)
	}
	return false
}

// wentOut tells whether a call no instrumented transport saw reached the
// network, from how it ended: with a result; with an answer of the server
// (go-openai's APIError and RequestError carry its HTTP status); or with
// an error of net/http's client, which wraps every failure of a request it
// took in a *url.Error. go-openai's own refusals (a model the endpoint does
// not serve, Stream set on a non-stream method, a URL that does not parse,
// which url.Parse reports as a *url.Error with Op "parse") are none of
// these.
//
// Reading the outcome replaces an httptrace hook on every call's context:
// that cost three allocations and half a microsecond of latency on every
// instrumented call for the sake of the rare uninstrumented one.
func wentOut(err error) bool {
	if err == nil || statusOf(err) != 0 {
		return true
	}
	var ue *url.Error
	return errors.As(err, &ue) && ue.Op != "parse"
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
	moveSpan(&m.c.ev, ev)
	enqueue(ev)
}
