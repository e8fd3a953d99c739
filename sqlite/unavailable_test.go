package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/storage"

	sqlite3 "modernc.org/sqlite"
)

// TestLockedIsUnavailable: while another process holds the write lock
// past the busy timeout, a write fails with storage.ErrUnavailable (and
// the driver's error is still in the chain); once the lock is released,
// the same write goes through.
func TestLockedIsUnavailable(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The writer has one connection, so the setting holds for its next
	// transaction; ten seconds would only make the test slow.
	if _, err := db.write.Exec(`PRAGMA busy_timeout=50`); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("sqlite", dsn(filepath.Join(dir, "vigie.db"), false))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	holder, err := other.BeginTx(ctx, nil) // BEGIN IMMEDIATE: takes the write lock
	if err != nil {
		t.Fatal(err)
	}
	err = db.AddVisits(ctx, time.Now(), 1)
	var driverErr *sqlite3.Error
	if !errors.Is(err, storage.ErrUnavailable) || !errors.As(err, &driverErr) {
		t.Fatalf("write while another process holds the lock: %v, want storage.ErrUnavailable wrapping the driver's error", err)
	}
	if err := holder.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := db.AddVisits(ctx, time.Now(), 1); err != nil {
		t.Fatalf("write once the lock is released: %v", err)
	}
}

// TestEngineUnavailable: the message that a busy database gives once it
// has passed through layers that flattened the driver's error is
// recognised too; other errors are not unavailability.
func TestEngineUnavailable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{errors.New("database is locked (5) (SQLITE_BUSY)"), true},
		{fmt.Errorf("begin: %w", &sqlite3.Error{}), false},
		{errors.New("constraint failed: UNIQUE constraint failed: cases.id (1555)"), false},
	} {
		if got := (engine{}).Unavailable(tc.err); got != tc.want {
			t.Errorf("Unavailable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
