package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/audit"
)

func appendN(t *testing.T, s Store, n int) {
	t.Helper()
	for i := range n {
		if _, err := s.AppendAudit(ctx, audit.Entry{At: time.Now(), Actor: "cli:test", Action: "token.create",
			ObjectType: "token", ObjectID: fmt.Sprint(i), Source: "cli", Detail: `{"i":` + fmt.Sprint(i) + `}`}); err != nil {
			t.Fatal(err)
		}
	}
}

func testAuditChain(t *testing.T, s Store) {
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				if _, err := s.AppendAudit(ctx, audit.Entry{At: time.Now(), Actor: "a", Action: "report.view", ObjectType: "report", ObjectID: fmt.Sprint(i), Source: "127.0.0.1"}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	res, err := audit.Verify(ctx, s)
	if err != nil || res.Entries != 40 || len(res.Head) != 32 {
		t.Fatalf("verify = %+v, %v", res, err)
	}
}

// Tamper checks that the trail refuses changes through SQL, and that
// changes made anyway (guards dropped by hand) are caught by Verify at the
// right entry. exec runs raw SQL on the store's database; dropGuards is
// the SQL that removes the append-only triggers.
func Tamper(t *testing.T, open Opener, dropGuards string) {
	cases := []struct {
		name    string
		sql     []string
		wantSeq int64
		reason  string
	}{
		{"altered", []string{`UPDATE audit_log SET actor = 'intruder' WHERE seq = 3`}, 3, "altered"},
		{"removed", []string{`DELETE FROM audit_log WHERE seq = 3`}, 3, "missing"},
		{"reordered", []string{`UPDATE audit_log SET seq = 102 WHERE seq = 2`, `UPDATE audit_log SET seq = 2 WHERE seq = 3`, `UPDATE audit_log SET seq = 3 WHERE seq = 102`}, 2, "does not follow"},
		{"first removed", []string{`DELETE FROM audit_log WHERE seq = 1`}, 1, "missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, exec := open(t)
			t.Cleanup(func() { s.Close() })
			appendN(t, s, 5)
			if err := exec(`UPDATE audit_log SET actor = 'x' WHERE seq = 1`); err == nil {
				t.Fatal("the append-only guard let an UPDATE through")
			}
			if err := exec(`DELETE FROM audit_log WHERE seq = 1`); err == nil {
				t.Fatal("the append-only guard let a DELETE through")
			}
			if _, err := audit.Verify(ctx, s); err != nil {
				t.Fatalf("intact trail refused: %v", err)
			}
			if err := exec(dropGuards); err != nil {
				t.Fatal(err)
			}
			for _, q := range tc.sql {
				if err := exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			_, err := audit.Verify(ctx, s)
			var broken *audit.BrokenError
			if !errors.As(err, &broken) || broken.Seq != tc.wantSeq || !strings.Contains(broken.Reason, tc.reason) {
				t.Fatalf("verify = %v, want a break at %d (%s)", err, tc.wantSeq, tc.reason)
			}
		})
	}
}
