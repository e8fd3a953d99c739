package sqlite

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/keyring"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/taxonomy"
)

// copyFile copies a closed store's database file, as a backup would.
func copyFile(t *testing.T, from, to string) {
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// rawDB opens a database file for raw reads.
func rawDB(t *testing.T, path string) *sql.DB {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// opensWith tries every data key of keys (name → wrapped, under master)
// on the sealed contact of report id; it tells whether one opened it.
func opensWith(master keyring.Wrapper, keys map[string][]byte, id string, sealed []byte) bool {
	for name, wrapped := range keys {
		dek, err := master.Unwrap(wrapped, keyring.AD("data_keys", name))
		if err != nil {
			continue
		}
		if _, err := keyring.Open(dek, sealed, keyring.AD("reports", "contact", id)); err == nil {
			return true
		}
	}
	return false
}

func dataKeys(t *testing.T, db *sql.DB) map[string][]byte {
	rows, err := db.Query(`SELECT name, wrapped FROM data_keys`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var name string
		var wrapped []byte
		if err := rows.Scan(&name, &wrapped); err != nil {
			t.Fatal(err)
		}
		out[name] = wrapped
	}
	return out
}

// TestPurgeShredsBackups: a copy of the database file taken before a
// purge holds the purged report's sealed contact; with the store's key
// table after the purge (every data key it still has, unwrapped with the
// master key), that ciphertext opens under none. The backup's own key
// table still opens it with the same master key (the control, and the
// limit documented in ARCHITECTURE.md); after a rotation, once the old
// master key is destroyed, not even that.
func TestPurgeShredsBackups(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	k1 := testMasterKey(t)
	db, err := Open(ctx, dir, k1)
	if err != nil {
		t.Fatal(err)
	}
	in := report.NewIntake(db, db, taxonomy.Default(), []byte("shred-key"), nil)
	purged, err := in.Submit(ctx, report.Submission{Category: "fraud.scam", Description: "à purger", Name: secretName, Email: secretEmail,
		Channel: report.ChannelWeb, Attachments: []report.Upload{{Filename: "a.txt", Content: secretAttachment}}})
	if err != nil {
		t.Fatal(err)
	}
	kept, err := in.Submit(ctx, report.Submission{Category: "fraud.scam", Description: "gardé", Name: "Autre Personne", Email: "autre@example.fr", Channel: report.ChannelWeb})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	backup := filepath.Join(t.TempDir(), "backup.db")
	copyFile(t, filepath.Join(dir, "vigie.db"), backup)

	db, err = Open(ctx, dir, k1)
	if err != nil {
		t.Fatal(err)
	}
	orphans, err := db.PurgeReports(ctx, []string{purged.ID}, time.Now())
	if err != nil || len(orphans) != 1 {
		t.Fatalf("purge: %v %v", orphans, err)
	}
	if err := db.DeleteBlob(ctx, orphans[0]); err != nil {
		t.Fatal(err)
	}
	db.Close()

	var sealed []byte
	if err := rawDB(t, backup).QueryRow(`SELECT contact FROM reports WHERE id = ?`, purged.ID).Scan(&sealed); err != nil || sealed == nil {
		t.Fatalf("the backup holds no sealed contact: %v", err)
	}
	live := dataKeys(t, rawDB(t, filepath.Join(dir, "vigie.db")))
	if len(live) == 0 {
		t.Fatal("the live store has no data keys left to try")
	}
	if opensWith(k1, live, purged.ID, sealed) {
		t.Error("the purged contact from the backup opens with the key table after the purge")
	}
	// The report that was not purged still opens with the live keys: the
	// check above can succeed.
	var keptSealed []byte
	if err := rawDB(t, backup).QueryRow(`SELECT contact FROM reports WHERE id = ?`, kept.ID).Scan(&keptSealed); err != nil {
		t.Fatal(err)
	}
	if !opensWith(k1, live, kept.ID, keptSealed) {
		t.Error("control: a kept report's contact does not open with the live keys")
	}
	backupKeys := dataKeys(t, rawDB(t, backup))
	if !opensWith(k1, backupKeys, purged.ID, sealed) {
		t.Error("control: the backup's own key table should open it under the master key that wrapped it")
	}

	// Rotation, then the old master key destroyed: the backup's key table
	// is wrapped by a key no one has.
	k2 := testMasterKey(t)
	db, err = Open(ctx, dir, k2, k1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Rewrap(ctx, k2, nil); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if opensWith(k2, backupKeys, purged.ID, sealed) {
		t.Error("after the rotation, the backup's key table opens under the new master key")
	}
	if !opensWith(k2, dataKeys(t, rawDB(t, filepath.Join(dir, "vigie.db"))), kept.ID, keptSealed) {
		t.Error("after the rotation, the new master key does not open the live store's keys")
	}
}
