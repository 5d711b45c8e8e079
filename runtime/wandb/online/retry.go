package online

import (
	"context"
	"math/rand"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryPolicy decides whether and when a failed W&B request is sent again.
// Production values follow W&B's own clients (about 2 s doubling up to
// 60 s); tests inject short ones.
type retryPolicy struct {
	base time.Duration // first wait
	max  time.Duration // cap of the exponential wait
	// retryAfterMax caps a server's Retry-After, so a bogus header cannot
	// park the sender for hours.
	retryAfterMax time.Duration
	// giveUp stops retrying one request after this long (0: only the
	// context ends it). Online mode relies on the finish deadline; sync
	// sets it so a dead server does not hang the command.
	giveUp time.Duration
	jitter func() float64 // in [0, 1); nil means math/rand
}

var defaultRetry = retryPolicy{
	base:          2 * time.Second,
	max:           60 * time.Second,
	retryAfterMax: 5 * time.Minute,
}

// retryableStatus reports whether an HTTP status is worth retrying: 408,
// 429 and the 5xx family except 501. W&B answers the other 4xx (bad
// request, bad key, unknown run, too large...) the same way every time.
func retryableStatus(code int) bool {
	switch {
	case code == http.StatusRequestTimeout, code == http.StatusTooManyRequests:
		return true
	case code == http.StatusNotImplemented:
		return false
	case code >= 500:
		return true
	}
	return false
}

// backoff is the wait before retry number attempt (0-based): base doubled
// per attempt, capped at max, with "equal jitter" (half fixed, half
// random) so many clients restarting together spread out but none
// retries immediately.
func (p retryPolicy) backoff(attempt int) time.Duration {
	d := p.base
	for i := 0; i < attempt && d < p.max; i++ {
		d *= 2
	}
	if d > p.max {
		d = p.max
	}
	j := p.jitter
	if j == nil {
		j = rand.Float64
	}
	half := d / 2
	return half + time.Duration(j()*float64(d-half))
}

// wait is the delay before the next attempt: the server's Retry-After
// when it sent one (capped), otherwise the jittered backoff.
func (p retryPolicy) wait(attempt int, h http.Header, now time.Time) time.Duration {
	if h != nil {
		if d, ok := parseRetryAfter(h.Get("Retry-After"), now); ok {
			if d > p.retryAfterMax {
				d = p.retryAfterMax
			}
			return d
		}
	}
	return p.backoff(attempt)
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an
// HTTP-date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		return time.Duration(n * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// sleepCtx waits d or until ctx ends, whichever is first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
