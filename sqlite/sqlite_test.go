package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/storetest"
	"github.com/vigie-platform/vigie/taxonomy"
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

// TestWALIsCutPastItsBound: once the log holds more than its bound, the
// checkpointer truncates it on the writer's connection (a PASSIVE pass
// alone never shrinks the file; under sustained writes it may never even
// restart the log, which grew to 14 GB while linking a million reports).
func TestWALIsCutPastItsBound(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.maxWAL.Store(walPageSize)
	intake := report.NewIntake(db, db, taxonomy.Default(), []byte("k"), nil)
	subs := make([]report.Submission, 500)
	for i := range subs {
		subs[i] = report.Submission{Category: "fraud.scam", Description: strings.Repeat("texte de remplissage ", 40), Anonymous: true, Channel: report.ChannelAPI, TokenName: "t"}
	}
	if _, err := intake.SubmitBatch(context.Background(), subs); err != nil {
		t.Fatal(err)
	}
	wal := filepath.Join(dir, "vigie.db-wal")
	if fi, err := os.Stat(wal); err != nil || fi.Size() < 256<<10 {
		t.Fatalf("the log should hold the batch: %v %v", fi, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		fi, err := os.Stat(wal)
		if err == nil && fi.Size() == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the log was not cut: %v %v", fi.Size(), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
