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
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/keyring"
	"github.com/vigie-platform/vigie/migration"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/sqlstore"
	"github.com/vigie-platform/vigie/storage"
)

//go:embed migrations/*.sql
var migrations embed.FS

// commitWorkers is how many group commits run at once per instance.
const commitWorkers = 4

// DB is the PostgreSQL store: the shared store on one pool, plus what
// only PostgreSQL does here (blobs in a table, ANALYZE).
type DB struct {
	*sqlstore.Store
	db *sql.DB
}

var (
	_ storage.Store        = (*DB)(nil)
	_ correlate.BulkLoader = (*DB)(nil)
)

// Open connects to url (postgres://…) and applies the migrations. With
// master keys the store encrypts at rest and seals what it holds in clear
// from an older version (see sqlstore.UseKeys); without, it keeps values
// in clear and refuses a store that holds encrypted data.
func Open(ctx context.Context, url string, masters ...keyring.Wrapper) (*DB, error) {
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
		return nil, sqlstore.MarkUnavailable(engine{}, fmt.Errorf("postgres: connect: %w", err))
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, sqlstore.MarkUnavailable(engine{}, err)
	}
	s := &DB{
		// A few committers overlap round trips; each commit still waits for
		// its WAL flush (synchronous_commit stays on).
		Store: sqlstore.NewStore(engine{}, db, db, commitWorkers, 256),
		db:    db,
	}
	if err := s.UseKeys(ctx, masters...); err != nil {
		s.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := s.sealClearBlobs(ctx); err != nil {
		s.Close()
		return nil, err
	}
	// The trail's entries from before the tree (migration 0015) join it.
	if err := s.BuildAuditTree(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return s, nil
}

// sealClearBlobs seals, a few at a time, the attachments an older version
// (or a store without a master key) kept in clear. Two instances starting
// together may both seal a row: the second update finds it sealed and
// changes nothing, and both sealed under the one key they agreed on.
func (db *DB) sealClearBlobs(ctx context.Context) (err error) {
	defer db.Guard(&err)
	if !db.Encrypted() {
		return nil
	}
	for {
		rows, err := db.db.QueryContext(ctx, `SELECT sha256 FROM blobs WHERE NOT sealed LIMIT 100`)
		if err != nil {
			return fmt.Errorf("postgres: seal blobs: %w", err)
		}
		var shas []string
		for rows.Next() {
			var sha string
			if err := rows.Scan(&sha); err != nil {
				rows.Close()
				return fmt.Errorf("postgres: seal blobs: %w", err)
			}
			shas = append(shas, sha)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return fmt.Errorf("postgres: seal blobs: %w", err)
		}
		if len(shas) == 0 {
			return nil
		}
		for _, sha := range shas {
			var content []byte
			err := db.db.QueryRowContext(ctx, `SELECT content FROM blobs WHERE sha256 = $1 AND NOT sealed`, sha).Scan(&content)
			if errors.Is(err, sql.ErrNoRows) {
				continue // sealed meanwhile by another instance
			}
			if err != nil {
				return fmt.Errorf("postgres: seal blob %s: %w", sha, err)
			}
			sealed, err := db.SealBlob(sha, content)
			if err != nil {
				return fmt.Errorf("postgres: seal blob %s: %w", sha, err)
			}
			if _, err := db.db.ExecContext(ctx, `UPDATE blobs SET content = $1, sealed = true WHERE sha256 = $2 AND NOT sealed`, sealed, sha); err != nil {
				return fmt.Errorf("postgres: seal blob %s: %w", sha, err)
			}
		}
	}
}

// migrate applies the migrations that the database has not applied yet.
func migrate(ctx context.Context, db *sql.DB) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	if err := migration.Apply(ctx, db, sub, migrationDialect); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}

// Analyze vacuums and refreshes the planner's statistics. After a bulk
// load (the demo) they are stale until autovacuum comes round, and some
// pages are planned badly meanwhile (BENCHMARKS.md: a report page at 1.8 s
// instead of 14 ms); and the demo's decisions leave the queue's indexes
// full of dead entries, which the first pages then walk (the scams queue
// at 249 ms p95 instead of 37 ms, BENCHMARKS.md 2026-12-02 afternoon).
func (db *DB) Analyze(ctx context.Context) (err error) {
	defer db.Guard(&err)
	if _, err := db.db.ExecContext(ctx, `VACUUM (ANALYZE)`); err != nil {
		return fmt.Errorf("postgres: vacuum and analyze: %w", err)
	}
	return nil
}

