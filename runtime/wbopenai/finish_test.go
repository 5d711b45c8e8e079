package wbopenai

import "testing"

// finishedCode starts a run on a fake sink, runs f, and returns the exit
// code the run was finished with.
func finishedCode(t *testing.T, f func()) int {
	t.Helper()
	s := initFake(t)
	f()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished != 1 {
		t.Fatalf("run finished %d times, want once", s.finished)
	}
	return s.code
}

func TestFinishRecordsPanicAsCrash(t *testing.T) {
	code := finishedCode(t, func() {
		defer func() {
			// The panic went on past Finish, with its own value.
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v after Finish, want the panic's own value", r)
			}
		}()
		defer Finish()
		panic("boom")
	})
	if code != 2 {
		t.Errorf("a run finished while main panics has exit code %d, want 2 (Go's for a panic)", code)
	}
}

func TestFinishRecordsNormalReturn(t *testing.T) {
	code := finishedCode(t, func() {
		defer Finish()
	})
	if code != 0 {
		t.Errorf("exit code %d after a normal return, want 0", code)
	}
	// A panic recovered before the deferred Finish runs is over: the
	// program goes on, and so does its exit code 0.
	code = finishedCode(t, func() {
		defer Finish()
		func() {
			defer func() { recover() }()
			panic("handled")
		}()
	})
	if code != 0 {
		t.Errorf("exit code %d after a recovered panic, want 0", code)
	}
}
