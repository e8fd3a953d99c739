package postgres

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"strconv"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/vigie-platform/vigie/migration"
	"github.com/vigie-platform/vigie/sqlstore"
)

// engine is PostgreSQL's side of the shared SQL: several instances write
// at once, so claims skip each other's rows and chains take advisory
// locks; text goes to tsvector tables, fed from a queue.
type engine struct{}

var _ sqlstore.Engine = engine{}

// Rebind numbers the placeholders: $1, $2…
func (engine) Rebind(query string) string {
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// SerialLock takes a transaction-scoped advisory lock: instances on other
// machines wait for it as the ones here do.
func (engine) SerialLock(ctx context.Context, tx *sql.Tx, key int64) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, key)
	return err
}

func (engine) ClaimSuffix(of string) string {
	if of != "" {
		return " FOR UPDATE OF " + of + " SKIP LOCKED"
	}
	return " FOR UPDATE SKIP LOCKED"
}

// SubqueryFence is OFFSET 0, which keeps the planner from pulling the
// subquery up into a join (a semi-join over every related report, where
// the queue's page needs a probe for its first rows only).
func (engine) SubqueryFence() string { return " OFFSET 0" }

// FilterOnly leaves the term as it is: PostgreSQL's planner has
// statistics and weighs the indexes itself.
func (engine) FilterOnly(term string) string { return term }

// SingleWriter is false: instances and their linkers write at once.
func (engine) SingleWriter() bool { return false }

// AsyncCommit lets the transaction commit without waiting for its WAL
// flush, as SQLite's linker commits with synchronous=NORMAL. A crash can
// lose only whole such transactions, and each also removes its reports
// from the queue it took them from, so they are linked or indexed again.
func (engine) AsyncCommit(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `SET LOCAL synchronous_commit TO OFF`)
	return err
}

func (engine) IsUniqueViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

// Unavailable is true of the errors that say the server could not be
// reached or would not take the work now: a refused or failed dial, a
// connection that failed before the server answered, and the SQLSTATEs
// of class 08 (connection exception), 57P (shutting down, starting up,
// cannot connect now) and 53300 (too many connections). An error the
// server answered otherwise, even while connecting (a wrong password, a
// database that does not exist), will not go away by waiting, and is not.
func (engine) Unavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P") || pe.Code == "53300"
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// IndexReportText only queues the reports for IndexPendingText: tsvector
// and GIN updates in the linker's transaction slowed linking down under
// load.
func (e engine) IndexReportText(ctx context.Context, tx *sql.Tx, ids []any) error {
	_, err := tx.ExecContext(ctx, e.Rebind(`INSERT INTO search_queue (report_id) VALUES `+strings.TrimSuffix(strings.Repeat("(?),", len(ids)), ",")+` ON CONFLICT DO NOTHING`), ids...)
	return err
}

// IndexPendingText takes up to limit queued reports, skipping those that
// an instance elsewhere holds (instances share the work), and indexes
// their text.
func (engine) IndexPendingText(ctx context.Context, limit int, inTx func(func(*sql.Tx) (int, error)) error) (int, error) {
	var n int
	err := inTx(func(tx *sql.Tx) (int, error) {
		var ids []string
		rows, err := tx.QueryContext(ctx, `DELETE FROM search_queue WHERE report_id IN
			(SELECT report_id FROM search_queue LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING report_id`, limit)
		if err != nil {
			return 0, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return 0, err
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil {
			return 0, err
		}
		if len(ids) == 0 {
			return 0, nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO report_search (report_id, created_at, doc)
			SELECT id, created_at, to_tsvector('simple', regexp_replace(description || ' ' || urls || ' ' || seen_on, '[^[:alnum:]]+', ' ', 'g'))
			FROM reports WHERE id = ANY($1) ON CONFLICT DO NOTHING`, ids); err != nil {
			return 0, err
		}
		n = len(ids)
		return n, nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// IndexCaseText upserts the case's document.
func (engine) IndexCaseText(ctx context.Context, tx *sql.Tx, caseID, text string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO case_search (case_id, doc) VALUES ($1, to_tsvector('simple', regexp_replace($2, '[^[:alnum:]]+', ' ', 'g')))
		ON CONFLICT (case_id) DO UPDATE SET doc = excluded.doc`, caseID, text)
	return err
}

func (e engine) DeleteReportText(ctx context.Context, tx *sql.Tx, ids []any) error {
	_, err := tx.ExecContext(ctx, e.Rebind(`DELETE FROM report_search WHERE report_id IN (`+sqlstore.Placeholders(len(ids))+`)`), ids...)
	return err
}

func (e engine) DeleteCaseText(ctx context.Context, tx *sql.Tx, ids []any) error {
	_, err := tx.ExecContext(ctx, e.Rebind(`DELETE FROM case_search WHERE case_id IN (`+sqlstore.Placeholders(len(ids))+`)`), ids...)
	return err
}

func (engine) ReportQuery(terms []string, limit int) (string, []any) {
	return `SELECT report_id FROM report_search WHERE doc @@ to_tsquery('simple', $1) ORDER BY created_at DESC LIMIT $2`,
		[]any{tsQuery(terms), limit}
}

func (engine) CaseQuery(terms []string, limit int) (string, []any) {
	return `SELECT s.case_id FROM case_search s JOIN cases c ON c.id = s.case_id WHERE s.doc @@ to_tsquery('simple', $1) ORDER BY c.updated_at DESC LIMIT $2`,
		[]any{tsQuery(terms), limit}
}

// tsQuery joins terms (letters and digits only, see search.Terms) with &.
func tsQuery(terms []string) string {
	quoted := make([]string, len(terms))
	for i, t := range terms {
		quoted[i] = "'" + strings.ReplaceAll(t, "'", "''") + "'"
	}
	return strings.Join(quoted, " & ")
}

// migrationLock is the advisory lock key that serialises migrations when
// several instances start at once.
const migrationLock = 0x76696769 // "vigi"

// migrationDialect is how PostgreSQL records applied migrations; instances
// starting together take turns on a session advisory lock.
var migrationDialect = migration.Dialect{
	Table:   `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
	Applied: `SELECT count(*) FROM schema_migrations WHERE version = $1`,
	Record:  `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`,
	Lock: func(ctx context.Context, conn *sql.Conn) (func(), error) {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
			return nil, err
		}
		return func() { conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, migrationLock) }, nil
	},
}
