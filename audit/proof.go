package audit

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// InclusionProof shows a second party that one entry, as it reads it, is
// entry Seq of the tree of TreeSize entries whose root is Root. With the
// signed checkpoint of that tree, it needs nothing but the installation's
// verifier key to check (CheckInclusion): no access to the database.
type InclusionProof struct {
	Entry    Entry
	TreeSize int64
	Root     tlog.Hash
	Hashes   tlog.RecordProof
	// Checkpoint is the signed checkpoint of TreeSize entries, if the
	// proof was made against one; without it, Root is only the store's
	// word and must be compared with a checkpoint of the same size.
	Checkpoint []byte
}

// ProveInclusion proves entry seq against the tree of the first size
// entries, from the stored hashes.
func ProveInclusion(ctx context.Context, s TreeStore, seq, size int64) (InclusionProof, error) {
	if seq < 1 || seq > size {
		return InclusionProof{}, fmt.Errorf("audit: entry %d is not in a tree of %d entries", seq, size)
	}
	e, err := s.AuditEntry(ctx, seq)
	if err != nil {
		return InclusionProof{}, err
	}
	tree, err := TreeAt(ctx, s, size)
	if err != nil {
		return InclusionProof{}, err
	}
	p, err := tlog.ProveRecord(size, seq-1, HashReader(ctx, s))
	if err != nil {
		return InclusionProof{}, fmt.Errorf("audit: prove entry %d: %w", seq, err)
	}
	proof := InclusionProof{Entry: e, TreeSize: size, Root: tree.Hash, Hashes: p}
	// The store's own entry must be what the tree holds: a proof of an
	// entry altered in place would fail only at the second party.
	if err := proof.check(); err != nil {
		return InclusionProof{}, fmt.Errorf("audit: entry %d does not match the stored tree: %w", seq, err)
	}
	return proof, nil
}

// proofJSON is the proof's exchange format: plain JSON that another tool
// can check with any RFC 6962 implementation (the record hash is SHA-256
// of 0x00 then the entry's canonical encoding, given in hex).
type proofJSON struct {
	Format     string      `json:"format"`
	Entry      entryJSON   `json:"entry"`
	Record     string      `json:"record"` // hex of Entry.Canonical()
	TreeSize   int64       `json:"tree_size"`
	Root       tlog.Hash   `json:"root"`
	Hashes     []tlog.Hash `json:"proof"`
	Checkpoint string      `json:"checkpoint,omitempty"`
}

type entryJSON struct {
	Seq        int64  `json:"seq"`
	AtMicros   int64  `json:"at_us"`
	At         string `json:"at"` // for people; at_us is what is hashed
	Actor      string `json:"actor"`
	Action     string `json:"action"`
	ObjectType string `json:"object_type"`
	ObjectID   string `json:"object_id"`
	Source     string `json:"source"`
	Detail     string `json:"detail"`
	PrevHash   string `json:"prev_hash"`
	Hash       string `json:"hash"`
}

const proofFormat = "vigie-audit-inclusion-proof/1"

// maxProof bounds a proof read back: an entry's detail and 63 hashes.
const maxProof = 1 << 20

