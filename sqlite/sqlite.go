// Package sqlite is the embedded store: one SQLite file in the data folder,
// attachments beside it, no other server.
//
// Durability: WAL journal with synchronous=FULL, so a commit is on disk
// before Create returns, through kill -9 and power loss. To keep that cheap
// under load, concurrent Create calls are grouped into one transaction by a
// single writer goroutine (group commit): one fsync acknowledges many reports.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/keyring"
	"github.com/vigie-platform/vigie/migration"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/sqlstore"
	"github.com/vigie-platform/vigie/storage"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// maxGroup caps how many reports one transaction takes, so that a burst
// does not hold the write lock (and readers' view) for long.
const maxGroup = 512

// DB is the SQLite store: the shared store on a writer with a single
// connection, plus what only SQLite does (blobs on disk, checkpoints,
// durability switched per connection, bulk mode, integrity check).
type DB struct {
	*sqlstore.Store
	write   *sql.DB // one connection: SQLite has one writer at a time
	read    *sql.DB
	path    string
	blobDir string
	maxWAL  atomic.Int64 // see maxWAL; tests lower it
	// walRestarts counts the blocking checkpoints that restarted the log.
	walRestarts atomic.Int64

	// unsynced is set while the writer runs without fsync (Unsynced).
	unsynced atomic.Bool

	checkpoints    *sql.DB
	stopCheckpoint chan struct{}
	checkpointDone chan struct{}

	closing  sync.Once
	closeErr error
}

var (
	_ storage.Store        = (*DB)(nil)
	_ correlate.BulkLoader = (*DB)(nil)
)

func dsn(path string, readOnly bool) string {
	v := url.Values{}
	v.Add("_pragma", "busy_timeout(10000)")
	v.Add("_pragma", "journal_mode(WAL)")
	v.Add("_pragma", "synchronous(FULL)")
	v.Add("_pragma", "foreign_keys(ON)")
	// Statement journals and sorts in memory, and a page cache sized for
	// a million reports: the 2 MB default spills pages mid-transaction.
	v.Add("_pragma", "temp_store(MEMORY)")
	if readOnly {
		v.Add("_pragma", "query_only(ON)")
		v.Add("_pragma", "cache_size(-4096)")
	} else {
		v.Set("_txlock", "immediate")
		v.Add("_pragma", "cache_size(-65536)")
		// Checkpoints run in the background (see checkpointer), not in
		// the middle of whichever commit crosses the WAL threshold.
		v.Add("_pragma", "wal_autocheckpoint(0)")
		// On restart the log file is cut back to maxWAL: it is reused from
		// its start (overwriting blocks already allocated is cheaper to
		// fsync than growing a file), but never stays past the bound.
		v.Add("_pragma", "journal_size_limit(268435456)")
		// Deleted content (a purge, a value sealed in place of its clear
		// form) is zeroed where that costs no extra write, rather than
		// left in the page's free space.
		v.Add("_pragma", "secure_delete(FAST)")
	}
	return "file:" + path + "?" + v.Encode()
}

// Open opens (creating if needed) the store in dataDir and applies the
// migrations. With master keys, the store encrypts at rest (see
// sqlstore.UseKeys: the first key wraps new data keys, the others are
// accepted during a rotation), and seals what it holds in clear from an
// older version, attachments included. Without, it keeps values in
// clear, and refuses a store that holds encrypted data.
func Open(ctx context.Context, dataDir string, masters ...keyring.Wrapper) (*DB, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: data folder: %w", err)
	}
	path := filepath.Join(dataDir, "vigie.db")
	if err := keepPrivate(path); err != nil {
		return nil, err
	}
	write, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	if err := migrate(ctx, write); err != nil {
		write.Close()
		return nil, sqlstore.MarkUnavailable(engine{}, err)
	}
	read, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	db := &DB{
		// One group committer: there is one writer.
		Store:   sqlstore.NewStore(engine{}, read, write, 1, maxGroup),
		write:   write,
		read:    read,
		path:    path,
		blobDir: filepath.Join(dataDir, "blobs"),
	}
	db.maxWAL.Store(maxWAL)
	// The trail's entries from before the tree (migration 0015) join it.
	if err := db.BuildAuditTree(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := os.MkdirAll(db.blobDir, 0o700); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: blob folder: %w", err)
	}
	db.checkpoints, err = sql.Open("sqlite", dsn(path, false))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.checkpoints.SetMaxOpenConns(1)
	db.stopCheckpoint, db.checkpointDone = make(chan struct{}), make(chan struct{})
	go db.checkpointer(time.Second)
	if err := db.UseKeys(ctx, masters...); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := db.sealClearBlobs(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if len(masters) > 0 {
		// What was just sealed still sits in clear in the database file
		// until the log is copied back: do it now rather than at the next
		// checkpoint. A store with nothing to seal has an almost empty log.
		if _, err := db.write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			db.Close()
			return nil, fmt.Errorf("sqlite: checkpoint after sealing: %w", err)
		}
	}
	return db, nil
}

