package wbopenai

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// kind classifies an endpoint by how its calls are logged.
type kind uint8

const (
	kindOther kind = iota // timed row only
	kindChat
	kindCompletion
	kindEmbedding
	kindResponses
)

// isLLM tells whether calls of k get the full usage/trace treatment.
func (k kind) isLLM() bool { return k != kindOther }

// maxPCs bounds the caller frames kept to find a call site: unwinding
// costs per frame, and the user's frame is within a few of go-openai's.
const maxPCs = 16

// doerFrames is enough frames under an HTTPDoer: go-openai's method and
// its send helper (two frames in v1.29-v1.43) come before the user's.
const doerFrames = 5

// event is one observed API call. The caller's path fills in the cheap
// fields; everything else is derived on the logging goroutine.
type event struct {
	kind   kind
	source uint8 // sourceTransport or sourceCallSite
	method string
	url    *url.URL // go-openai builds one per request and never changes it

	start     time.Time
	firstByte time.Time // first response body byte, for time to first token
	end       time.Time

	site string           // from a call-site marker; empty means use pcs
	pcs  *[maxPCs]uintptr // the caller's frames, only without a marker
	npc  int

	// Request body: read lazily on the logging goroutine through getBody,
	// which go-openai's requests support without copying; reqBody holds
	// bytes already read on the caller's path (stream injection).
	getBody   func() (io.ReadCloser, error)
	reqBody   []byte
	reqBinary bool // set from reqHeader on the logging goroutine
	reqSize   int64

	// reqHeader is the request's header, read on the logging goroutine:
	// nobody changes it once the call is done, and each lookup on the
	// caller's path would cost it time.
	reqHeader http.Header

	// secrets are the request's credentials, kept only to scrub them from
	// anything logged (servers echo keys in error messages).
	secrets [2]string

	status         int
	respHeader     http.Header
	resp           *capture
	respBinary     bool
	respBinarySize int64
	stream         bool
	injected       bool // include_usage was added on the wire
	err            error
	closedEarly    bool // the body was closed before EOF
	abandoned      bool // the stream was never closed (finalizer or Finish)

	// fnPC is the go-openai method value a call-site wrapper was given;
	// the wrapper also fills args and result when it logs the call itself.
	fnPC   uintptr
	args   []byte
	result []byte

	// group is the logical openai-go call this event is one attempt of
	// (nil for go-openai): the group decides which attempt becomes the
	// row, and attempts lists them all as the row's child spans.
	group    *oaiCall
	attempts []attemptInfo
}

const (
	sourceTransport uint8 = iota
	sourceCallSite
)

// streamCall guards an event whose body is still being read, which
// Finish and finalizers may race with.
type streamCall struct {
	mu      sync.Mutex
	ev      *event
	done    bool
	tracked bool // in the open-streams set; set before the body is handed out
}

// readHeader takes from the request's header what logging needs: the
// credentials to scrub and whether the body is binary.
func (ev *event) readHeader() {
	h := ev.reqHeader
	if h == nil {
		return
	}
	ev.secrets[0] = strings.TrimPrefix(headerValue(h, "Authorization"), "Bearer ")
	ev.secrets[1] = headerValue(h, "Api-Key")
	if binaryType(headerValue(h, "Content-Type")) {
		ev.reqBinary, ev.getBody = true, nil
	}
}

// ctxKey marks contexts carrying a call-site marker.
type ctxKey struct{}

func markerFrom(ctx context.Context) *marker {
	if ctx == nil {
		return nil
	}
	m, _ := ctx.Value(ctxKey{}).(*marker)
	return m
}

// headerValue is h.Get(key) for a key in canonical form. Get checks the
// key on every call, and rewrites one like "api-key" into a new string:
// the logging goroutine reads the same few headers of every call.
func headerValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}
