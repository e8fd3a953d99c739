// Package postgres is the store for more than one machine: any number of
// stateless `vigie serve` processes share one PostgreSQL database, which
// also holds attachment contents so that no instance keeps local state.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/vigie-platform/vigie/apitoken"
	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/migration"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key that serialises migrations when
// several instances start at once.
const migrationLock = 0x76696769 // "vigi"

// commitWorkers is how many group commits run at once per instance.
const commitWorkers = 4

// DB is the PostgreSQL store.
type DB struct {
	*sqlstore.Workspace
	db      *sql.DB
	q       *sqlstore.Queries
	commits *sqlstore.GroupCommitter
	now     func() time.Time
}

// Open connects to url (postgres://…) and applies the migrations.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	// JIT compilation costs hundreds of milliseconds on queries the planner
	// misjudges as huge (stale statistics after a bulk load), and the
	// platform's queries are short: it is turned off unless the URL asks.
	if _, set := cfg.RuntimeParams["jit"]; !set {
		cfg.RuntimeParams["jit"] = "off"
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(40)
	db.SetMaxIdleConns(40)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	q := sqlstore.New(sqlstore.Dialect{Numbered: true, SkipLocked: true, IsUniqueViolation: isUniqueViolation})
	return &DB{
		Workspace: sqlstore.NewWorkspace(q, db, db),
		db:        db,
		q:         q,
		// A few committers overlap round trips; each commit still waits for
		// its WAL flush (synchronous_commit stays on).
		commits: sqlstore.NewGroupCommitter(db, q, commitWorkers, 256),
		now:     time.Now,
	}, nil
}

func isUniqueViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

func migrate(ctx context.Context, db *sql.DB) error {
	sub, _ := fs.Sub(migrations, "migrations")
	steps, err := migration.List(sub)
	if err != nil {
		return err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("postgres: migration lock: %w", err)
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, migrationLock)
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("postgres: migrations table: %w", err)
	}
	for _, s := range steps {
		var n int
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, s.Version).Scan(&n); err != nil {
			return fmt.Errorf("postgres: migration %s: %w", s.Name, err)
		}
		if n > 0 {
			continue
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("postgres: migration %s: %w", s.Name, err)
		}
		if _, err := tx.ExecContext(ctx, s.SQL); err != nil {
			tx.Rollback()
			return fmt.Errorf("postgres: migration %s: %w", s.Name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, s.Version, s.Name); err != nil {
			tx.Rollback()
			return fmt.Errorf("postgres: migration %s: %w", s.Name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("postgres: migration %s: %w", s.Name, err)
		}
	}
	return nil
}

// SchemaVersion returns the highest applied migration.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := db.db.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v)
	return int(v.Int64), err
}

// Analyze refreshes the planner's statistics. After a bulk load (the demo)
// they are stale until autovacuum comes round, and some pages are planned
// badly meanwhile (BENCHMARKS.md: a report page at 1.8 s instead of 14 ms).
func (db *DB) Analyze(ctx context.Context) error {
	if _, err := db.db.ExecContext(ctx, `ANALYZE`); err != nil {
		return fmt.Errorf("postgres: analyze: %w", err)
	}
	return nil
}

// Close finishes queued commits and closes the pool.
func (db *DB) Close() error {
	db.commits.Close()
	return db.db.Close()
}

// Create stores reports through the group committers.
func (db *DB) Create(ctx context.Context, reports []*report.Report) ([]report.CreateResult, []error, error) {
	return db.commits.Create(ctx, reports)
}

// ReportByID reads a report.
func (db *DB) ReportByID(ctx context.Context, id string) (report.Report, error) {
	return db.q.ReportByID(ctx, db.db, id)
}

// ReportByReceipt reads a report by its receipt.
func (db *DB) ReportByReceipt(ctx context.Context, receipt string) (report.Report, error) {
	return db.q.ReportByReceipt(ctx, db.db, receipt)
}

// CountReports counts the reports.
func (db *DB) CountReports(ctx context.Context) (int64, error) { return db.q.CountReports(ctx, db.db) }

// CreateToken stores an API token.
func (db *DB) CreateToken(ctx context.Context, t apitoken.Token) (apitoken.Token, error) {
	return db.q.CreateToken(ctx, db.db, t)
}

// TokenByHash finds a token.
func (db *DB) TokenByHash(ctx context.Context, hash []byte) (apitoken.Token, error) {
	return db.q.TokenByHash(ctx, db.db, hash)
}

// ListTokens lists the tokens.
func (db *DB) ListTokens(ctx context.Context) ([]apitoken.Token, error) {
	return db.q.ListTokens(ctx, db.db)
}

