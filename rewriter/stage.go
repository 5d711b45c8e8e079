package rewriter

import (
	"bytes"
	"os"
	"sync"
	"sync/atomic"
)

// A stager writes the new contents of planned changes to temp files while
// the rest of the rewrite is still being planned, so that the file
// system's work (creating a file is most of a write's cost) overlaps the
// planning's. commit then renames what was staged and writes the rest
// itself; until then no target is touched, so a failure anywhere still
// leaves the tree as it was once the temps are removed.
type stager struct {
	sem  chan struct{} // bounds the files written at once
	wg   sync.WaitGroup
	stop atomic.Bool // set by discard: what is still queued is not needed

	mu     sync.Mutex
	staged map[string]stagedTemp // by target path
}

// A stagedTemp is a temp file holding data, with mode, for its target.
type stagedTemp struct {
	tmp  string
	mode os.FileMode
	data []byte
}

func newStager() *stager {
	return &stager{sem: make(chan struct{}, tempWriters), staged: map[string]stagedTemp{}}
}

// add stages the new content of each change in the background. A change
// that cannot be staged (a read-only target, a directory not made yet) is
// left for commit, which reports its error in order.
func (s *stager) add(changes []FileChange) {
	if s == nil {
		return
	}
	for _, c := range changes {
		if c.New == nil {
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.sem <- struct{}{}
			defer func() { <-s.sem }()
			if s.stop.Load() {
				return
			}
			if t, ok := stageTemp(c.Path, c.New); ok {
				s.mu.Lock()
				s.staged[c.Path] = t
				s.mu.Unlock()
			}
		}()
	}
}

// stageTemp writes data to a temp file next to path, with the mode commit
// would give it.
func stageTemp(path string, data []byte) (stagedTemp, bool) {
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		if fi.Mode().Perm()&0o222 == 0 {
			return stagedTemp{}, false
		}
		mode = fi.Mode().Perm()
	} else if !os.IsNotExist(err) {
		return stagedTemp{}, false
	}
	tmp, err := writeTemp(path, data, mode)
	if err != nil {
		return stagedTemp{}, false
	}
	return stagedTemp{tmp: tmp, mode: mode, data: data}, true
}

// wait returns the staged temps once all are written. commit takes from
// the map the ones it uses; discard removes the others.
func (s *stager) wait() map[string]stagedTemp {
	if s == nil {
		return nil
	}
	s.wg.Wait()
	return s.staged
}

// discard removes every staged temp that commit did not take.
func (s *stager) discard() {
	if s == nil {
		return
	}
	s.stop.Store(true)
	s.wg.Wait()
	for _, t := range s.staged {
		os.Remove(t.tmp)
	}
	s.staged = nil
}

// takeStaged returns the staged temp for path if it holds exactly data with
// mode, removing it from staged.
func takeStaged(staged map[string]stagedTemp, path string, data []byte, mode os.FileMode) (string, bool) {
	t, ok := staged[path]
	if !ok || t.mode != mode || !bytes.Equal(t.data, data) {
		return "", false
	}
	delete(staged, path)
	return t.tmp, true
}
