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

type pendingKey struct{}

// pending is the entry a change carries and whether a store wrote it.
type pending struct {
	mu      sync.Mutex
	entries []Entry
	written bool
}

// Within runs change with a context that asks the store to write e in the
// change's own transaction. It fails when change fails (the entry was then
// rolled back with it) and when change returned without writing e.
func Within(ctx context.Context, e Entry, change func(ctx context.Context) error) error {
	if e.Source == "" {
		e.Source = SourceFrom(ctx)
	}
	p := &pending{entries: []Entry{e}}
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
	p, _ := ctx.Value(pendingKey{}).(*pending)
	if p == nil {
		return nil, func() {}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.written {
		return nil, func() {}
	}
	return p.entries, func() {
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
