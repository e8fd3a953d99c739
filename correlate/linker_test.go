package correlate

import (
	"fmt"
	"sync"
	"testing"

	"github.com/vigie-platform/vigie/indicator"
)

// Rebuilds extract on every core at once: Postings must be safe to call
// concurrently (run with -race).
func TestPostingsConcurrently(t *testing.T) {
	l := NewLinker(nil, DefaultWarningList(), indicator.DefaultOptions, nil)
	var wg sync.WaitGroup
	results := make([]int, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				ps := l.Postings(PendingReport{ID: fmt.Sprint(i), Fields: indicator.Fields{
					Description: fmt.Sprintf("IBAN FR76 3000 6000 0112 3456 7890 189, tél +44 20 7946 0958, écrire à x%d@gmail.com", i),
					URLs:        []string{"https://www.facebook.com/profile.php?id=1234"},
				}})
				results[w] = len(ps)
			}
		}()
	}
	wg.Wait()
	for _, n := range results {
		if n != results[0] || n < 5 {
			t.Fatalf("postings per report differ between goroutines: %v", results)
		}
	}
	// Listed values carry their reason.
	ps := l.Postings(PendingReport{Fields: indicator.Fields{URLs: []string{"https://www.facebook.com/profile.php?id=1234"}}})
	listed := 0
	for _, p := range ps {
		if p.Listed != "" {
			listed++
			if p.Type == indicator.Handle || p.Type == indicator.URL {
				t.Errorf("a profile URL must still link: %+v", p)
			}
		}
	}
	if listed == 0 {
		t.Errorf("facebook.com not flagged: %+v", ps)
	}
}
