// Package audit is the tamper-evident trail of who did what, when, from
// where, to which object. Entries are hash-chained: each one holds the hash
// of the one before, so that changing, removing or reordering an entry
// breaks the chain from that entry on, and Verify names where.
package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Entry is one audited act.
type Entry struct {
	Seq        int64     // 1, 2, 3… with no gap
	At         time.Time // UTC, microseconds
	Actor      string    // user, token or "cli:<name>"
	Action     string    // e.g. token.create, report.view, login.failed
	ObjectType string
	ObjectID   string
	Source     string // client address or "cli"
	Detail     string // JSON, may be empty
	PrevHash   []byte
	Hash       []byte
}

// Store appends entries and reads them back in order.
type Store interface {
	// AppendAudit assigns the next Seq, chains the entry to the last one
	// and stores it, atomically with respect to other appenders.
	AppendAudit(ctx context.Context, e Entry) (Entry, error)
	// AuditEntries calls fn for each entry in Seq order.
	AuditEntries(ctx context.Context, fn func(Entry) error) error
}

// Hash computes an entry's hash from its fields and the previous hash.
// Every field is length-prefixed, so no two entries encode alike.
func Hash(e Entry) []byte {
	h := sha256.New()
	var buf [8]byte
	writeField := func(b []byte) {
		binary.BigEndian.PutUint64(buf[:], uint64(len(b)))
		h.Write(buf[:])
		h.Write(b)
	}
	writeField(e.PrevHash)
	binary.BigEndian.PutUint64(buf[:], uint64(e.Seq))
	h.Write(buf[:])
	binary.BigEndian.PutUint64(buf[:], uint64(e.At.UnixMicro()))
	h.Write(buf[:])
	for _, s := range []string{e.Actor, e.Action, e.ObjectType, e.ObjectID, e.Source, e.Detail} {
		writeField([]byte(s))
	}
	return h.Sum(nil)
}

// Seal fills in an entry's chain fields, given the entry before it (nil
// for the first).
func Seal(e Entry, prev *Entry) Entry {
	e.At = e.At.UTC().Truncate(time.Microsecond)
	if prev == nil {
		e.Seq, e.PrevHash = 1, make([]byte, sha256.Size)
	} else {
		e.Seq, e.PrevHash = prev.Seq+1, prev.Hash
	}
	e.Hash = Hash(e)
	return e
}

// BrokenError says which entry is the first that does not verify, and why.
type BrokenError struct {
	Seq    int64
	Reason string
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("audit trail broken at entry %d: %s", e.Seq, e.Reason)
}

// Result sums up a verified trail.
type Result struct {
	Entries int64
	Head    []byte // hash of the last entry
}

// Anchor is a head of the trail written down outside the database (see
// `vigie audit verify --anchor`). The chain alone cannot show that its
// newest entries were cut off; an anchor can, since the entry it names
// must still be there with the same hash.
type Anchor struct {
	Seq  int64
	Hash []byte
}

// Verify walks the whole trail and returns the first break: an entry whose
// content does not match its hash (altered), a gap in the numbering
// (removed), a link to the wrong predecessor (reordered or replaced), or
// an anchored entry that is gone or different (the tail cut or rewritten).
func Verify(ctx context.Context, s Store, anchors ...Anchor) (Result, error) {
	var res Result
	var prev *Entry
	want := map[int64][]byte{}
	var maxAnchor int64
	for _, a := range anchors {
		want[a.Seq] = a.Hash
		maxAnchor = max(maxAnchor, a.Seq)
	}
	err := s.AuditEntries(ctx, func(e Entry) error {
		if h, ok := want[e.Seq]; ok && !bytes.Equal(h, e.Hash) {
			return &BrokenError{Seq: e.Seq, Reason: "differs from the anchored entry (the trail was rewritten)"}
		}
		want := int64(1)
		if prev != nil {
			want = prev.Seq + 1
		}
		switch {
		case e.Seq != want:
			return &BrokenError{Seq: want, Reason: fmt.Sprintf("entry missing (next stored entry is %d)", e.Seq)}
		case prev == nil && !bytes.Equal(e.PrevHash, make([]byte, sha256.Size)):
			return &BrokenError{Seq: e.Seq, Reason: "first entry does not start the chain"}
		case prev != nil && !bytes.Equal(e.PrevHash, prev.Hash):
			return &BrokenError{Seq: e.Seq, Reason: "does not follow the entry before it (reordered or replaced)"}
		case !bytes.Equal(Hash(e), e.Hash):
			return &BrokenError{Seq: e.Seq, Reason: "content does not match its hash (altered)"}
		}
		res.Entries++
		res.Head = e.Hash
		cp := e
		prev = &cp
		return nil
	})
	var broken *BrokenError
	if errors.As(err, &broken) {
		return res, broken
	}
	if err == nil && res.Entries < maxAnchor {
		return res, &BrokenError{Seq: res.Entries + 1, Reason: fmt.Sprintf("entries removed from the end: the trail stops at %d, an anchor names entry %d", res.Entries, maxAnchor)}
	}
	return res, err
}

// Filter selects entries for the auditors' viewer. Zero values mean "any".
type Filter struct {
	Actor      string
	Action     string // exact, or a prefix ending in "." (e.g. "login.")
	ObjectType string
	ObjectID   string
	From, To   time.Time
	BeforeSeq  int64 // for the next page: entries older than this one
	Limit      int
}

// Reader finds entries, newest first.
type Reader interface {
	FindAudit(ctx context.Context, f Filter) ([]Entry, error)
}
