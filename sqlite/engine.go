package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/vigie-platform/vigie/migration"
	"github.com/vigie-platform/vigie/sqlstore"

	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"
)

// engine is SQLite's side of the shared SQL: one writer at a time, FTS5
// tables for text, and a planner without statistics.
type engine struct{}

var _ sqlstore.Engine = engine{}

// Rebind keeps the ? placeholders, which SQLite reads as they are.
func (engine) Rebind(query string) string { return query }

// SerialLock has nothing to take: the writer's transactions begin
// IMMEDIATE on its one connection, so they already run one at a time.
func (engine) SerialLock(context.Context, *sql.Tx, int64) error { return nil }

// ClaimSuffix is empty: with one writer, the transaction that claims rows
// is the only one that could.
func (engine) ClaimSuffix(string) string { return "" }

// SubqueryFence is empty: SQLite already probes EXISTS per outer row.
func (engine) SubqueryFence() string { return "" }

// FilterOnly puts SQLite's unary plus on the term. Without it, an UPDATE
// of 500 reports by id with "triage IN ('new', 'assigned')" walked the
// queue index over every new report (the whole demo backlog at a million
// reports took 2 min 45 s, nearly all of it there).
func (engine) FilterOnly(term string) string { return "+(" + term + ")" }

// SingleWriter is true: the writer's transactions begin IMMEDIATE on
// its one connection.
func (engine) SingleWriter() bool { return true }

// AsyncCommit does nothing in the transaction: SQLite sets durability per
// connection, and the adapter's LinkPending lowers it around the linker's
// transaction instead (see DB.LinkPending).
func (engine) AsyncCommit(context.Context, *sql.Tx) error { return nil }

func (engine) IsUniqueViolation(err error) bool {
	var e *sqlite3.Error
	return errors.As(err, &e) && (e.Code() == sqlite3lib.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3lib.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// Unavailable is true of a database still locked by another process once
// the busy timeout has run out (SQLITE_BUSY, SQLITE_LOCKED and their
// extended codes).
func (engine) Unavailable(err error) bool {
	var e *sqlite3.Error
	if errors.As(err, &e) {
		switch e.Code() & 0xff {
		case sqlite3lib.SQLITE_BUSY, sqlite3lib.SQLITE_LOCKED:
			return true
		}
	}
	return strings.Contains(err.Error(), "database is locked")
}

// IndexReportText indexes reports at once, in the linker's transaction:
// FTS5 inserts are cheap next to the linking itself. A report already
// indexed is skipped, so that a rebuild of the links does not index twice.
func (engine) IndexReportText(ctx context.Context, tx *sql.Tx, ids []any) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO reports_fts (rowid, description, urls, seen_on)
		SELECT r.rowid, r.description, r.urls, r.seen_on FROM reports r
		WHERE r.id IN (`+sqlstore.Placeholders(len(ids))+`) AND NOT EXISTS (SELECT 1 FROM reports_fts f WHERE f.rowid = r.rowid)`, ids...)
	return err
}

// IndexPendingText has nothing to do and opens no transaction: nothing is
// ever queued (see IndexReportText).
func (engine) IndexPendingText(context.Context, int, func(func(*sql.Tx) (int, error)) error) (int, error) {
	return 0, nil
}

// IndexCaseText replaces the case's row, which shares the case's rowid so
// that it is found without a scan.
func (engine) IndexCaseText(ctx context.Context, tx *sql.Tx, caseID, text string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM cases_fts WHERE rowid = (SELECT rowid FROM cases WHERE id = ?)`, caseID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO cases_fts (rowid, case_id, body) SELECT rowid, id, ? FROM cases WHERE id = ?`, text, caseID)
	return err
}

func (engine) DeleteReportText(ctx context.Context, tx *sql.Tx, ids []any) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM reports_fts WHERE rowid IN (SELECT rowid FROM reports WHERE id IN (`+sqlstore.Placeholders(len(ids))+`))`, ids...)
	return err
}

func (engine) DeleteCaseText(ctx context.Context, tx *sql.Tx, ids []any) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM cases_fts WHERE case_id IN (`+sqlstore.Placeholders(len(ids))+`)`, ids...)
	return err
}

func (engine) ReportQuery(terms []string, limit int) (string, []any) {
	return `SELECT r.id FROM reports_fts f JOIN reports r ON r.rowid = f.rowid WHERE reports_fts MATCH ? ORDER BY f.rowid DESC LIMIT ?`,
		[]any{ftsQuery(terms), limit}
}

func (engine) CaseQuery(terms []string, limit int) (string, []any) {
	return `SELECT c.id FROM cases_fts f JOIN cases c ON c.rowid = f.rowid WHERE cases_fts MATCH ? ORDER BY c.updated_at DESC LIMIT ?`,
		[]any{ftsQuery(terms), limit}
}

// ftsQuery quotes each term for FTS5, so that no term is read as syntax.
func ftsQuery(terms []string) string {
	quoted := make([]string, len(terms))
	for i, t := range terms {
		quoted[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
	}
	return strings.Join(quoted, " ")
}

// migrationDialect is how SQLite records applied migrations, applied_at
// in unix seconds. It takes no lock of its own: each step is checked and
// applied in one transaction of the writer, which begins IMMEDIATE, so a
// second process opening the same file waits and then skips the step.
var migrationDialect = migration.Dialect{
	Table:   `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
	Applied: `SELECT count(*) FROM schema_migrations WHERE version = ?`,
	Record:  `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, CAST(strftime('%s', 'now') AS INTEGER))`,
}
