package otlp

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Target is where a batch goes and under which resource.
type Target struct {
	Endpoint string      // the full traces URL (…/v1/traces)
	Header   http.Header // auth and other headers; never printed
	Gzip     bool
	Resource Resource
}

// sendError is a failed export: retryable or not, with the server's
// Retry-After. Its text names the endpoint without credentials.
type sendError struct {
	msg        string
	retryable  bool
	retryAfter time.Duration
}

func (e *sendError) Error() string { return e.msg }

// client posts requests; tests shorten its timeouts through Target.
var client = &http.Client{Transport: newTransport()}

func newTransport() http.RoundTripper {
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		return t.Clone()
	}
	return http.DefaultTransport
}

// post sends one ExportTraceServiceRequest, waiting timeout at most.
func post(ctx context.Context, t *Target, body []byte, timeout time.Duration) error {
	if t.Gzip {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(body)
		zw.Close()
		body = buf.Bytes()
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequest(http.MethodPost, t.Endpoint, bytes.NewReader(body))
	if err != nil {
		return &sendError{msg: "OTLP endpoint " + redactURL(t.Endpoint) + ": bad URL"}
	}
	req = req.WithContext(ctx)
	for k, v := range t.Header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	if t.Gzip {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := client.Do(req)
	if err != nil {
		// The error names the URL; the credentials are in headers, which
		// no error quotes.
		msg := err.Error()
		if ue, ok := err.(*url.Error); ok {
			msg = ue.Err.Error()
		}
		return &sendError{msg: "POST " + redactURL(t.Endpoint) + ": " + msg, retryable: true}
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	e := &sendError{
		msg:       "POST " + redactURL(t.Endpoint) + ": HTTP " + strconv.Itoa(resp.StatusCode),
		retryable: resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented,
	}
	if d, ok := parseRetryAfter(resp.Header.Get("Retry-After")); ok {
		e.retryAfter = d
	}
	return e
}

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	u.RawQuery = ""
	return u.String()
}

func parseRetryAfter(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := time.Until(t)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// Retry bounds the waits between attempts.
type Retry struct {
	Base, Max time.Duration
}

// DefaultRetry is OTel's exporter retry: 1 s doubling to 30 s (with
// jitter), as opentelemetry-go's otlptracehttp retries.
var DefaultRetry = Retry{Base: time.Second, Max: 30 * time.Second}

// wait is the delay before retry attempt (0-based): Retry-After when the
// server sent one (capped at 5 minutes), else the jittered backoff.
func (r Retry) wait(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		if retryAfter > 5*time.Minute {
			retryAfter = 5 * time.Minute
		}
		return retryAfter
	}
	d := r.Base
	for i := 0; i < attempt && d < r.Max; i++ {
		d *= 2
	}
	if d > r.Max {
		d = r.Max
	}
	half := d / 2
	return half + time.Duration(rand.Int63n(int64(d-half)+1))
}

// Send posts one request, retrying retryable failures until ctx ends. It
// returns the last error when ctx ended or the failure was final; failed,
// when set, hears each failure (attempt counts from 0).
func Send(ctx context.Context, t *Target, body []byte, timeout time.Duration, r Retry, failed func(attempt int, err error)) error {
	for attempt := 0; ; attempt++ {
		err := post(ctx, t, body, timeout)
		if err == nil {
			return nil
		}
		se, _ := err.(*sendError)
		if ctx.Err() != nil {
			// Cut off by the caller's deadline: not the receiver's failure.
			return fmt.Errorf("%v (gave up: %v)", err, ctx.Err())
		}
		if failed != nil {
			failed(attempt, err)
		}
		if se == nil || !se.retryable {
			return err
		}
		timer := time.NewTimer(r.wait(attempt, se.retryAfter))
		select {
		case <-ctx.Done():
			timer.Stop()
			return fmt.Errorf("%v (gave up: %v)", err, ctx.Err())
		case <-timer.C:
		}
	}
}
