package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"golang.org/x/mod/sumdb/tlog"
)

// errStop ends a walk of the entries early, without error.
var errStop = errors.New("stop")

// compareBatch is how many stored hashes VerifyTree computes before
// reading the stored ones to compare them: one query per batch, and
// memory bounded whatever the trail's length.
const compareBatch = 8192

// VerifyTree checks the whole trail: the hash chain as Verify does, the
// tree rebuilt from the entries against the stored tree (every entry's
// record hash and every node), and the rebuilt tree against each trusted
// checkpoint, whose signature the caller has checked (OpenCheckpoint):
// the first Size entries must hash to the signed root, and the trail must
// still hold at least Size entries. Since the tree is rebuilt from the
// entries themselves, a match proves that today's trail extends the
// signed one (RFC 6962 consistency) without trusting the stored hashes.
//
// A rewrite before a checkpoint's size fails even when the intruder
// recomputed the chain and the stored tree; its error cannot name the
// entry (the original is gone) but says which checkpoint no longer holds.
// Entries after the newest checkpoint are only as safe as the chain until
// the next checkpoint signs them.
func VerifyTree(ctx context.Context, s TreeStore, checkpoints []Checkpoint, anchors ...Anchor) (Result, error) {
	n, stored, err := s.AuditTreeSize(ctx)
	if err != nil {
		return Result{}, err
	}
	// Checkpoints by size, each size's root checked as the walk reaches it.
	want := map[int64][]Checkpoint{}
	for _, c := range checkpoints {
		want[c.Size] = append(want[c.Size], c)
	}
	var (
		c       chain
		f       Frontier
		pending []StoredHash
		signed  int64
	)
	compare := func() error {
		if len(pending) == 0 {
			return nil
		}
		i := 0
		err := s.AuditTreeRange(ctx, pending[0].Index, pending[len(pending)-1].Index+1, func(idx int64, h tlog.Hash) error {
			if idx != pending[i].Index {
				return treeMismatch(pending[i].Index, "is missing from the stored tree")
			}
			if h != pending[i].Hash {
				return treeMismatch(idx, "differs in the stored tree")
			}
			i++
			return nil
		})
		if err != nil {
			return err
		}
		if i < len(pending) {
			return treeMismatch(pending[i].Index, "is missing from the stored tree")
		}
		pending = pending[:0]
		return nil
	}
	err = s.AuditEntries(ctx, func(e Entry) error {
		if e.Seq > n {
			return errStop // appended since the walk began
		}
		if err := c.next(e, anchors); err != nil {
			return err
		}
		pending = append(pending, f.Add(RecordHash(e))...)
		if len(pending) >= compareBatch {
			if err := compare(); err != nil {
				return err
			}
		}
		if cs, ok := want[f.Size()]; ok {
			root := f.Root()
			for _, cp := range cs {
				if cp.Root != root {
					return &BrokenError{Seq: cp.Size, Reason: fmt.Sprintf(
						"the first %d entries hash to %s, the checkpoint of %s signed %s: an entry up to %d was altered, removed, inserted or reordered since (chain and tree recomputed)",
						cp.Size, root, when(cp), cp.Root, cp.Size)}
				}
			}
			signed = f.Size()
		}
		return nil
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	if err == nil {
		err = compare()
	}
	res, err := c.end(err, anchors)
	res.Root, res.Signed = f.Root(), signed
	if err != nil {
		return res, err
	}
	// What the chain cannot see: entries cut from the end.
	if cp := largest(checkpoints); cp.Size > res.Entries {
		return res, &BrokenError{Seq: res.Entries + 1, Reason: fmt.Sprintf(
			"entries removed from the end: the trail holds %d entries, the checkpoint of %s signed %d", res.Entries, when(cp), cp.Size)}
	}
	if res.Entries != n {
		return res, &BrokenError{Seq: res.Entries + 1, Reason: fmt.Sprintf("entry missing (the trail's last entry is %d)", n)}
	}
	if stored > tlog.StoredHashCount(n) {
		return res, &BrokenError{Seq: n + 1, Reason: fmt.Sprintf(
			"entries removed from the end: the stored tree holds %d hashes, %d entries make %d", stored, n, tlog.StoredHashCount(n))}
	}
	return res, nil
}

// treeMismatch names the entry, or the node, at a stored hash index.
func treeMismatch(idx int64, what string) error {
	level, k := tlog.SplitStoredHashIndex(idx)
	if level == 0 {
		return &BrokenError{Seq: k + 1, Reason: "its record hash " + what + " (the entry or the tree was altered)"}
	}
	return &BrokenError{Seq: k<<level + 1, Reason: fmt.Sprintf("the tree node over entries %d–%d %s (the stored tree was altered)", k<<level+1, (k+1)<<level, what)}
}

func when(c Checkpoint) string {
	if c.Time.IsZero() {
		return fmt.Sprintf("size %d", c.Size)
	}
	return c.Time.Format("2006-01-02 15:04:05Z")
}

func largest(cs []Checkpoint) Checkpoint {
	if len(cs) == 0 {
		return Checkpoint{}
	}
	return slices.MaxFunc(cs, func(a, b Checkpoint) int { return int(min(max(a.Size-b.Size, -1), 1)) })
}
