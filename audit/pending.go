package audit

import (
	"context"
	"errors"
	"sync"
)

// An audited change and its entry are one transaction: the entry cannot be
// lost after the change has committed, and a trail that cannot take the
// entry fails the change. The service that makes the change says what to
// record (Within); the store writes the entry in the change's transaction
// (Pending). The context carries the entry between the two so that every
// store method keeps its signature, whichever service calls it.

// ErrNotRecorded means a change committed without writing the entry it
// carried: the store method used does not take part in audited changes.
// It is a defect of the code, never of the input, and the tests catch it.
var ErrNotRecorded = errors.New("audit: the change committed without its audit entry")

// ErrUnwritten means the trail could not take an entry: the act it
// records did not happen (a change was rolled back, a read returned no
// data). Stores wrap their audit write errors with it, so that callers
// can tell a trail that refuses from any other failure.
var ErrUnwritten = errors.New("audit: the trail could not take the entry")

type pendingKey struct{}

// pending is the entry a change carries and whether a store wrote it.
type pending struct {
	mu      sync.Mutex
	entries func(Outcome) []Entry
	source  string
	written bool
}

// Outcome is what only the change itself knows when it commits, for
// entries that record it: the object it picked (the report an analyst
// took from the queue) and how many objects it changed.
type Outcome struct {
	ObjectID string
	Changed  int
	// IDs are the objects changed, for a change recorded one entry per
	// object (WithinEach).
	IDs []string
}

// Within runs change with a context that asks the store to write e in the
// change's own transaction. It fails when change fails (the entry was then
// rolled back with it) and when change returned without writing e.
func Within(ctx context.Context, e Entry, change func(ctx context.Context) error) error {
	return WithinOutcome(ctx, func(Outcome) Entry { return e }, change)
}

// WithinOutcome is Within for an entry that depends on what the change
// did: the store calls entry, inside the transaction, with the outcome.
func WithinOutcome(ctx context.Context, entry func(Outcome) Entry, change func(ctx context.Context) error) error {
	return WithinEach(ctx, func(o Outcome) []Entry { return []Entry{entry(o)} }, change)
}

// WithinEach is WithinOutcome for a change recorded by several entries in
// its transaction: a decision on a wave, one entry per report it decided.
// entries must return at least one entry whatever the outcome, so that
// the act is recorded even when it changed nothing.
func WithinEach(ctx context.Context, entries func(Outcome) []Entry, change func(ctx context.Context) error) error {
	p := &pending{entries: entries, source: SourceFrom(ctx)}
	if err := change(context.WithValue(ctx, pendingKey{}, p)); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.written {
		return ErrNotRecorded
	}
	return nil
}

// Pending returns the entries that a store must write in the transaction
// it is about to commit, and done, which the store calls once that
// transaction has committed. Entries already written by an earlier
// transaction of the same change are not returned again. Without a
// pending entry, it returns nil and a done that does nothing.
func Pending(ctx context.Context) (entries []Entry, done func()) {
	return PendingOutcome(ctx, Outcome{})
}

// PendingOutcome is Pending for a change that knows its outcome; the
// entry is completed with it.
func PendingOutcome(ctx context.Context, o Outcome) (entries []Entry, done func()) {
	p, _ := ctx.Value(pendingKey{}).(*pending)
	if p == nil {
		return nil, func() {}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.written {
		return nil, func() {}
	}
	es := p.entries(o)
	for i := range es {
		if es[i].Source == "" {
			es[i].Source = p.source
		}
	}
	return es, func() {
		p.mu.Lock()
		p.written = true
		p.mu.Unlock()
	}
}

type sourceKey struct{}

// WithSource says where the acts done with ctx come from: the client's
// address for a request, "cli" for a command. Within fills each entry's
// Source from it.
func WithSource(ctx context.Context, source string) context.Context {
	return context.WithValue(ctx, sourceKey{}, source)
}

// SourceFrom returns what WithSource set, or "".
func SourceFrom(ctx context.Context) string {
	s, _ := ctx.Value(sourceKey{}).(string)
	return s
}
