package storetest

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/audit"
	"golang.org/x/mod/sumdb/tlog"
)

// memHashes is a tree's stored hashes in memory, for the intruder's
// recomputation (Forge).
type memHashes []tlog.Hash

func (m memHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		if idx >= int64(len(m)) {
			return nil, fmt.Errorf("no hash %d", idx)
		}
		out[i] = m[idx]
	}
	return out, nil
}

// testAuditTree: concurrent appends keep one tree, whose head matches the
// entries, and every entry has an inclusion proof that checks.
func testAuditTree(t *testing.T, s Store) {
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 10 {
				if _, err := s.AppendAudit(ctx, audit.Entry{At: time.Now(), Actor: "a", Action: "report.view", ObjectType: "report", ObjectID: fmt.Sprint(w, i), Source: "127.0.0.1"}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	entries, stored, err := s.AuditTreeSize(ctx)
	if err != nil || entries != 40 || stored != tlog.StoredHashCount(40) {
		t.Fatalf("tree size = %d entries, %d hashes, %v", entries, stored, err)
	}
	head, err := audit.Head(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	res, err := audit.VerifyTree(ctx, s, []audit.Checkpoint{{Size: head.N, Root: head.Hash}})
	if err != nil || res.Entries != 40 || res.Root != head.Hash || res.Signed != 40 {
		t.Fatalf("verify = %+v, %v (head %v)", res, err, head)
	}
	for _, size := range []int64{17, 40} {
		for seq := int64(1); seq <= size; seq++ {
			p, err := audit.ProveInclusion(ctx, s, seq, size)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := audit.CheckInclusion(p); err != nil {
				t.Fatalf("entry %d of %d: %v", seq, size, err)
			}
		}
	}
	for _, bad := range [][2]int64{{0, 40}, {41, 40}, {41, 41}} {
		if _, err := audit.ProveInclusion(ctx, s, bad[0], bad[1]); err == nil {
			t.Errorf("entry %d of %d proved", bad[0], bad[1])
		}
	}
}

// AuditTreeUpgrade: entries written before the tree existed (migration
// 0015), as an older version wrote them, join the tree with the next
// append, and the whole trail verifies. blob writes bytes as an SQL
// literal of the engine.
func AuditTreeUpgrade(t *testing.T, open Opener, blob func([]byte) string) {
	s, exec := open(t)
	t.Cleanup(func() { s.Close() })
	var prev *audit.Entry
	for i := range 5 {
		e := audit.Seal(audit.Entry{At: time.Now(), Actor: "cli:old", Action: "token.create", ObjectType: "token", ObjectID: fmt.Sprint(i), Source: "cli"}, prev)
		if err := exec(insertEntry(e, blob)); err != nil {
			t.Fatal(err)
		}
		prev = &e
	}
	if _, stored, err := s.AuditTreeSize(ctx); err != nil || stored != 0 {
		t.Fatalf("before: %d hashes, %v", stored, err)
	}
	appendN(t, s, 2)
	entries, stored, err := s.AuditTreeSize(ctx)
	if err != nil || entries != 7 || stored != tlog.StoredHashCount(7) {
		t.Fatalf("after: %d entries, %d hashes, %v", entries, stored, err)
	}
	if _, err := audit.VerifyTree(ctx, s, nil); err != nil {
		t.Fatal(err)
	}
}

func insertEntry(e audit.Entry, blob func([]byte) string) string {
	q := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	return fmt.Sprintf(`INSERT INTO audit_log (seq, at, actor, action, object_type, object_id, source, detail, prev_hash, hash) VALUES (%d, %d, %s, %s, %s, %s, %s, %s, %s, %s)`,
		e.Seq, e.At.UnixMicro(), q(e.Actor), q(e.Action), q(e.ObjectType), q(e.ObjectID), q(e.Source), q(e.Detail), blob(e.PrevHash), blob(e.Hash))
}

// SQLiteBlob and PostgresBlob write bytes as an SQL literal.
func SQLiteBlob(b []byte) string   { return "X'" + hex.EncodeToString(b) + "'" }
func PostgresBlob(b []byte) string { return `'\x` + hex.EncodeToString(b) + `'::bytea` }

// Forge rewrites the trail as an intruder with write access to the
// database and no signing key would: it reads every entry, lets edit
// remove, alter or reorder them, then renumbers them, recomputes the hash
// chain and the whole stored tree, and replaces both tables through raw
// SQL (exec), so that the trail and its tree agree with each other again.
// The append-only guards must have been dropped.
func Forge(s audit.Store, exec func(string) error, blob func([]byte) string, edit func([]audit.Entry) []audit.Entry) error {
	var entries []audit.Entry
	if err := s.AuditEntries(context.Background(), func(e audit.Entry) error { entries = append(entries, e); return nil }); err != nil {
		return err
	}
	entries = edit(entries)
	stmts := []string{`DELETE FROM audit_tree`, `DELETE FROM audit_log`}
	var tree memHashes
	var prev *audit.Entry
	for i, e := range entries {
		e = audit.Seal(e, prev)
		entries[i] = e
		prev = &entries[i]
		stmts = append(stmts, insertEntry(e, blob))
		hashes, err := tlog.StoredHashes(int64(i), e.Canonical(), tree)
		if err != nil {
			return err
		}
		tree = append(tree, hashes...)
	}
	for i := 0; i < len(tree); i += 100 {
		var rows []string
		for j := i; j < min(i+100, len(tree)); j++ {
			rows = append(rows, fmt.Sprintf("(%d, %s)", j, blob(tree[j][:])))
		}
		stmts = append(stmts, `INSERT INTO audit_tree (idx, hash) VALUES `+strings.Join(rows, ", "))
	}
	for _, q := range stmts {
		if err := exec(q); err != nil {
			return fmt.Errorf("%.80s: %w", q, err)
		}
	}
	return nil
}

// TamperCases are the rewrites that the acceptance of issue 13 lists,
// each done with the chain and the stored tree recomputed (Forge), on a
// trail of 15 entries whose first 10 a checkpoint signed and whose 15 a
// later one did; want is what the error of a check against both
// checkpoints must say.
var TamperCases = []struct {
	Name string
	Edit func([]audit.Entry) []audit.Entry
	Want string
}{
	{"tail cut", func(es []audit.Entry) []audit.Entry { return es[:12] }, "entries removed from the end"},
	{"middle entry removed", func(es []audit.Entry) []audit.Entry { return append(es[:3:3], es[4:]...) }, "the first 10 entries hash to"},
	{"entry altered", func(es []audit.Entry) []audit.Entry { es[3].Actor = "someone-else"; return es }, "the first 10 entries hash to"},
	{"two entries swapped", func(es []audit.Entry) []audit.Entry { es[3], es[4] = es[4], es[3]; return es }, "the first 10 entries hash to"},
}

// TamperTree runs TamperCases against the store: before the rewrite the
// trail verifies against both checkpoints; after it, it still verifies
// without them (the forgery is self-consistent: what catches it is the
// checkpoint), and fails against them, saying why. It also checks that
// the tree's table refuses UPDATE and DELETE until its guards are
// dropped (dropGuards also drops the trail's).
func TamperTree(t *testing.T, open Opener, dropGuards string, blob func([]byte) string) {
	for _, tc := range TamperCases {
		t.Run(tc.Name, func(t *testing.T) {
			s, exec := open(t)
			t.Cleanup(func() { s.Close() })
			appendN(t, s, 10)
			first, err := audit.Head(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			appendN(t, s, 5)
			last, err := audit.Head(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			checkpoints := []audit.Checkpoint{{Size: first.N, Root: first.Hash}, {Size: last.N, Root: last.Hash}}
			if _, err := audit.VerifyTree(ctx, s, checkpoints); err != nil {
				t.Fatalf("intact trail refused: %v", err)
			}
			for _, q := range []string{`UPDATE audit_tree SET hash = hash WHERE idx = 0`, `DELETE FROM audit_tree WHERE idx = 0`} {
				if err := exec(q); err == nil {
					t.Fatalf("the tree's append-only guard let through %s", q)
				}
			}
			if err := exec(dropGuards); err != nil {
				t.Fatal(err)
			}
			if err := Forge(s, exec, blob, tc.Edit); err != nil {
				t.Fatal(err)
			}
			if _, err := audit.VerifyTree(ctx, s, nil); err != nil {
				t.Fatalf("the forgery is not self-consistent, so this case tests nothing of the checkpoints: %v", err)
			}
			_, err = audit.VerifyTree(ctx, s, checkpoints)
			var broken *audit.BrokenError
			if !errors.As(err, &broken) || !strings.Contains(err.Error(), tc.Want) {
				t.Fatalf("verify = %v, want %q", err, tc.Want)
			}
		})
	}
	// An intruder who does not recompute everything is caught by the
	// stored tree alone, at the entry touched.
	lazy := []struct {
		name string
		sql  []string
		want string
	}{
		{"chain recomputed, not the tree", nil, "entry 4: its record hash differs in the stored tree"},
		{"tail cut from the entries only", []string{`DELETE FROM audit_log WHERE seq > 12`}, "the stored tree holds"},
		{"tree node altered", []string{`DELETE FROM audit_tree WHERE idx = 2`, `INSERT INTO audit_tree (idx, hash) VALUES (2, ` + blob(make([]byte, 32)) + `)`}, "the tree node over entries 1–2 differs"},
	}
	for _, tc := range lazy {
		t.Run(tc.name, func(t *testing.T) {
			s, exec := open(t)
			t.Cleanup(func() { s.Close() })
			appendN(t, s, 15)
			if err := exec(dropGuards); err != nil {
				t.Fatal(err)
			}
			if tc.sql == nil { // rewrite entry 4 and the chain after it, keep the tree
				var es []audit.Entry
				if err := s.AuditEntries(ctx, func(e audit.Entry) error { es = append(es, e); return nil }); err != nil {
					t.Fatal(err)
				}
				es[3].Actor = "someone-else"
				tc.sql = []string{`DELETE FROM audit_log WHERE seq >= 4`}
				prev := &es[2]
				for i := 3; i < len(es); i++ {
					es[i] = audit.Seal(es[i], prev)
					prev = &es[i]
					tc.sql = append(tc.sql, insertEntry(es[i], blob))
				}
			}
			for _, q := range tc.sql {
				if err := exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if _, err := audit.VerifyTree(ctx, s, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("verify = %v, want %q", err, tc.want)
			}
		})
	}
}