// PutBlob stores an attachment's content. Like intake, and like SQLite's
// blobs kept in files, it takes no audit entry.
//
// When the store encrypts, the content is sealed under the attachment's
// data key.
func (db *DB) PutBlob(ctx context.Context, sha string, content []byte) (err error) {
	defer db.Guard(&err)
	sealed := false
	if db.Encrypted() {
		var n int
		if err := db.db.QueryRowContext(ctx, `SELECT count(*) FROM blobs WHERE sha256 = $1`, sha).Scan(&n); err != nil {
			return fmt.Errorf("postgres: blob: %w", err)
		}
		if n > 0 {
			return nil // content-addressed: already there
		}
		if content, err = db.SealBlob(sha, content); err != nil {
			return fmt.Errorf("postgres: blob: %w", err)
		}
		sealed = true
	}
	_, err = db.db.ExecContext(ctx, `INSERT INTO blobs (sha256, content, sealed) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, sha, content, sealed)
	if err != nil {
		return fmt.Errorf("postgres: blob: %w", err)
	}
	return nil
}

// GetBlob reads an attachment's content.
func (db *DB) GetBlob(ctx context.Context, sha string) (_ []byte, err error) {
	defer db.Guard(&err)
	var b []byte
	var sealed bool
	err = db.db.QueryRowContext(ctx, `SELECT content, sealed FROM blobs WHERE sha256 = $1`, sha).Scan(&b, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, report.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: blob: %w", err)
	}
	if sealed {
		return db.OpenBlob(sha, b)
	}
	return b, nil
}

// DeleteBlob removes an attachment's content (retention). It takes no
// audit entry: the purge that freed the content (PurgeReports) is the
// change that records the act, in its transaction.
func (db *DB) DeleteBlob(ctx context.Context, sha string) (err error) {
	defer db.Guard(&err)
	if _, err := db.db.ExecContext(ctx, `DELETE FROM blobs WHERE sha256 = $1`, sha); err != nil {
		return fmt.Errorf("postgres: delete blob: %w", err)
	}
	return nil
}

// Rewrap re-wraps every data key under next (see sqlstore.Store.Rewrap):
// the attachments' first, then the key table, so that a rotation that
// stops half-way always leaves key rows under the old master key, and the
// store refuses to start with the new key alone until it is run again.
func (db *DB) Rewrap(ctx context.Context, next keyring.Wrapper, progress func(done, total int64)) (n int64, err error) {
	defer db.Guard(&err)
	last := ""
	for {
		rows, err := db.db.QueryContext(ctx, `SELECT sha256, content FROM blobs WHERE sealed AND sha256 > $1 ORDER BY sha256 LIMIT 100`, last)
		if err != nil {
			return n, fmt.Errorf("postgres: rewrap attachments: %w", err)
		}
		type blob struct {
			sha     string
			content []byte
		}
		var batch []blob
		for rows.Next() {
			var b blob
			if err := rows.Scan(&b.sha, &b.content); err != nil {
				rows.Close()
				return n, fmt.Errorf("postgres: rewrap attachments: %w", err)
			}
			batch = append(batch, b)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return n, fmt.Errorf("postgres: rewrap attachments: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		for _, b := range batch {
			last = b.sha
			out, changed, err := db.RewrapBlob(b.sha, b.content, next)
			if err != nil {
				return n, err
			}
			if !changed {
				continue
			}
			if _, err := db.db.ExecContext(ctx, `UPDATE blobs SET content = $1 WHERE sha256 = $2`, out, b.sha); err != nil {
				return n, fmt.Errorf("postgres: rewrap attachments: %w", err)
			}
			n++
		}
	}
	m, err := db.Store.Rewrap(ctx, next, progress)
	return n + m, err
}

// IntegrityCheck has nothing to do beyond a ping on PostgreSQL, which
// checks its pages itself.
func (db *DB) IntegrityCheck(ctx context.Context) error { return db.Ping(ctx) }

// linkTables are the tables a rebuild of the index rewrites.
var linkTables = []string{"link_queue", "indicators", "report_indicators", "related_reports"}

// BeginBulk has nothing to prepare; the end of a rebuild vacuums and
// analyzes the tables it rewrote (see correlate.BulkLoader). A rebuild
// leaves millions of dead rows behind it (every posting deleted and
// written again, a million queue rows claimed and deleted): left to
// autovacuum, they were cleaned up while the server linked new reports,
// and each link meanwhile walked the dead queue entries and shared the
// disk with the vacuum (BENCHMARKS.md, 2026-12-02).
func (db *DB) BeginBulk(context.Context) (func(context.Context) error, error) {
	return func(ctx context.Context) (err error) {
		defer db.Guard(&err)
		for _, t := range linkTables {
			if _, err := db.db.ExecContext(ctx, `VACUUM (ANALYZE) `+t); err != nil {
				return fmt.Errorf("postgres: vacuum %s after a rebuild: %w", t, err)
			}
		}
		// The rebuild dirtied gigabytes of pages; written by the next
		// scheduled checkpoint, they shared the disk with the first links
		// after it. A role without the right to checkpoint (pg_checkpoint)
		// leaves it to the schedule: the index is complete either way.
		db.db.ExecContext(ctx, `CHECKPOINT`)
		return nil
	}, nil
}
