package sqlite

import (
	"context"
	"testing"

	"github.com/vigie-platform/vigie/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		db, err := Open(context.Background(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}

func TestReopenKeepsData(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AddVisits(ctx, mustDay("2026-01-01"), 3); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(ctx, dir) // migrations run again and must be a no-op
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v, err := db.Visits(ctx, mustDay("2026-01-01"), mustDay("2026-01-01"))
	if err != nil || v["2026-01-01"] != 3 {
		t.Fatalf("visits after reopen = %v, %v", v, err)
	}
}

func TestBlobRejectsBadHash(t *testing.T) {
	db, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, sha := range []string{"../../etc/passwd", "ABC", ""} {
		if err := db.PutBlob(context.Background(), sha, []byte("x")); err == nil {
			t.Errorf("PutBlob(%q) accepted", sha)
		}
	}
}

func TestAuditTamper(t *testing.T) {
	storetest.Tamper(t, func(t *testing.T) (storetest.Store, func(string) error) {
		dir := t.TempDir()
		db, err := Open(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		return db, func(q string) error {
			_, err := db.write.Exec(q)
			return err
		}
	}, `DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete`)
}
