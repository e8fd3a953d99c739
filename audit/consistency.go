package audit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// ConsistencyProof shows that the tree New extends the tree Old: its
// first Old.N leaves are Old's (RFC 6962). The server writes one beside
// each checkpoint, from the one it signed before, so that a witness
// holding only checkpoints (no database) can check that each new one
// extends the last it holds.
type ConsistencyProof struct {
	Old, New tlog.Tree
	Hashes   tlog.TreeProof
}

// ProveConsistency proves, from the stored hashes, that the tree new
// extends old.
func ProveConsistency(ctx context.Context, s TreeStore, old, new tlog.Tree) (ConsistencyProof, error) {
	p := ConsistencyProof{Old: old, New: new}
	if old.N < new.N && old.N > 0 {
		h, err := tlog.ProveTree(new.N, old.N, HashReader(ctx, s))
		if err != nil {
			return p, fmt.Errorf("audit: consistency proof %d→%d: %w", old.N, new.N, err)
		}
		p.Hashes = h
	}
	return p, p.Check()
}

// Check checks the proof.
func (p ConsistencyProof) Check() error {
	switch {
	case p.Old.N > p.New.N:
		return fmt.Errorf("audit: the tree shrank from %d to %d entries", p.Old.N, p.New.N)
	case p.Old.N == p.New.N && p.Old.Hash != p.New.Hash:
		return fmt.Errorf("audit: two roots for %d entries: %s and %s", p.Old.N, p.Old.Hash, p.New.Hash)
	case p.Old.N == p.New.N || p.Old.N == 0:
		return nil
	}
	if err := tlog.CheckTree(p.Hashes, p.New.N, p.New.Hash, p.Old.N, p.Old.Hash); err != nil {
		return fmt.Errorf("audit: the tree of %d entries does not extend the tree of %d: %w", p.New.N, p.Old.N, err)
	}
	return nil
}

const consistencyFormat = "vigie-audit-consistency/1"

// Marshal writes the proof as lines: the format, the old size and root,
// the new size and root, then one proof hash a line (base64).
func (p ConsistencyProof) Marshal() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%d\n%s\n%d\n%s\n", consistencyFormat, p.Old.N, p.Old.Hash, p.New.N, p.New.Hash)
	for _, h := range p.Hashes {
		fmt.Fprintf(&b, "%s\n", h)
	}
	return []byte(b.String())
}

// ErrMalformedConsistency is input that is not a consistency proof.
var ErrMalformedConsistency = errors.New("audit: malformed consistency proof")

// ParseConsistencyProof reads what Marshal wrote; Check checks it.
func ParseConsistencyProof(b []byte) (ConsistencyProof, error) {
	bad := func(why string) (ConsistencyProof, error) {
		return ConsistencyProof{}, fmt.Errorf("%w: %s", ErrMalformedConsistency, why)
	}
	if len(b) > 8<<10 || !strings.HasSuffix(string(b), "\n") {
		return bad("too long, or no final newline")
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) < 5 || lines[0] != consistencyFormat {
		return bad("not " + consistencyFormat)
	}
	size := func(s string) (int64, bool) {
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil && n >= 0 && s == strconv.FormatInt(n, 10)
	}
	var p ConsistencyProof
	var ok1, ok2 bool
	var err1, err2 error
	p.Old.N, ok1 = size(lines[1])
	p.Old.Hash, err1 = tlog.ParseHash(lines[2])
	p.New.N, ok2 = size(lines[3])
	p.New.Hash, err2 = tlog.ParseHash(lines[4])
	if !ok1 || !ok2 || err1 != nil || err2 != nil {
		return bad("sizes or roots")
	}
	if len(lines)-5 > 126 {
		return bad("too many hashes")
	}
	for _, l := range lines[5:] {
		h, err := tlog.ParseHash(l)
		if err != nil {
			return bad(fmt.Sprintf("hash %q", l))
		}
		p.Hashes = append(p.Hashes, h)
	}
	return p, nil
}
