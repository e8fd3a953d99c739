package wave

import (
	"context"

	"github.com/vigie-platform/vigie/indicator"
)

// Assigner places newly linked reports in waves. It runs after each
// linking batch (the linker's Then hook), never at intake: a report's
// receipt does not wait for it.
type Assigner struct {
	store     Store
	list      Lister
	opts      indicator.Options
	threshold float64
}

// NewAssigner makes an assigner with the platform's Threshold.
func NewAssigner(store Store, list Lister, opts indicator.Options) *Assigner {
	return &Assigner{store: store, list: list, opts: opts, threshold: Threshold}
}

// WithThreshold returns a copy that joins texts from another similarity,
// for measuring.
func (a *Assigner) WithThreshold(t float64) *Assigner {
	c := *a
	c.threshold = t
	return &c
}

// Keys computes a report's keys with the assigner's list and options.
func (a *Assigner) Keys(p Pending) Keys { return KeysOf(p, a.list, a.opts) }

// Once places up to limit waiting reports and says how many it took.
func (a *Assigner) Once(ctx context.Context, limit int) (int, error) {
	return a.store.AssignWaves(ctx, limit, a.threshold, a.Keys)
}

// Drain places every waiting report, in batches of limit.
func (a *Assigner) Drain(ctx context.Context, limit int) (int, error) {
	total := 0
	for {
		n, err := a.Once(ctx, limit)
		if err != nil {
			return total, err
		}
		total += n
		if n < limit {
			return total, nil
		}
	}
}
