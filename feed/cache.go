package feed

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"
)

// DefaultCheck is how often an instance looks for changes at most: with
// one generation, the bound on the time an approval takes to be served.
const DefaultCheck = 5 * time.Second

// DefaultReload is how often an instance reads every approved request
// again, in case a row changed without its stamp.
const DefaultReload = time.Hour

// Cache keeps, per instance, every approved request in memory, ordered by
// approval then id, and each format generated once per change. Like the
// banks' matcher it loads everything once, then at most every Check reads
// the latest change stamp (one index probe) and, when it moved, only the
// rows stamped since (less StampMargin). A download serves bytes already
// made while nothing changed and no entry expired; a change costs a
// generation from memory, not a read of a million rows.
type Cache struct {
	Store   Store
	Options Options
	Check   time.Duration
	Reload  time.Duration
	Now     func() time.Time
	// Fresh, when set, is told how long after its approval the newest
	// entry of a feed was first served by this instance.
	Fresh func(feed string, lag time.Duration)

	mu       sync.Mutex
	loadedAt time.Time
	checked  time.Time
	stamp    int64
	version  int64
	byID     map[string]int // index in order
	order    []Entry        // by approval, then id
	names    map[string]int32
	gens     map[string]cached
}

type cached struct {
	g       Generated
	version int64
}

func (c *Cache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func before(a, b Entry) bool {
	if !a.ApprovedAt.Equal(b.ApprovedAt) {
		return a.ApprovedAt.Before(b.ApprovedAt)
	}
	return a.ID < b.ID
}

// name computes the entry's RPZ name once, and numbers it.
func (c *Cache) name(e Entry) Entry {
	e.name, e.named = RPZName(e.Domain, c.Options.Shared), true
	e.line = TextLine(e.URL)
	if e.name != "" {
		if c.names == nil {
			c.names = map[string]int32{}
		}
		i, ok := c.names[e.name]
		if !ok {
			i = int32(len(c.names) + 1)
			c.names[e.name] = i
		}
		e.nameIdx = i
	}
	return e
}

// refresh brings the entries up to date; the caller holds mu.
func (c *Cache) refresh(ctx context.Context, now time.Time) error {
	check, reload := c.Check, c.Reload
	if check <= 0 {
		check = DefaultCheck
	}
	if reload <= 0 {
		reload = DefaultReload
	}
	if !c.loadedAt.IsZero() && now.Sub(c.checked) < check {
		return nil
	}
	stamp, err := c.Store.BlocklistStamp(ctx)
	if err != nil {
		return err
	}
	c.checked = now
	if c.loadedAt.IsZero() || now.Sub(c.loadedAt) >= reload {
		// The stamp is read before the rows: a change made meanwhile is
		// read again at the next look.
		var all []Entry
		c.names = nil
		if err := c.Store.ApprovedBlocking(ctx, func(e Entry) error { all = append(all, c.name(e)); return nil }); err != nil {
			return err
		}
		sort.Slice(all, func(i, j int) bool { return before(all[i], all[j]) })
		c.order, c.byID = all, make(map[string]int, len(all))
		for i, e := range all {
			c.byID[e.ID] = i
		}
		c.stamp, c.loadedAt = stamp, now
		c.version++
		return nil
	}
	if stamp == c.stamp {
		return nil
	}
	changed, err := c.Store.BlocklistChanges(ctx, c.stamp-StampMargin.Microseconds())
	if err != nil {
		return err
	}
	moved := false
	for _, e := range changed {
		e = c.name(e)
		if i, ok := c.byID[e.ID]; ok {
			if c.order[i] != e {
				moved = moved || !c.order[i].ApprovedAt.Equal(e.ApprovedAt)
				c.order[i] = e
				c.version++
			}
			continue
		}
		if n := len(c.order); n > 0 && before(e, c.order[n-1]) {
			moved = true
		}
		c.byID[e.ID] = len(c.order)
		c.order = append(c.order, e)
		c.version++
	}
	if moved { // rare: an approval stamped out of order
		sort.Slice(c.order, func(i, j int) bool { return before(c.order[i], c.order[j]) })
		for i, e := range c.order {
			c.byID[e.ID] = i
		}
	}
	c.stamp = max(c.stamp, stamp)
	return nil
}

// Blocklist returns the blocklist in format, generated again when the
// approved requests changed (or an entry expired) since it was made.
func (c *Cache) Blocklist(ctx context.Context, format string) (Generated, error) {
	c.mu.Lock()
	defer c.mu.Unlock() // one generation at a time: concurrent downloads wait for it instead of each making one
	now := c.now()
	if err := c.refresh(ctx, now); err != nil {
		return Generated{}, err
	}
	prev, ok := c.gens[format]
	if ok && prev.version == c.version && (prev.g.NextExpiry.IsZero() || now.Before(prev.g.NextExpiry)) {
		return prev.g, nil
	}
	g, err := generate(func(fn func(*Entry) error) error {
		for i := range c.order {
			if err := fn(&c.order[i]); err != nil {
				return err
			}
		}
		return nil
	}, len(c.order), len(c.names), format, now, c.Options)
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
	c.gens[format] = cached{g, c.version}
	return g, nil
}

// Page returns up to limit approved requests after the position (after,
// afterID) in the order of approval then id, and whether more follow,
// from memory (TAXII's paging). keep filters them (nil: all).
func (c *Cache) Page(ctx context.Context, after time.Time, afterID string, limit int, keep func(Entry) bool) ([]Entry, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.refresh(ctx, c.now()); err != nil {
		return nil, false, err
	}
	start, _ := slices.BinarySearchFunc(c.order, Entry{ApprovedAt: after, ID: afterID}, func(e, t Entry) int {
		if before(e, t) || (e.ApprovedAt.Equal(t.ApprovedAt) && e.ID == t.ID) {
			return -1
		}
		return 1
	})
	var out []Entry
	for _, e := range c.order[start:] {
		if keep != nil && !keep(e) {
			continue
		}
		if len(out) == limit {
			return out, true, nil
		}
		out = append(out, e)
	}
	return out, false, nil
}

// Run keeps the blocklist made ahead of downloads until ctx ends: at each
// tick it looks for changes and makes again the formats already asked
// for (the zone always), so that no download waits for a generation and
// an approval is in the feeds within the check interval whether or not
// anyone downloads. The first tick loads every approved request.
func (c *Cache) Run(ctx context.Context, every time.Duration, logErr func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		formats := []string{FormatRPZ}
		c.mu.Lock()
		for f := range c.gens {
			if f != FormatRPZ {
				formats = append(formats, f)
			}
		}
		c.mu.Unlock()
		for _, f := range formats {
			if _, err := c.Blocklist(ctx, f); err != nil && ctx.Err() == nil && logErr != nil {
				logErr(err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
