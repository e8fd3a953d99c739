// Package audit is the tamper-evident trail of who did what, when, from
// where, to which object. Entries are hash-chained: each one holds the hash
// of the one before, so that changing, removing or reordering an entry
// breaks the chain from that entry on, and Verify names where. They are
// also the leaves of a Merkle tree (tree.go) whose signed checkpoints,
// kept off the database (checkpoint.go), catch what the chain cannot: the
// newest entries cut off, or the chain and tree recomputed after a
// rewrite (VerifyTree), and prove one entry to a second party (proof.go).
package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/tlog"
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

// Canonical is the entry's one encoding: the previous hash, the
// number, the time and every text field, each variable-length field
// length-prefixed, so that no two entries encode alike. Its SHA-256 is
// the chain's hash (Hash) and its RFC 6962 record hash is the entry's
// leaf in the Merkle tree (RecordHash).
func (e Entry) Canonical() []byte {
	n := 8 + len(e.PrevHash) + 16
	fields := [...]string{e.Actor, e.Action, e.ObjectType, e.ObjectID, e.Source, e.Detail}
	for _, f := range fields {
		n += 8 + len(f)
	}
	b := make([]byte, 0, n)
	b = binary.BigEndian.AppendUint64(b, uint64(len(e.PrevHash)))
	b = append(b, e.PrevHash...)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Seq))
	b = binary.BigEndian.AppendUint64(b, uint64(e.At.UnixMicro()))
	for _, f := range fields {
		b = binary.BigEndian.AppendUint64(b, uint64(len(f)))
		b = append(b, f...)
	}
	return b
}

// Hash computes an entry's chain hash from its fields and the previous
// hash: the SHA-256 of its canonical encoding.
func Hash(e Entry) []byte {
	h := sha256.Sum256(e.Canonical())
	return h[:]
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
	// Root is the tree hash of the whole trail, and Signed the size of
	// the largest checkpoint that it was proved to extend (VerifyTree).
	Root   tlog.Hash
	Signed int64
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
// It checks the hash chain only; VerifyTree checks the tree and signed
// checkpoints too, which catch a chain recomputed by the intruder.
func Verify(ctx context.Context, s Store, anchors ...Anchor) (Result, error) {
	var c chain
	err := s.AuditEntries(ctx, func(e Entry) error {
		return c.next(e, anchors)
	})
	return c.end(err, anchors)
}

// chain checks entries one by one, in Seq order, against the one before.
type chain struct {
	res  Result
	prev *Entry
}

func (c *chain) next(e Entry, anchors []Anchor) error {
	for _, a := range anchors {
		if a.Seq == e.Seq && !bytes.Equal(a.Hash, e.Hash) {
			return &BrokenError{Seq: e.Seq, Reason: "differs from the anchored entry (the trail was rewritten)"}
		}
	}
	want := int64(1)
	if c.prev != nil {
		want = c.prev.Seq + 1
	}
	switch {
	case e.Seq != want:
		return &BrokenError{Seq: want, Reason: fmt.Sprintf("entry missing (next stored entry is %d)", e.Seq)}
	case c.prev == nil && !bytes.Equal(e.PrevHash, make([]byte, sha256.Size)):
		return &BrokenError{Seq: e.Seq, Reason: "first entry does not start the chain"}
	case c.prev != nil && !bytes.Equal(e.PrevHash, c.prev.Hash):
		return &BrokenError{Seq: e.Seq, Reason: "does not follow the entry before it (reordered or replaced)"}
	case !bytes.Equal(Hash(e), e.Hash):
		return &BrokenError{Seq: e.Seq, Reason: "content does not match its hash (altered)"}
	}
	c.res.Entries++
	c.res.Head = e.Hash
	cp := e
	c.prev = &cp
	return nil
}

func (c *chain) end(err error, anchors []Anchor) (Result, error) {
	var broken *BrokenError
	if errors.As(err, &broken) {
		return c.res, broken
	}
	if err != nil {
		return c.res, err
	}
	var maxAnchor int64
	for _, a := range anchors {
		maxAnchor = max(maxAnchor, a.Seq)
	}
	if c.res.Entries < maxAnchor {
		return c.res, &BrokenError{Seq: c.res.Entries + 1, Reason: fmt.Sprintf("entries removed from the end: the trail stops at %d, an anchor names entry %d", c.res.Entries, maxAnchor)}
	}
	return c.res, nil
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