// migrate applies the migrations that the database has not applied yet.
func migrate(ctx context.Context, db *sql.DB) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if err := migration.Apply(ctx, db, sub, migrationDialect); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	return nil
}

// keepPrivate makes the database file readable by the server's user alone,
// before SQLite opens it: it holds reporters' identities, and SQLite gives
// its log files (-wal, -shm) the database's mode. A store made by an
// older version with a wider mode is narrowed too.
func keepPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("sqlite: %w", err)
		}
	}
	return nil
}

// maxWAL bounds the write-ahead log. Under sustained writes a PASSIVE
// checkpoint never catches up with the writer, so the log is never
// restarted and grows by every page written (seen: 14 GB while linking a
// million reports); past this size the checkpointer takes the writer's
// own connection (so the writer cannot starve it) and restarts the log
// after copying the frames the last PASSIVE pass did not. Writes wait
// meanwhile, which bounds the log at the cost of an occasional pause
// (about 100 ms at 2,000 reports/s).
const maxWAL = 256 << 20

// walPageSize is SQLite's default page size, which Vigie keeps.
const walPageSize = 4096

// checkpointer copies the WAL back into the database every interval, in
// PASSIVE mode (it never blocks the writer or the readers), and with
// TRUNCATE when the log has grown past maxWAL.
func (db *DB) checkpointer(interval time.Duration) {
	defer close(db.checkpointDone)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-db.stopCheckpoint:
			return
		case <-t.C:
			// A PASSIVE pass reports how many frames the log holds; a log
			// that keeps growing is cut on the writer's connection.
			var busy, frames, copied int64
			if err := db.checkpoints.QueryRow(`PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied); err != nil {
				continue // best effort; the next tick retries
			}
			if frames*walPageSize > db.maxWAL.Load() {
				var busy, frames, copied int64
				if err := db.write.QueryRow(`PRAGMA wal_checkpoint(RESTART)`).Scan(&busy, &frames, &copied); err == nil && busy == 0 {
					db.walRestarts.Add(1)
				}
			}
		}
	}
}

// Close lets the writer finish what it holds, checkpoints the log into
// the database and closes it; closing again does nothing.
func (db *DB) Close() error {
	db.closing.Do(func() {
		db.FinishIntake()
		var errs []error
		if db.checkpoints != nil {
			close(db.stopCheckpoint)
			<-db.checkpointDone
			_, err := db.checkpoints.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
			errs = append(errs, err, db.checkpoints.Close())
		}
		errs = append(errs, db.Store.Close())
		db.closeErr = errors.Join(errs...)
	})
	return db.closeErr
}

// IntegrityCheck runs SQLite's own consistency check.
func (db *DB) IntegrityCheck(ctx context.Context) (err error) {
	defer db.Guard(&err)
	var res string
	if err := db.read.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return fmt.Errorf("sqlite integrity check: %w", err)
	}
	if res != "ok" {
		return fmt.Errorf("sqlite integrity check: %s", res)
	}
	return nil
}

func (db *DB) blobPath(sha string) (string, error) {
	if len(sha) != 64 || strings.Trim(sha, "0123456789abcdef") != "" {
		return "", fmt.Errorf("sqlite: %q is not a lower-case SHA-256", sha)
	}
	return filepath.Join(db.blobDir, sha[:2], sha), nil
}

// sealedSuffix marks the file of an attachment sealed under its data key;
// a file named by the bare hash is clear (written before issue 13, or by a
// store without a master key). The two names make the conversion of an
// older folder resumable without guessing a file's state from its bytes,
// which an attachment chosen by a reporter could imitate.
const sealedSuffix = ".sealed"

// PutBlob writes an attachment's content under its hash, durably: temp
// file, fsync, rename, fsync of the folder; sealed under the attachment's
// data key when the store encrypts. Like intake, it takes no audit entry:
// a file is no transaction to write one in.
func (db *DB) PutBlob(ctx context.Context, sha string, content []byte) error {
	path, err := db.blobPath(sha)
	if err != nil {
		return err
	}
	if db.Encrypted() {
		if _, err := os.Stat(path + sealedSuffix); err == nil {
			return nil // content-addressed: already there
		}
		sealed, err := db.SealBlob(sha, content)
		if err != nil {
			return fmt.Errorf("sqlite: blob: %w", err)
		}
		if err := writeFile(path+sealedSuffix, sealed); err != nil {
			return err
		}
		// A clear copy from before is not kept beside the sealed one.
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("sqlite: blob: %w", err)
		}
		return nil
	}
	if _, err := os.Stat(path); err == nil {
		return nil // content-addressed: already there
	}
	return writeFile(path, content)
}

// writeFile writes content at path durably: temp file, fsync, rename,
// fsync of the folder.
func writeFile(path string, content []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("sqlite: blob: %w", err)
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("sqlite: blob: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(content); err != nil {
		f.Close()
		return fmt.Errorf("sqlite: blob: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sqlite: blob: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("sqlite: blob: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("sqlite: blob: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sqlite: blob: %w", err)
	}
	defer d.Close()
	return d.Sync()
}

// GetBlob reads an attachment's content.
func (db *DB) GetBlob(ctx context.Context, sha string) ([]byte, error) {
	path, err := db.blobPath(sha)
	if err != nil {
		return nil, err
	}
	if db.Encrypted() {
		b, err := os.ReadFile(path + sealedSuffix)
		if err == nil {
			return db.OpenBlob(sha, b)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		// Not sealed yet (a conversion interrupted): read it clear below.
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, report.ErrNotFound
	}
	return b, err
}

// sealClearBlobs seals the attachments an older version (or a store
// without a master key) wrote in clear. Each file is sealed beside the
// clear one, then the clear one is removed: a run interrupted between the
// two finds both and removes the clear one.
func (db *DB) sealClearBlobs(ctx context.Context) error {
	if !db.Encrypted() {
		return nil
	}
	dirs, err := os.ReadDir(db.blobDir)
	if err != nil {
		return fmt.Errorf("sqlite: seal blobs: %w", err)
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		files, err := os.ReadDir(filepath.Join(db.blobDir, d.Name()))
		if err != nil {
			return fmt.Errorf("sqlite: seal blobs: %w", err)
		}
		for _, f := range files {
			sha := f.Name()
			path, err := db.blobPath(sha)
			if err != nil {
				continue // a sealed file, a temp file, or something not ours
			}
			content, err := os.ReadFile(path)
			if err != nil {
				return fmt.Errorf("sqlite: seal blobs: %w", err)
			}
			if err := db.PutBlob(ctx, sha, content); err != nil {
				return fmt.Errorf("sqlite: seal blob %s: %w", sha, err)
			}
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("sqlite: seal blobs: %w", err)
			}
		}
	}
	return nil
}

// Unsynced turns off fsync on the writer until the returned function is
// called. Only for generated data (the demo): a crash meanwhile may lose
// or corrupt what was written since.
func (db *DB) Unsynced(ctx context.Context) (_ func(context.Context) error, err error) {
	defer db.Guard(&err)
	if _, err := db.write.ExecContext(ctx, `PRAGMA synchronous=OFF`); err != nil {
		return nil, fmt.Errorf("sqlite: unsynced: %w", err)
	}
	db.unsynced.Store(true)
	return func(ctx context.Context) error {
		db.unsynced.Store(false)
		if _, err := db.write.ExecContext(ctx, `PRAGMA synchronous=FULL`); err != nil {
			return fmt.Errorf("sqlite: end unsynced: %w", err)
		}
		return nil
	}, nil
}

// DeleteBlob removes an attachment's content (retention). It takes no
// audit entry: the purge that freed the content (PurgeReports) is the
// change that records the act, in its transaction.
// A sealed file holds its own data key: removing it shreds the key.
func (db *DB) DeleteBlob(_ context.Context, sha string) error {
	path, err := db.blobPath(sha)
	if err != nil {
		return err
	}
	for _, p := range []string{path, path + sealedSuffix} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("sqlite: delete blob: %w", err)
		}
	}
	return nil
}

// Rewrap re-wraps every data key under next (see sqlstore.Store.Rewrap):
// the attachments' files first, then the key table, so that a rotation
// that stops half-way always leaves key rows under the old master key,
// and the store refuses to start with the new key alone until it is run
// again.
func (db *DB) Rewrap(ctx context.Context, next keyring.Wrapper, progress func(done, total int64)) (int64, error) {
	n, err := db.rewrapBlobs(next)
	if err != nil {
		return n, err
	}
	m, err := db.Store.Rewrap(ctx, next, progress)
	return n + m, err
}

func (db *DB) rewrapBlobs(next keyring.Wrapper) (n int64, err error) {
	err = filepath.WalkDir(db.blobDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, sealedSuffix) {
			return err
		}
		sha := strings.TrimSuffix(d.Name(), sealedSuffix)
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out, changed, err := db.RewrapBlob(sha, b, next)
		if err != nil || !changed {
			return err
		}
		n++
		return writeFile(path, out)
	})
	if err != nil {
		return n, fmt.Errorf("sqlite: rewrap attachments: %w", err)
	}
	return n, nil
}

// LinkPending links waiting reports (see correlate.Store).
//
// The index is derived data: a link transaction lost to a power cut leaves
// its reports queued, and they are linked again. So linking commits with
// synchronous=NORMAL (no fsync of its own; the next report commit's fsync
// covers it) and the connection goes back to FULL before intake uses it.
// A link that carries an audit entry keeps FULL: the entry must be as
// durable as any change.
func (db *DB) LinkPending(ctx context.Context, limit, valueCap int, link func(correlate.PendingReport) []correlate.Posting) (n int, err error) {
	defer db.Guard(&err)
	// With the writer already skipping fsync (Unsynced), keep it so.
	if entries, _ := audit.Pending(ctx); db.unsynced.Load() || len(entries) > 0 {
		return db.LinkPendingOn(ctx, db.write, limit, valueCap, link)
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("sqlite: link: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous=NORMAL`); err != nil {
		return 0, fmt.Errorf("sqlite: link: %w", err)
	}
	n, linkErr := db.LinkPendingOn(ctx, conn, limit, valueCap, link)
	if _, err := conn.ExecContext(context.Background(), `PRAGMA synchronous=FULL`); err != nil {
		// Never hand intake a connection that does not fsync: discard it.
		conn.Raw(func(any) error { return driver.ErrBadConn })
		return n, errors.Join(linkErr, fmt.Errorf("sqlite: restore synchronous=FULL: %w", err))
	}
	return n, linkErr
}

