// Package reqlog bounds the request logs of the fake servers
// (internal/fakeopenai, internal/fakewandb): tests read the requests a
// fake received, and a benchmark or a long test must not grow the log
// without end, so a log keeps only its most recent entries.
package reqlog

// Add appends v to log, first dropping the oldest entry when log already
// holds max, and returns the log. The caller holds the lock guarding log.
// Entries keep their order (oldest first) and shift down by one when the
// oldest is dropped.
func Add[T any](log []T, v T, max int) []T {
	if len(log) >= max {
		copy(log, log[1:])
		log = log[:len(log)-1]
	}
	return append(log, v)
}
