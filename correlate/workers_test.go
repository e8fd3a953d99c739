package correlate

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/indicator"
)

// queueStore is a Store whose LinkPending claims from an in-memory queue,
// one caller at a time per report, slowly, as a database transaction.
type queueStore struct {
	Store
	mu      sync.Mutex
	queue   []string
	linked  map[string]int
	added   int
	active  int
	maxConc int
}

func (s *queueStore) LinkPending(ctx context.Context, limit, _ int, link func(PendingReport) []Posting) (int, error) {
	s.mu.Lock()
	s.active++
	s.maxConc = max(s.maxConc, s.active)
	n := min(limit, len(s.queue))
	claimed := s.queue[:n]
	s.queue = s.queue[n:]
	s.mu.Unlock()
	time.Sleep(2 * time.Millisecond) // the transaction's round trips
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active--
	for _, id := range claimed {
		link(PendingReport{ID: id})
		s.linked[id]++
	}
	return n, nil
}

func (s *queueStore) add(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.added++
		s.queue = append(s.queue, strconv.Itoa(s.added))
	}
}

// Several workers link a backlog together, each report once, and a
// Notify wakes them all: none waits for its ticker.
func TestRunWorkersShareTheQueue(t *testing.T) {
	s := &queueStore{linked: map[string]int{}}
	l := NewLinker(s, DefaultWarningList(), indicator.DefaultOptions, nil)
	l.batchWait = time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.RunWorkers(ctx, time.Hour, 4); close(done) }()
	time.Sleep(20 * time.Millisecond) // the workers' first pass finds nothing
	s.add(20000)
	l.Notify()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.Lock()
		left := len(s.queue) + s.active
		s.mu.Unlock()
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d reports still queued: only the ticker would wake the workers", left)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.linked) != 20000 {
		t.Fatalf("linked %d distinct reports, want 20000", len(s.linked))
	}
	for id, n := range s.linked {
		if n != 1 {
			t.Fatalf("report %q linked %d times", id, n)
		}
	}
	if s.maxConc < 2 {
		t.Errorf("at most %d worker linked at a time: a Notify must wake every worker", s.maxConc)
	}
}

// Then runs after a round of linking, once the round's reports are
// linked: waves are placed from linked reports, never at intake.
func TestThenFollowsLinking(t *testing.T) {
	s := &queueStore{linked: map[string]int{}}
	l := NewLinker(s, DefaultWarningList(), indicator.DefaultOptions, nil)
	l.batchWait = time.Millisecond
	seen := make(chan int, 16)
	l.Then(func(context.Context) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		seen <- len(s.linked)
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.add(3)
	go l.Run(ctx, time.Hour)
	l.Notify()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case n := <-seen:
			if n == 3 {
				return
			}
		case <-deadline:
			t.Fatal("Then never ran after the three reports were linked")
		}
	}
}
