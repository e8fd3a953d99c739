package feed

import (
	"context"
	"sync"
	"time"
)

// DefaultCheck is how often an instance reads the marker at most: the
// bound, with one generation, on the time an approval takes to be served.
const DefaultCheck = 5 * time.Second

// Cache keeps each blocklist format generated once per change, per
// instance: a download reads the marker (at most every Check) and serves
// the bytes already made while the approved requests did not change and
// no entry expired. Generating the zone at a million entries takes a
// second or two; serving it from here takes none.
type Cache struct {
	Store   Store
	Options Options
	Check   time.Duration
	Now     func() time.Time
	// Fresh, when set, is told how long after its approval the newest
	// entry of a feed was first served by this instance (the freshness
	// figure).
	Fresh func(feed string, lag time.Duration)

	mu       sync.Mutex
	marker   Marker
	markerAt time.Time
	gens     map[string]cached
}

type cached struct {
	g      Generated
	marker Marker
}

func (c *Cache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Blocklist returns the blocklist in format, generated again when the
// database changed since (or an entry expired).
func (c *Cache) Blocklist(ctx context.Context, format string) (Generated, error) {
	c.mu.Lock()
	defer c.mu.Unlock() // one generation at a time: concurrent downloads wait for it instead of each making one
	now := c.now()
	check := c.Check
	if check <= 0 {
		check = DefaultCheck
	}
	if c.markerAt.IsZero() || now.Sub(c.markerAt) >= check {
		m, err := c.Store.BlocklistMarker(ctx)
		if err != nil {
			return Generated{}, err
		}
		c.marker, c.markerAt = m, now
	}
	prev, ok := c.gens[format]
	if ok && prev.marker == c.marker && (prev.g.NextExpiry.IsZero() || now.Before(prev.g.NextExpiry)) {
		return prev.g, nil
	}
	g, err := Generate(ctx, c.Store, format, now, c.Options)
	if err != nil {
		return Generated{}, err
	}
	if ok {
		// The serial must grow whenever the content changes, even when
		// the change has no later time (a content back online).
		if g.Digest != prev.g.Digest && g.Serial <= prev.g.Serial {
			g = g.Reserial(prev.g.Serial+1, c.Options)
		} else if g.Digest == prev.g.Digest && g.Serial != prev.g.Serial {
			g = g.Reserial(prev.g.Serial, c.Options)
		}
	}
	if c.Fresh != nil && ok && g.Newest.After(prev.g.Newest) {
		c.Fresh(Blocklist+"."+format, c.now().Sub(g.Newest))
	}
	if c.gens == nil {
		c.gens = map[string]cached{}
	}
	c.gens[format] = cached{g, c.marker}
	return g, nil
}
