package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"

	"github.com/vigie-platform/vigie/storage"
)

// Engine is what differs between the databases under the shared SQL. Each
// adapter implements it with its own SQL text; the shared methods ask for
// a capability by name and never for the database by name, so that a
// difference is written once, where it belongs, and a reader of the
// shared SQL sees why a query varies rather than which database it is.
// Upserts stay in the shared SQL (both speak ON CONFLICT … DO UPDATE);
// the one that differs, a case's search text, is IndexCaseText.
type Engine interface {
	// Rebind rewrites the ? placeholders of shared SQL into the engine's.
	Rebind(query string) string

	// SerialLock takes, in tx, a lock held until tx ends that keeps other
	// transactions asking for the same key waiting: appends to a chain
	// (the audit trail) and recounts (statistics) run one at a time across
	// instances. An engine with a single writer has nothing to take.
	SerialLock(ctx context.Context, tx *sql.Tx, key int64) error

	// ClaimSuffix ends a SELECT whose rows the transaction claims, so that
	// claimers on other instances skip them and take others (FOR UPDATE
	// SKIP LOCKED); of names the table whose rows are claimed when the
	// SELECT joins, "" otherwise. An engine with a single writer claims by
	// writing, and returns "".
	ClaimSuffix(of string) string

	// SubqueryFence ends a correlated subquery so that the planner probes
	// it once per outer row (which a LIMIT stops early) rather than
	// flattening it into a join over the whole set; "" when not needed.
	SubqueryFence() string

	// FilterOnly marks a WHERE term that the planner must evaluate on the
	// rows it found otherwise, never answer from an index. A planner
	// without statistics picks a worse index than the one a query names.
	FilterOnly(term string) string

	// SingleWriter tells an engine whose transactions write one at a
	// time: no two linkers ever lock rows against each other.
	SingleWriter() bool

	// AsyncCommit lets tx commit without waiting for its log flush. Only
	// for derived data, which is rebuilt if a crash loses it.
	AsyncCommit(ctx context.Context, tx *sql.Tx) error

	// IsUniqueViolation tells a unique-constraint error.
	IsUniqueViolation(err error) bool

	// Unavailable tells an error that means the database could not be
	// reached or could not take the work now (see storage.ErrUnavailable).
	Unavailable(err error) bool

	TextSearch
}

// TextSearch is how an engine indexes and searches free text. The index
// may be kept in the writers' own transactions or fed from a queue; the
// shared SQL calls these at the points where text changes.
type TextSearch interface {
	// IndexReportText indexes newly linked reports (ids) in the linker's
	// transaction, skipping those already indexed, or queues them for
	// IndexPendingText where indexing there would slow linking down.
	IndexReportText(ctx context.Context, tx *sql.Tx, ids []any) error

	// IndexPendingText indexes up to limit queued reports and says how
	// many. It runs its work (index, which says how many it indexed)
	// through inTx, the store's transaction for derived data, and only
	// when something may be queued, so that an engine that indexes at
	// link time costs nothing here.
	IndexPendingText(ctx context.Context, limit int, inTx func(index func(*sql.Tx) (int, error)) error) (int, error)

	// IndexCaseText replaces a case's indexed text, in tx.
	IndexCaseText(ctx context.Context, tx *sql.Tx, caseID, text string) error

	// DeleteReportText and DeleteCaseText take reports and cases out of
	// the index, in tx (retention).
	DeleteReportText(ctx context.Context, tx *sql.Tx, ids []any) error
	DeleteCaseText(ctx context.Context, tx *sql.Tx, ids []any) error

	// ReportQuery and CaseQuery return a query, in the engine's SQL, and
	// its arguments, that select the ids of the reports (newest first) or
	// cases (last changed first) holding every term, up to limit. Terms
	// are letters and digits only (see search.Terms), never syntax.
	ReportQuery(terms []string, limit int) (string, []any)
	CaseQuery(terms []string, limit int) (string, []any)
}

// Placeholders returns n ? placeholders separated by commas, for IN lists
// (to be rebound by the engine).
func Placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// MarkUnavailable wraps err with storage.ErrUnavailable when it means that
// the database could not take the work: the engine's own errors of that
// kind, and those of database/sql for a pool that is closed or whose
// connection broke. The original error stays in the chain.
func MarkUnavailable(e Engine, err error) error {
	if err == nil || errors.Is(err, storage.ErrUnavailable) {
		return err
	}
	if e.Unavailable(err) || errors.Is(err, sql.ErrConnDone) || errors.Is(err, driver.ErrBadConn) ||
		strings.Contains(err.Error(), "sql: database is closed") { // database/sql does not export this one
		return fmt.Errorf("%w: %w", storage.ErrUnavailable, err)
	}
	return err
}
