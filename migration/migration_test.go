package migration

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	_ "modernc.org/sqlite"
)

var dialect = Dialect{
	Table:   `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
	Applied: `SELECT count(*) FROM schema_migrations WHERE version = ?`,
	Record:  `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 0)`,
}

func open(t *testing.T) *sql.DB {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func applied(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// TestApplyInOrderOnce: steps run by version, not by name, and a second
// run (a restart) applies nothing again.
func TestApplyInOrderOnce(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	fsys := fstest.MapFS{
		"0002_b.sql": {Data: []byte(`INSERT INTO t (v) VALUES ('b');`)},
		"0001_a.sql": {Data: []byte(`CREATE TABLE t (v TEXT); INSERT INTO t (v) VALUES ('a');`)},
		"README":     {Data: []byte(`not a step`)},
	}
	locks := 0
	d := dialect
	d.Lock = func(ctx context.Context, conn *sql.Conn) (func(), error) {
		locks++
		return func() { locks-- }, nil
	}
	for range 2 {
		if err := Apply(ctx, db, fsys, d); err != nil {
			t.Fatal(err)
		}
		if locks != 0 {
			t.Fatal("the lock was not released")
		}
	}
	if got := strings.Join(applied(t, db), " "); got != "0001_a.sql 0002_b.sql" {
		t.Fatalf("applied %s", got)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM t`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("rows = %d %v, want each step once", n, err)
	}
}

// TestApplyStopsAtAFailingStep: a step that fails leaves nothing of
// itself, is not recorded, stops the run, and is tried again next time.
func TestApplyStopsAtAFailingStep(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	fsys := fstest.MapFS{
		"0001_a.sql":   {Data: []byte(`CREATE TABLE t (v TEXT);`)},
		"0002_bad.sql": {Data: []byte(`CREATE TABLE half (v TEXT); INSERT INTO nowhere VALUES (1);`)},
		"0003_c.sql":   {Data: []byte(`INSERT INTO t (v) VALUES ('c');`)},
	}
	err := Apply(ctx, db, fsys, dialect)
	if err == nil || !strings.Contains(err.Error(), "0002_bad.sql") {
		t.Fatalf("apply with a failing step: %v", err)
	}
	if got := strings.Join(applied(t, db), " "); got != "0001_a.sql" {
		t.Fatalf("applied %s", got)
	}
	if err := db.QueryRow(`SELECT 1 FROM half`).Scan(new(int)); err == nil || !strings.Contains(err.Error(), "no such table") {
		t.Fatalf("the failed step left its table behind: %v", err)
	}
	fsys["0002_bad.sql"] = &fstest.MapFile{Data: []byte(`CREATE TABLE half (v TEXT);`)}
	if err := Apply(ctx, db, fsys, dialect); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(applied(t, db), " "); got != "0001_a.sql 0002_bad.sql 0003_c.sql" {
		t.Fatalf("applied after the fix %s", got)
	}
}

func TestListRejectsBadNames(t *testing.T) {
	for _, fsys := range []fstest.MapFS{
		{"init.sql": {}},
		{"0001_a.sql": {}, "1_b.sql": {}},
	} {
		if _, err := List(fsys); err == nil {
			t.Errorf("List(%v) accepted", fsys)
		}
	}
}
