package view

import (
	"errors"
	"os"
	"time"

	"github.com/wbinstrument/wbinstrument/runtime/wandb/wandbfile"
)

// Live mode follows a run that is still being written. The .wandb log
// is append-only, so a refresh reads only the records written since the
// last read, from where that read ended, and adds their calls to the
// index of the calls already read. Reading the whole log again cost a
// full load (about a second at 100k calls) per refresh.

// extend returns the snapshot of the run with what was appended to its
// log since s was read, or nil when the log cannot be continued and must
// be read again: it is another file now, it shrank, or s stopped at
// damaged bytes (not at a torn tail, which is what a log being written
// can show). s is being served and is left as it is.
func (s *Snapshot) extend() *Snapshot {
	t0 := time.Now()
	if s.file == nil || (s.Corrupt != nil && !s.Corrupt.Torn) {
		return nil
	}
	st, err := os.Stat(s.Data.Path)
	if err != nil || !os.SameFile(st, s.file) || st.Size() < s.Size {
		return nil
	}
	r := &runRead{data: cloneRunData(s.Data), ix: s.idx.grow(), refs: s.Calls[:len(s.Calls):len(s.Calls)],
		records: s.Records, historyRows: s.HistoryRows, end: s.end}
	err = r.read()
	var corrupt *wandbfile.CorruptError
	if err != nil && !errors.As(err, &corrupt) {
		return nil
	}
	n := newSnapshot(s.RunDir, r, st, corrupt, s)
	from, start := len(s.Calls), s.end
	n.idx.readBodies = func() (*bodies, error) {
		old, err := s.idx.bodies()
		if err != nil {
			return n.loadBodies()
		}
		b := &bodies{dropped: true, used: old.used}
		if !old.dropped && len(n.Calls) <= maxBodyCalls {
			b = &bodies{hay: make([]string, len(n.Calls)), facts: make([]callModelFacts, len(n.Calls)), used: old.used}
			copy(b.hay, old.hay)
			copy(b.facts, old.facts)
		}
		b.agg = make([]*modelAgg, len(old.agg))
		for m, a := range old.agg { // old's are being served: copies
			if a != nil {
				b.agg[m] = a.clone()
			}
		}
		return b, n.readBodies(b, from, start)
	}
	n.idx.search = n.searchLog
	n.LoadedAt, n.LoadTime = t0, time.Since(t0)
	return n
}
