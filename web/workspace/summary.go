package workspace

import (
	"context"
	"sync"
	"time"

	"github.com/vigie-platform/vigie/triage"
)

// summaryFresh is how long the queue's counts are reused. Counting what
// waits walks the queue index over every waiting report (about 40 ms at
// 80,000 of them, a month of a million-report year): a figure a few
// seconds old is as useful to the analyst, and the queue page stays as
// fast as its one page of rows.
const summaryFresh = 10 * time.Second

// summaryCache keeps the last queue counts of this instance.
type summaryCache struct {
	mu    sync.Mutex
	at    time.Time
	value triage.Summary
}

func (c *summaryCache) get(ctx context.Context, count func(context.Context) (triage.Summary, error)) (triage.Summary, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && time.Since(c.at) < summaryFresh {
		return c.value, nil
	}
	v, err := count(ctx)
	if err != nil {
		return v, err
	}
	c.value, c.at = v, time.Now()
	return v, nil
}
