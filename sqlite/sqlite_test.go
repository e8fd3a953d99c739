package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/apitoken"
	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/storetest"
	"github.com/vigie-platform/vigie/taxonomy"
	"golang.org/x/mod/sumdb/tlog"
)

// open is the conformance suite's opener: a store in a folder of its own,
// and raw SQL on its writer.
func open(t *testing.T) (storetest.Store, func(string) error) {
	db, err := Open(context.Background(), t.TempDir(), testMasterKey(t))
	if err != nil {
		t.Fatal(err)
	}
	return db, func(q string) error {
		_, err := db.write.Exec(q)
		return err
	}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, open)
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
	storetest.Tamper(t, open, `DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete`)
}

// TestWALRestartsPastItsBound: once the log holds more frames than its
// bound, the checkpointer restarts it on the writer's connection (under
// sustained writes a PASSIVE pass alone may never let the log restart: it
// grew to 14 GB while linking a million reports); under the bound it
// never blocks the writer.
func TestWALRestartsPastItsBound(t *testing.T) {
	for _, tc := range []struct {
		name        string
		bound       int64
		wantRestart bool
	}{
		{"past the bound", walPageSize, true},
		{"under the bound", 1 << 40, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			db, err := Open(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.maxWAL.Store(tc.bound)
			intake := report.NewIntake(db, db, taxonomy.Default(), []byte("k"), nil)
			deadline := time.Now().Add(2500 * time.Millisecond)
			for time.Now().Before(deadline) {
				subs := make([]report.Submission, 100)
				for i := range subs {
					subs[i] = report.Submission{Category: "fraud.scam", Description: strings.Repeat("texte de remplissage ", 40), Anonymous: true, Channel: report.ChannelAPI, TokenName: "t"}
				}
				if _, err := intake.SubmitBatch(context.Background(), subs); err != nil {
					t.Fatal(err)
				}
			}
			if got := db.walRestarts.Load() > 0; got != tc.wantRestart {
				t.Fatalf("log restarted by the checkpointer: %v, want %v", got, tc.wantRestart)
			}
		})
	}
}

// The database and its log files are readable by the server's user alone,
// and a store made with a wider mode is narrowed when opened (issue 13,
// finding 16).
func TestFilesArePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "vigie.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.CreateToken(context.Background(), apitoken.Token{Name: "t", Hash: []byte("h"), CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", filepath.Join(dir, "blobs")} {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		want := os.FileMode(0o600)
		if info.IsDir() {
			want = 0o700
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("%s has mode %v, want %v", filepath.Base(p), got, want)
		}
	}
}

func TestCaseNumberMigration(t *testing.T) {
	s, exec := open(t)
	file, err := migrations.ReadFile("migrations/0019_case_numbers.sql")
	if err != nil {
		t.Fatal(err)
	}
	storetest.CaseNumberBackfill(t, s, exec, string(file))
}

func TestAuditTreeTamper(t *testing.T) {
	storetest.TamperTree(t, open, `DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; DROP TRIGGER audit_tree_no_update; DROP TRIGGER audit_tree_no_delete`, storetest.SQLiteBlob)
}

func TestAuditTreeUpgrade(t *testing.T) {
	storetest.AuditTreeUpgrade(t, open, storetest.SQLiteBlob)
}

// TestAuditTreeBuiltAtOpen: a store whose trail an older version wrote
// (entries, no tree) gets its tree when it opens, before any append, so
// that it verifies and can be checkpointed at once.
func TestAuditTreeBuiltAtOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	var prev *audit.Entry
	for i := range 9 {
		e := audit.Seal(audit.Entry{At: time.Now(), Actor: "cli:old", Action: "token.create", ObjectType: "token", ObjectID: fmt.Sprint(i), Source: "cli"}, prev)
		if _, err := db.write.Exec(`INSERT INTO audit_log (seq, at, actor, action, object_type, object_id, source, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)`,
			e.Seq, e.At.UnixMicro(), e.Actor, e.Action, e.ObjectType, e.ObjectID, e.Source, e.Detail, e.PrevHash, e.Hash); err != nil {
			t.Fatal(err)
		}
		prev = &e
	}
	db.Close()
	db, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, stored, err := db.AuditTreeSize(ctx); err != nil || n != 9 || stored != tlog.StoredHashCount(9) {
		t.Fatalf("after reopening: %d entries, %d hashes, %v", n, stored, err)
	}
	if _, err := audit.VerifyTree(ctx, db, nil); err != nil {
		t.Fatal(err)
	}
}

// Two handles on one database stand for two instances: a bank change
// made through one matches through the other within 10 s.
func TestBankInstances(t *testing.T) {
	dir := t.TempDir()
	key := testMasterKey(t)
	a, err := Open(context.Background(), dir, key)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(context.Background(), dir, key)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	storetest.RunBankInstances(t, a, b)
}
