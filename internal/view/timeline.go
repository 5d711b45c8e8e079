package view

import (
	"net/http"
	"strconv"
)

// Bar is one call on the timeline.
type Bar struct {
	I      int32   `json:"i"`
	Start  float64 `json:"s"` // unix ms
	End    float64 `json:"e"`
	Lane   int32   `json:"lane"`
	Model  string  `json:"model"`
	Status string  `json:"status"`
	Site   string  `json:"site"`
}

// Timeline is a window of the run's calls on a time axis.
type Timeline struct {
	RunStart float64 `json:"runStart"`
	RunEnd   float64 `json:"runEnd"`
	From     float64 `json:"from"`
	To       float64 `json:"to"`
	Lanes    int32   `json:"lanes"` // 1 + the highest lane of any call in the run
	Total    int     `json:"total"` // calls in the window that pass the filter
	Bars     []Bar   `json:"bars"`  // at most max of them, evenly sampled
	Sampled  bool    `json:"sampled"`
	// Concurrency is, per equal slice of the window, the most calls in
	// flight at once (from the lanes), so dense windows still show load.
	Concurrency []int32 `json:"concurrency"`
}

const (
	defaultBars   = 2000
	maxBars       = 10000
	timelineSlots = 200
)

func (s *Server) handleTimeline(w http.ResponseWriter, r *http.Request) {
	snap := s.current(w)
	if snap == nil {
		return
	}
	q := r.URL.Query()
	ix := snap.idx
	from, err1 := floatParam(q.Get("from"), ix.minT)
	to, err2 := floatParam(q.Get("to"), ix.maxT)
	max, err3 := intParam(q.Get("max"), defaultBars)
	if err1 != nil || err2 != nil || err3 != nil || to < from || max < 1 || max > maxBars {
		writeError(w, http.StatusBadRequest, "timeline: want numeric from <= to (unix ms) and max from 1 to "+strconv.Itoa(maxBars))
		return
	}
	tl, err := snap.timeline(filterFrom(q), from, to, max)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, tl)
}

func (s *Snapshot) timeline(f Filter, from, to float64, max int) (*Timeline, error) {
	ix := s.idx
	tl := &Timeline{RunStart: ix.minT, RunEnd: ix.maxT, From: from, To: to, Lanes: ix.lanes,
		Concurrency: make([]int32, timelineSlots), Bars: []Bar{}}
	var m []bool
	if !f.empty() {
		var err error
		if m, _, err = ix.match(f); err != nil {
			return nil, err
		}
	}
	var in []int32
	span := to - from
	for _, i := range ix.perm("time") {
		e := &ix.entries[i]
		if e.start > to {
			break
		}
		if e.end < from || (m != nil && !m[i]) {
			continue
		}
		in = append(in, i)
		if span > 0 {
			a := int((e.start - from) / span * timelineSlots)
			b := int((e.end - from) / span * timelineSlots)
			if a < 0 {
				a = 0
			}
			if b >= timelineSlots {
				b = timelineSlots - 1
			}
			for k := a; k <= b; k++ {
				if e.lane+1 > tl.Concurrency[k] {
					tl.Concurrency[k] = e.lane + 1
				}
			}
		}
	}
	tl.Total = len(in)
	step := 1.0
	if len(in) > max {
		step = float64(len(in)) / float64(max)
		tl.Sampled = true
	}
	for k := 0.0; int(k) < len(in); k += step {
		i := in[int(k)]
		e := &ix.entries[i]
		tl.Bars = append(tl.Bars, Bar{I: i, Start: e.start, End: e.end, Lane: e.lane,
			Model: ix.models.names[e.model], Status: ix.statuses.names[e.status], Site: ix.sites.names[e.site]})
	}
	return tl, nil
}
