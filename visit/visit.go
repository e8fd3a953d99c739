// Package visit counts visits of the public portal per day, the
// "connections" of the articles, with no cookie and no IP address kept.
//
// A visit is counted when a portal page is opened from outside the portal:
// no Referer, or a Referer from another site. Moving between portal pages is
// not a new visit. Nothing that identifies the visitor is read or stored.
package visit

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/vigie-platform/vigie/stats"
)

// Store adds to and reads the daily counts.
type Store interface {
	AddVisits(ctx context.Context, day time.Time, n int64) error
	Visits(ctx context.Context, from, to time.Time) (map[string]int64, error)
}

// Counter gathers visits in memory and flushes them to the store, so that
// a page view costs no write.
type Counter struct {
	store  Store
	logger *slog.Logger
	now    func() time.Time

	mu      sync.Mutex
	pending map[string]int64 // day (YYYY-MM-DD) -> visits
}

// NewCounter makes a counter; call Run to flush it.
func NewCounter(store Store, logger *slog.Logger, now func() time.Time) *Counter {
	if now == nil {
		now = time.Now
	}
	return &Counter{store: store, logger: logger, now: now, pending: map[string]int64{}}
}

// IsNewVisit decides whether a request to a portal page starts a visit.
func IsNewVisit(r *http.Request) bool {
	if r.Method != http.MethodGet {
		return false
	}
	ua := strings.ToLower(r.UserAgent())
	if strings.Contains(ua, "bot") || strings.Contains(ua, "spider") || strings.Contains(ua, "crawl") {
		return false
	}
	ref := r.Referer()
	if ref == "" {
		return true
	}
	u, err := url.Parse(ref)
	return err != nil || !strings.EqualFold(u.Host, r.Host)
}

// Observe counts r if it starts a visit.
func (c *Counter) Observe(r *http.Request) {
	if !IsNewVisit(r) {
		return
	}
	day := stats.DayOf(c.now())
	c.mu.Lock()
	c.pending[day]++
	c.mu.Unlock()
}

// Flush writes the pending counts. Counts that fail to write are kept for
// the next flush.
func (c *Counter) Flush(ctx context.Context) error {
	c.mu.Lock()
	pending := c.pending
	c.pending = map[string]int64{}
	c.mu.Unlock()
	var firstErr error
	for day, n := range pending {
		d, _ := time.Parse(time.DateOnly, day)
		if err := c.store.AddVisits(ctx, d, n); err != nil {
			c.mu.Lock()
			c.pending[day] += n
			c.mu.Unlock()
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	return firstErr
}

// Run flushes every interval until ctx ends, then once more.
func (c *Counter) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			flushCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := c.Flush(flushCtx); err != nil {
				c.logger.Error("final visit flush", "err", err)
			}
			cancel()
			return
		case <-t.C:
			if err := c.Flush(ctx); err != nil {
				c.logger.Warn("visit flush", "err", err)
			}
		}
	}
}
