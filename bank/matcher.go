package bank

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/vigie-platform/vigie/contenthash"
	"github.com/vigie-platform/vigie/hashindex"
	"github.com/vigie-platform/vigie/pdq"
)

// ChangeReader is the part of the store a Matcher follows.
type ChangeReader interface {
	BankSeq(ctx context.Context) (int64, error)
	BankChanges(ctx context.Context, since int64) (banks []Bank, entries []Entry, seq int64, err error)
}

// DefaultDistance is the PDQ Hamming distance within which two images are
// taken for the same: 31 of 256 bits, the threshold Meta gives for PDQ.
const DefaultDistance = 31

// DefaultRefresh is how often a Matcher reads the change sequence: a
// change anywhere matches on every instance within this and a load.
const DefaultRefresh = 2 * time.Second

// entryInfo is what the matcher keeps of an entry (not its dates).
type entryInfo struct {
	bank     int64
	hash     contenthash.Hash
	label    string
	category string
}

// Matcher holds every live entry in memory: PDQ hashes in a Hamming
// index, exact hashes in a map. Entries of disabled banks stay loaded and
// are skipped at query time, so that enabling a bank of millions of
// entries is one row to read, not millions. Safe for concurrent use.
type Matcher struct {
	store    ChangeReader
	distance int
	logger   *slog.Logger

	mu      sync.RWMutex
	seq     int64
	loaded  bool
	banks   map[int64]Bank
	entries map[int64]entryInfo
	exact   map[contenthash.Hash][]int64
	pdq     *hashindex.Index
}

// NewMatcher makes a matcher following store; distance <= 0 means
// DefaultDistance. Call Refresh (or Run) before matching.
func NewMatcher(store ChangeReader, distance int, logger *slog.Logger) *Matcher {
	if distance <= 0 {
		distance = DefaultDistance
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Matcher{store: store, distance: distance, logger: logger, banks: map[int64]Bank{}, entries: map[int64]entryInfo{},
		exact: map[contenthash.Hash][]int64{}, pdq: hashindex.New()}
}

// Seq is the change sequence the matcher has applied.
func (m *Matcher) Seq() int64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.seq
}

// Refresh applies the changes made since the last refresh. A refresh
// that finds the sequence unchanged costs one indexed read.
func (m *Matcher) Refresh(ctx context.Context) error {
	m.mu.RLock()
	since, loaded := m.seq, m.loaded
	m.mu.RUnlock()
	if loaded {
		seq, err := m.store.BankSeq(ctx)
		if err != nil {
			return fmt.Errorf("bank sequence: %w", err)
		}
		if seq == since {
			return nil
		}
	}
	banks, entries, seq, err := m.store.BankChanges(ctx, since)
	if err != nil {
		return fmt.Errorf("bank changes: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.loaded && seq <= m.seq {
		return nil // another refresh got there first
	}
	m.banks = make(map[int64]Bank, len(banks))
	for _, b := range banks {
		m.banks[b.ID] = b
	}
	for _, e := range entries {
		m.removeLocked(e.ID)
		if !e.Live() {
			continue
		}
		m.entries[e.ID] = entryInfo{bank: e.BankID, hash: e.Hash, label: e.Label, category: e.Category}
		if e.Hash.Kind == contenthash.PDQ {
			h, err := pdq.ParseHash(e.Hash.Value)
			if err != nil {
				continue // checked on the way in; never expected
			}
			m.pdq.Add(e.ID, h)
		} else {
			m.exact[e.Hash] = append(m.exact[e.Hash], e.ID)
		}
	}
	m.seq, m.loaded = seq, true
	return nil
}

func (m *Matcher) removeLocked(id int64) {
	old, ok := m.entries[id]
	if !ok {
		return
	}
	delete(m.entries, id)
	if old.hash.Kind == contenthash.PDQ {
		m.pdq.Remove(id)
		return
	}
	ids := m.exact[old.hash]
	for i, x := range ids {
		if x == id {
			ids = append(ids[:i], ids[i+1:]...)
			break
		}
	}
	if len(ids) == 0 {
		delete(m.exact, old.hash)
	} else {
		m.exact[old.hash] = ids
	}
}

// Run refreshes every interval until ctx ends.
func (m *Matcher) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := m.Refresh(ctx); err != nil && ctx.Err() == nil {
			m.logger.Warn("refreshing hash banks", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Hit is one entry a hash matched.
type Hit struct {
	Query    contenthash.Hash
	EntryID  int64
	Bank     Bank
	Hash     contenthash.Hash // the entry's
	Label    string
	Category string
	Distance int
}

// Match finds the entries of enabled positive banks that q matches: equal
// for exact hashes, within the distance for PDQ. A hash that also matches
// an entry of an enabled negative bank (a known false positive) matches
// nothing.
func (m *Matcher) Match(q contenthash.Hash) []Hit {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var hits []Hit
	negative := false
	consider := func(id int64, d int) {
		e, ok := m.entries[id]
		if !ok {
			return
		}
		b, ok := m.banks[e.bank]
		if !ok || !b.Enabled {
			return
		}
		if b.Negative {
			negative = true
			return
		}
		hits = append(hits, Hit{Query: q, EntryID: id, Bank: b, Hash: e.hash, Label: e.label, Category: e.category, Distance: d})
	}
	if q.Kind == contenthash.PDQ {
		h, err := pdq.ParseHash(q.Value)
		if err != nil {
			return nil
		}
		for _, x := range m.pdq.Query(h, m.distance) {
			consider(x.ID, x.Distance)
		}
	} else {
		for _, id := range m.exact[q] {
			consider(id, 0)
		}
	}
	if negative {
		return nil
	}
	return hits
}

// Len counts the live entries loaded.
func (m *Matcher) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.entries)
}