// RevokeToken revokes a token.
func (db *DB) RevokeToken(ctx context.Context, name string, at time.Time) error {
	return db.q.RevokeToken(ctx, db.db, name, at)
}

// AddVisits adds to a day's visits.
func (db *DB) AddVisits(ctx context.Context, day time.Time, n int64) error {
	return db.q.AddVisits(ctx, db.db, day, n)
}

// Visits reads visits per day.
func (db *DB) Visits(ctx context.Context, from, to time.Time) (map[string]int64, error) {
	return db.q.Visits(ctx, db.db, from, to)
}

// Spend records a proof-of-work solution as used.
func (db *DB) Spend(ctx context.Context, signature string, expires time.Time) (bool, error) {
	return db.q.Spend(ctx, db.db, signature, expires, db.now())
}

// Key returns a named server key.
func (db *DB) Key(ctx context.Context, name string) ([]byte, error) {
	return db.q.Key(ctx, db.db, name)
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.db.PingContext(ctx) }

// PutBlob stores an attachment's content.
func (db *DB) PutBlob(ctx context.Context, sha string, content []byte) error {
	_, err := db.db.ExecContext(ctx, `INSERT INTO blobs (sha256, content) VALUES ($1, $2) ON CONFLICT DO NOTHING`, sha, content)
	if err != nil {
		return fmt.Errorf("postgres: blob: %w", err)
	}
	return nil
}

// GetBlob reads an attachment's content.
func (db *DB) GetBlob(ctx context.Context, sha string) ([]byte, error) {
	var b []byte
	err := db.db.QueryRowContext(ctx, `SELECT content FROM blobs WHERE sha256 = $1`, sha).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, report.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: blob: %w", err)
	}
	return b, nil
}

// DeleteBlob removes an attachment's content (retention).
func (db *DB) DeleteBlob(ctx context.Context, sha string) error {
	if _, err := db.db.ExecContext(ctx, `DELETE FROM blobs WHERE sha256 = $1`, sha); err != nil {
		return fmt.Errorf("postgres: delete blob: %w", err)
	}
	return nil
}

// IntegrityCheck has nothing to do beyond a ping on PostgreSQL, which
// checks its pages itself.
func (db *DB) IntegrityCheck(ctx context.Context) error { return db.Ping(ctx) }

// LinkPending links waiting reports (see correlate.Store); instances share
// the work through SKIP LOCKED.
func (db *DB) LinkPending(ctx context.Context, limit, valueCap int, link func(correlate.PendingReport) []correlate.Posting) (int, error) {
	return db.q.LinkPending(ctx, db.db, limit, valueCap, link)
}

// Indicator reads an identifier's record.
func (db *DB) Indicator(ctx context.Context, t indicator.Type, value string) (correlate.Info, error) {
	return db.q.Indicator(ctx, db.db, t, value)
}

// IndicatorReports pages through the reports naming a value.
func (db *DB) IndicatorReports(ctx context.Context, t indicator.Type, value, cursor string, limit int) ([]string, string, error) {
	return db.q.IndicatorReports(ctx, db.db, t, value, cursor, limit)
}

// ReportIndicators lists a report's identifiers.
func (db *DB) ReportIndicators(ctx context.Context, reportID string) ([]correlate.Info, error) {
	return db.q.ReportIndicators(ctx, db.db, reportID)
}

// TopIndicators lists the most shared identifiers.
func (db *DB) TopIndicators(ctx context.Context, limit int) ([]correlate.Info, error) {
	return db.q.TopIndicators(ctx, db.db, limit)
}

// UnlinkedCount counts reports waiting to be linked.
func (db *DB) UnlinkedCount(ctx context.Context) (int64, error) {
	return db.q.UnlinkedCount(ctx, db.db)
}

// ResetLinks empties the index.
func (db *DB) ResetLinks(ctx context.Context) error { return db.q.ResetLinks(ctx, db.db) }

// IndexSize counts identifiers and links.
func (db *DB) IndexSize(ctx context.Context) (int64, int64, error) { return db.q.IndexSize(ctx, db.db) }

// AppendAudit adds an entry to the audit trail.
func (db *DB) AppendAudit(ctx context.Context, e audit.Entry) (audit.Entry, error) {
	return db.q.AppendAudit(ctx, db.db, e)
}

// AuditEntries reads the audit trail in order.
func (db *DB) AuditEntries(ctx context.Context, fn func(audit.Entry) error) error {
	return db.q.AuditEntries(ctx, db.db, fn)
}