// Marshal encodes the proof as indented JSON.
func (p InclusionProof) Marshal() ([]byte, error) {
	e := p.Entry
	j := proofJSON{
		Format: proofFormat,
		Entry: entryJSON{Seq: e.Seq, AtMicros: e.At.UnixMicro(), At: e.At.UTC().Format(time.RFC3339Nano), Actor: e.Actor, Action: e.Action,
			ObjectType: e.ObjectType, ObjectID: e.ObjectID, Source: e.Source, Detail: e.Detail,
			PrevHash: hex.EncodeToString(e.PrevHash), Hash: hex.EncodeToString(e.Hash)},
		Record:     hex.EncodeToString(e.Canonical()),
		TreeSize:   p.TreeSize,
		Root:       p.Root,
		Hashes:     p.Hashes,
		Checkpoint: string(p.Checkpoint),
	}
	if j.Hashes == nil {
		j.Hashes = []tlog.Hash{}
	}
	b, err := json.MarshalIndent(j, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ErrMalformedProof is input that is not an inclusion proof.
var ErrMalformedProof = errors.New("audit: malformed inclusion proof")

// ParseInclusionProof reads what Marshal wrote. It checks the form only;
// CheckInclusion checks the proof.
func ParseInclusionProof(b []byte) (InclusionProof, error) {
	bad := func(why string) (InclusionProof, error) {
		return InclusionProof{}, fmt.Errorf("%w: %s", ErrMalformedProof, why)
	}
	if len(b) > maxProof {
		return bad("too long")
	}
	var j proofJSON
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&j); err != nil {
		return bad(err.Error())
	}
	if d.More() {
		return bad("text after the proof")
	}
	if j.Format != proofFormat {
		return bad(fmt.Sprintf("format %q, want %q", j.Format, proofFormat))
	}
	prev, err1 := hex.DecodeString(j.Entry.PrevHash)
	hash, err2 := hex.DecodeString(j.Entry.Hash)
	if err1 != nil || err2 != nil {
		return bad("entry hashes are not hex")
	}
	e := Entry{Seq: j.Entry.Seq, At: time.UnixMicro(j.Entry.AtMicros).UTC(), Actor: j.Entry.Actor, Action: j.Entry.Action,
		ObjectType: j.Entry.ObjectType, ObjectID: j.Entry.ObjectID, Source: j.Entry.Source, Detail: j.Entry.Detail,
		PrevHash: prev, Hash: hash}
	if j.Entry.Seq < 1 || j.TreeSize < j.Entry.Seq || len(j.Hashes) > 63 {
		return bad(fmt.Sprintf("entry %d in a tree of %d with %d proof hashes", j.Entry.Seq, j.TreeSize, len(j.Hashes)))
	}
	// The record is redundant with the entry, for other tools; it must
	// say the same, or a reader of one would be shown another.
	if j.Record != hex.EncodeToString(e.Canonical()) {
		return bad("the record does not encode the entry")
	}
	return InclusionProof{Entry: e, TreeSize: j.TreeSize, Root: j.Root, Hashes: j.Hashes, Checkpoint: []byte(j.Checkpoint)}, nil
}

// check proves the entry against Root, and its chain hash against its
// content.
func (p InclusionProof) check() error {
	if !bytes.Equal(Hash(p.Entry), p.Entry.Hash) {
		return errors.New("the entry's content does not match its chain hash")
	}
	if err := tlog.CheckRecord(p.Hashes, p.TreeSize, p.Root, p.Entry.Seq-1, RecordHash(p.Entry)); err != nil {
		return fmt.Errorf("entry %d is not in the tree of %d entries with root %s: %w", p.Entry.Seq, p.TreeSize, p.Root, err)
	}
	return nil
}

// CheckInclusion checks a proof: the entry against the root, and, when
// the proof carries a checkpoint, the checkpoint's signature with the
// verifiers and that it signed that root at that size. It returns the
// checkpoint, or nil when the proof has none (the root is then unsigned).
func CheckInclusion(p InclusionProof, verifiers ...note.Verifier) (*Checkpoint, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	if len(p.Checkpoint) == 0 {
		return nil, nil
	}
	if len(verifiers) == 0 {
		return nil, errors.New("audit: the proof carries a checkpoint: give the installation's verifier key to check it")
	}
	c, err := OpenCheckpoint(p.Checkpoint, verifiers...)
	if err != nil {
		return nil, err
	}
	if c.Size != p.TreeSize || c.Root != p.Root {
		return nil, fmt.Errorf("audit: the checkpoint signed %d entries with root %s, the proof is for %d with root %s", c.Size, c.Root, p.TreeSize, p.Root)
	}
	return &c, nil
}
