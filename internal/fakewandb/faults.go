package fakewandb

import "time"

// A Fault changes how the server answers the next requests of an endpoint.
// Exactly one of Status and Reset is normally set; Delay may be combined
// with either, or used alone for a slow but correct answer.
type Fault struct {
	// Endpoint limits the fault to "graphql", "file_stream" or "upload";
	// empty matches every request.
	Endpoint string
	// Status is answered instead of the real reply (500, 429, 401...).
	Status int
	// RetryAfter is sent as the Retry-After header with Status.
	RetryAfter string
	// Reset cuts the connection without an answer.
	Reset bool
	// AfterApply, with Reset, applies the request first, then cuts: the
	// client sees a failure for a request that took effect.
	AfterApply bool
	// Delay holds the answer back this long (or until the client gives up).
	Delay time.Duration

	times int // remaining uses; negative: forever
}

// Inject queues f for the next n matching requests (n < 0: every one from
// now on). Faults are used in the order injected.
func (s *Server) Inject(f Fault, n int) {
	if n == 0 {
		return
	}
	f.times = n
	s.mu.Lock()
	s.faults = append(s.faults, &f)
	s.mu.Unlock()
}

// ClearFaults removes every injected fault that has not been used up.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// takeFault returns the first fault that matches endpoint and uses it up
// by one. The caller holds s.mu.
func (s *Server) takeFault(endpoint string) *Fault {
	for i, f := range s.faults {
		if f.Endpoint != "" && f.Endpoint != endpoint {
			continue
		}
		if f.times > 0 {
			f.times--
			if f.times == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		c := *f
		return &c
	}
	return nil
}
