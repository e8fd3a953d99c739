package audit

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// The trail is also a Merkle tree (RFC 6962, as Certificate Transparency
// and the Go checksum database), built with golang.org/x/mod/sumdb/tlog:
// entry n (Seq n+1… n is the record index, from 0) is the leaf whose hash
// is RecordHash. The store keeps the tree's stored hashes (tlog's
// numbering, tlog.StoredHashIndex) in the transaction that writes each
// entry, so that a tree head or a proof reads a few dozen hashes, never
// the whole trail.
//
// The hash chain tells which entry was touched when the intruder did not
// recompute it; the tree, against a signed checkpoint kept off the
// machine (checkpoint.go), tells that the trail was cut or rewritten even
// when the chain and the stored tree were recomputed: the first Size
// entries must still hash to the signed root.

// RecordHash is the entry's leaf hash in the tree: the RFC 6962 hash of
// its canonical encoding (which holds the chain's previous hash, so the
// tree covers the chain too).
func RecordHash(e Entry) tlog.Hash {
	return tlog.RecordHash(e.Canonical())
}

// TreeStore is a trail whose store keeps the tree's stored hashes.
type TreeStore interface {
	Store
	// AuditTreeSize reads together (one statement, so one state of the
	// trail) the number of entries and the number of stored hashes.
	AuditTreeSize(ctx context.Context) (entries, hashes int64, err error)
	// AuditTreeHashes reads the stored hashes at the given indexes, in
	// their order (a tlog.HashReader); a missing one is an error.
	AuditTreeHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
	// AuditTreeRange calls fn for each stored hash whose index is in
	// [from, to), in index order.
	AuditTreeRange(ctx context.Context, from, to int64, fn func(index int64, h tlog.Hash) error) error
	// AuditEntry reads entry seq (ErrNoEntry if there is none).
	AuditEntry(ctx context.Context, seq int64) (Entry, error)
}

// ErrNoEntry means the trail has no entry of that number.
var ErrNoEntry = errors.New("audit: no such entry")

// HashReader reads the stored hashes of s, for tlog's proofs.
func HashReader(ctx context.Context, s TreeStore) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		return s.AuditTreeHashes(ctx, indexes)
	})
}

// Head returns the tree of the whole trail as the store keeps it: its
// size and root hash.
func Head(ctx context.Context, s TreeStore) (tlog.Tree, error) {
	n, stored, err := s.AuditTreeSize(ctx)
	if err != nil {
		return tlog.Tree{}, err
	}
	if stored != tlog.StoredHashCount(n) {
		return tlog.Tree{}, fmt.Errorf("audit: the stored tree holds %d hashes, %d entries need %d (run `vigie audit verify`)", stored, n, tlog.StoredHashCount(n))
	}
	return TreeAt(ctx, s, n)
}

// TreeAt returns the tree of the first size entries, from the stored
// hashes.
func TreeAt(ctx context.Context, s TreeStore, size int64) (tlog.Tree, error) {
	h, err := tlog.TreeHash(size, HashReader(ctx, s))
	if err != nil {
		return tlog.Tree{}, fmt.Errorf("audit: tree hash at %d: %w", size, err)
	}
	return tlog.Tree{N: size, Hash: h}, nil
}

// Frontier builds the tree one leaf at a time, keeping only the roots of
// its complete subtrees (at most one per level): enough for the root at
// any size and for the stored hashes each leaf adds, in memory that grows
// with the logarithm of the trail's length.
type Frontier struct {
	size  int64
	nodes []frontierNode // left to right: higher levels first
}

type frontierNode struct {
	level int
	hash  tlog.Hash
}

// StoredHash is a stored hash and its index in tlog's numbering.
type StoredHash struct {
	Index int64
	Hash  tlog.Hash
}

// Size is the number of leaves added.
func (f *Frontier) Size() int64 { return f.size }

// Add appends a leaf and returns the stored hashes it adds, in index
// order: the leaf, then each subtree it completes (what
// tlog.StoredHashes gives, without reading older hashes).
func (f *Frontier) Add(leaf tlog.Hash) []StoredHash {
	n := f.size
	out := []StoredHash{{tlog.StoredHashIndex(0, n), leaf}}
	f.nodes = append(f.nodes, frontierNode{0, leaf})
	for len(f.nodes) >= 2 {
		l, r := f.nodes[len(f.nodes)-2], f.nodes[len(f.nodes)-1]
		if l.level != r.level {
			break
		}
		h := tlog.NodeHash(l.hash, r.hash)
		f.nodes = f.nodes[:len(f.nodes)-2]
		f.nodes = append(f.nodes, frontierNode{l.level + 1, h})
		out = append(out, StoredHash{tlog.StoredHashIndex(l.level+1, n>>(l.level+1)), h})
	}
	f.size++
	return out
}

// Root is the tree hash of the leaves added so far (RFC 6962: the
// complete subtrees folded from the right).
func (f *Frontier) Root() tlog.Hash {
	if len(f.nodes) == 0 {
		return sha256.Sum256(nil) // RFC 6962's hash of the empty tree
	}
	h := f.nodes[len(f.nodes)-1].hash
	for i := len(f.nodes) - 2; i >= 0; i-- {
		h = tlog.NodeHash(f.nodes[i].hash, h)
	}
	return h
}
