package audit

import (
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

func consistency(t testing.TB, tree memTree, old, new int64) ConsistencyProof {
	oldRoot, err := tlog.TreeHash(old, tree)
	if err != nil {
		t.Fatal(err)
	}
	newRoot, err := tlog.TreeHash(new, tree)
	if err != nil {
		t.Fatal(err)
	}
	p := ConsistencyProof{Old: tlog.Tree{N: old, Hash: oldRoot}, New: tlog.Tree{N: new, Hash: newRoot}}
	if old > 0 && old < new {
		if p.Hashes, err = tlog.ProveTree(new, old, tree); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func TestConsistencyProof(t *testing.T) {
	_, tree := sealed(t, 40)
	for old := int64(0); old <= 40; old++ {
		for new := old; new <= 40; new++ {
			p, err := ParseConsistencyProof(consistency(t, tree, old, new).Marshal())
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Check(); err != nil {
				t.Fatalf("%d→%d: %v", old, new, err)
			}
		}
	}
	other := tlog.RecordHash([]byte("another history"))
	for name, p := range map[string]ConsistencyProof{
		"shrank":                func() ConsistencyProof { p := consistency(t, tree, 20, 30); p.Old, p.New = p.New, p.Old; return p }(),
		"same size, other root": func() ConsistencyProof { p := consistency(t, tree, 20, 20); p.New.Hash = other; return p }(),
		"old root rewritten":    func() ConsistencyProof { p := consistency(t, tree, 13, 30); p.Old.Hash = other; return p }(),
		"new root rewritten":    func() ConsistencyProof { p := consistency(t, tree, 13, 30); p.New.Hash = other; return p }(),
		"proof of other sizes": func() ConsistencyProof {
			p := consistency(t, tree, 13, 30)
			p.Hashes = consistency(t, tree, 12, 30).Hashes
			return p
		}(),
	} {
		if err := p.Check(); err == nil {
			t.Errorf("%s: checked", name)
		}
	}
	for _, bad := range []string{"", "vigie-audit-consistency/1\n1\n", "other/1\n0\n" + other.String() + "\n0\n" + other.String() + "\n",
		"vigie-audit-consistency/1\n01\n" + other.String() + "\n2\n" + other.String() + "\n"} {
		if _, err := ParseConsistencyProof([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func FuzzParseConsistencyProof(f *testing.F) {
	_, tree := sealed(f, 20)
	f.Add(consistency(f, tree, 7, 20).Marshal())
	f.Add(consistency(f, tree, 0, 3).Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseConsistencyProof(b)
		if err != nil {
			return
		}
		q, err := ParseConsistencyProof(p.Marshal())
		if err != nil || q.Old != p.Old || q.New != p.New || len(q.Hashes) != len(p.Hashes) {
			t.Fatalf("%q re-reads as %+v, %v", p.Marshal(), q, err)
		}
		if (p.Check() == nil) != (q.Check() == nil) {
			t.Fatal("the proof and its re-encoding disagree")
		}
	})
}
