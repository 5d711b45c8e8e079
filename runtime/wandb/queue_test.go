package wandb

import (
	"testing"
	"time"
)

// TestQueuePushWait: a full queue makes pushWait wait, not drop; the
// writer's take lets it in; closing the queue, or the deadline, releases
// a waiter with false.
func TestQueuePushWait(t *testing.T) {
	q := newQueue(2)
	for i := 0; i < 2; i++ {
		if ok, full := q.push(entry{}, false); !ok || full {
			t.Fatalf("push %d: ok %v full %v", i, ok, full)
		}
	}
	if _, full := q.push(entry{}, false); !full {
		t.Fatal("push into a full queue did not report full")
	}
	done := make(chan bool)
	go func() { ok, _ := q.pushWait(entry{}, time.Now().Add(time.Minute)); done <- ok }()
	select {
	case <-done:
		t.Fatal("pushWait returned while the queue was full")
	case <-time.After(50 * time.Millisecond):
	}
	if n := len(q.take()); n != 2 {
		t.Fatalf("took %d entries, want 2", n)
	}
	select {
	case ok := <-done:
		if !ok {
			t.Fatal("pushWait failed after take made room")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("pushWait still waits after take made room")
	}
	if n := len(q.take()); n != 1 {
		t.Fatalf("took %d entries, want the waiter's 1", n)
	}

	q.push(entry{}, false)
	q.push(entry{}, false)
	go func() { ok, _ := q.pushWait(entry{}, time.Now().Add(time.Minute)); done <- ok }()
	time.Sleep(20 * time.Millisecond)
	q.close()
	select {
	case ok := <-done:
		if ok {
			t.Fatal("pushWait succeeded on a closed queue")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("close did not release the waiter")
	}

	// A queue the writer never takes from: the wait ends at the deadline.
	q = newQueue(1)
	q.push(entry{}, false)
	if ok, full := q.pushWait(entry{}, time.Now().Add(30*time.Millisecond)); ok || !full {
		t.Fatalf("pushWait into a queue that stayed full: ok %v full %v, want false true", ok, full)
	}
}