// BeginBulk prepares a rebuild of the index: a 1 GB page cache and memory
// mapping on the writer, and the secondary indexes of the identifiers
// dropped, to be built once, sorted, at the end (see correlate.BulkLoader):
// report→identifier, and the count of each identifier, which every upsert
// of a value would otherwise move.
func (db *DB) BeginBulk(ctx context.Context) (_ func(context.Context) error, err error) {
	defer db.Guard(&err)
	for _, stmt := range []string{`PRAGMA cache_size=-1048576`, `PRAGMA mmap_size=4294967296`, `DROP INDEX IF EXISTS report_indicators_report`, `DROP INDEX IF EXISTS indicators_count`} {
		if _, err := db.write.ExecContext(ctx, stmt); err != nil {
			return nil, fmt.Errorf("sqlite: bulk: %w", err)
		}
	}
	return func(ctx context.Context) error {
		var errs []error
		for _, stmt := range []string{`CREATE INDEX IF NOT EXISTS report_indicators_report ON report_indicators (report_id)`,
			`CREATE INDEX IF NOT EXISTS indicators_count ON indicators (report_count DESC)`, `PRAGMA mmap_size=0`, `PRAGMA cache_size=-65536`} {
			if _, err := db.write.ExecContext(ctx, stmt); err != nil {
				errs = append(errs, fmt.Errorf("sqlite: end bulk: %w", err))
			}
		}
		return errors.Join(errs...)
	}, nil
}
