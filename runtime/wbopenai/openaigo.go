package wbopenai

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"time"
)

// The official SDK, github.com/openai/openai-go (v1, v2, v3), is
// instrumented through its middleware option rather than its HTTP client:
// a middleware sees every attempt of a call (it runs inside the SDK's
// retry loop, see internal/requestconfig/requestconfig.go, Execute), and
// the attempts of one logical call are gathered into one row by an
// oaiCall. The runtime never imports openai-go: option.Middleware and
// option.MiddlewareNext are type aliases of the function types below, and
// the generated glue passes option.WithMiddleware of the user's version.

// Middleware is the type of openai-go's option.Middleware (an alias there
// of the same function type), so a Middleware is one.
type Middleware = func(*http.Request, func(*http.Request) (*http.Response, error)) (*http.Response, error)

// OpenAIMiddleware logs the calls of an openai-go client or service it is
// installed in (the rewriter appends it to the options of openai.NewClient,
// of the service constructors and of Azure's). A call made through a
// call-site wrapper is logged by the wrapper's own per-request middleware;
// any other call gets a group of its own here, which its retries join.
func OpenAIMiddleware(req *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	if !enabled() {
		return next(req)
	}
	if g := oaiFrom(req.Context()); g != nil {
		if g.wrapped {
			// The call-site wrapper's own middleware, which runs last
			// (request options after the client's), records the attempt
			// as the server gets it, after the user's middlewares.
			return next(req)
		}
		return g.attempt(req, next)
	}
	g := loneCall(req, "", 0)
	ctx := req.Context()
	if atomic.LoadInt32(&tracing) != 0 {
		ctx = loneSpan(g, ctx)
	}
	// The group goes into the request's context so that a second copy of
	// this middleware (options copied from one client into another) and a
	// per-request one leave the attempt to this one.
	return g.attempt(req.WithContext(&oaiCtx{Context: ctx, g: g}), next)
}

// OpenAIOptions returns opts with OpenAIMiddleware appended, for a client
// or service constructor; with is option.WithMiddleware of the user's
// openai-go. The user's slice is never written to.
func OpenAIOptions[O any](with func(...Middleware) O, opts []O) []O {
	return append(opts[:len(opts):len(opts)], with(OpenAIMiddleware))
}

// oaiKey marks contexts carrying an openai-go call.
type oaiKey struct{}

// oaiCtx is a context carrying the logical call its requests belong to.
type oaiCtx struct {
	context.Context
	g *oaiCall
}

// Value returns the call for oaiKey and asks the parent for any other key.
func (c *oaiCtx) Value(key interface{}) interface{} {
	if _, ok := key.(oaiKey); ok {
		return c.g
	}
	return c.Context.Value(key)
}

func oaiFrom(ctx context.Context) *oaiCall {
	if ctx == nil {
		return nil
	}
	g, _ := ctx.Value(oaiKey{}).(*oaiCall)
	return g
}

// oaiBox is a wrapped call's context and group in one allocation.
type oaiBox struct {
	ctx oaiCtx
	g   oaiCall
}

// beginOAI starts the logical call of one call-site wrapper.
func beginOAI(ctx context.Context, fnPC uintptr, site string) (*oaiCall, context.Context) {
	b := &oaiBox{g: oaiCall{site: site, fnPC: fnPC, start: time.Now(), wrapped: true}}
	if atomic.LoadInt32(&tracing) != 0 {
		ctx = startSpan(ctx, b.g.start, &b.g)
	}
	b.ctx = oaiCtx{Context: ctx, g: &b.g}
	return &b.g, &b.ctx
}

// attempt sends one attempt of g through the rest of the middleware chain,
// recording it unless an outer middleware of ours already does.
func (g *oaiCall) attempt(req *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	if !enabled() || !atomic.CompareAndSwapInt32(&g.busy, 0, 1) {
		if !g.wrapped && atomic.LoadInt32(&tracing) != 0 {
			g.mu.Lock()
			none := g.started == 0
			g.mu.Unlock()
			if none {
				// Logging stopped (Disable) since loneSpan started g's
				// span: no attempt will end it.
				endUnlogged(g, g.fnPC, g.site, nil)
			}
		}
		return next(req)
	}
	g.closeOpen()
	t := g
	if !g.begin() {
		// g has been logged: this is a later request of the same method
		// call (the next page of a list), a call of its own.
		t = loneCall(req, g.site, g.fnPC)
		if atomic.LoadInt32(&tracing) != 0 {
			// The request keeps g in its context: a second copy of the
			// middleware below leaves the attempt to this one.
			if ctx := loneSpan(t, req.Context()); !sameContext(ctx, req.Context()) {
				req = req.WithContext(ctx)
			}
		}
		t.begin()
	}
	resp, err := observeIn(req, nextFunc(next), maxPCs, t)
	atomic.StoreInt32(&g.busy, 0)
	return resp, err
}

// nextFunc is the rest of openai-go's middleware chain as an httpDoer.
type nextFunc func(*http.Request) (*http.Response, error)

func (f nextFunc) Do(req *http.Request) (*http.Response, error) { return f(req) }

// oaiMethod names an openai-go service method from its function name:
// "github.com/openai/openai-go/v3.(*ChatCompletionService).New-fm" gives
// "ChatCompletionService.New". Functions that are not methods of a
// service (the SDK's internals, pagers, streams) give "".
func oaiMethod(fn string) string {
	if !strings.HasPrefix(fn, "github.com/openai/openai-go") {
		return ""
	}
	fn = strings.TrimSuffix(fn, "-fm")
	i := strings.Index(fn, ".(*")
	if i < 0 {
		return ""
	}
	rest := fn[i+len(".(*"):]
	j := strings.Index(rest, ").")
	if j < 0 || !strings.HasSuffix(rest[:j], "Service") || strings.Contains(rest[j+2:], ".") {
		return ""
	}
	return rest[:j] + "." + rest[j+2:]
}

var streamKeys = []string{"stream"}

// streamRequested tells whether a request body of size bytes (-1 when
// unknown) asks for a stream ("stream": true), read through getBody.
func streamRequested(getBody func() (io.ReadCloser, error), size int64) bool {
	rc, err := getBody()
	if err != nil {
		return false
	}
	body, err := readBody(rc, size, 0)
	rc.Close()
	if err != nil {
		return false
	}
	stream := false
	c := &jcur{b: body}
	c.ws()
	c.object(streamKeys, func(int) { stream = string(c.raw()) == "true" })
	if c.end() {
		return stream
	}
	var v struct {
		Stream bool `json:"stream"`
	}
	_ = json.Unmarshal(body, &v)
	return v.Stream
}

// middleware is g's per-request middleware.
func (g *oaiCall) middleware(req *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	return g.attempt(req, next)
}

// oaiStreaming tells whether the openai-go method whose code is at pc
// streams (NewStreaming, GetStreaming...): a lookup in the function
// table, where reading the body again would cost the caller a copy.
func oaiStreaming(pc uintptr) bool {
	fn := runtime.FuncForPC(pc)
	return fn != nil && strings.HasSuffix(strings.TrimSuffix(fn.Name(), "-fm"), "Streaming")
}
