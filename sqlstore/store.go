package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/apitoken"
	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/bank"
	"github.com/vigie-platform/vigie/blocking"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/removal"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/triage"
)

// Store holds every store method the databases share. An adapter embeds
// it and adds what its database does alone.
type Store struct {
	engine Engine
	read   *sql.DB
	write  *sql.DB
	// commits gathers intake into shared transactions (see GroupCommitter).
	commits    *GroupCommitter
	stopIntake sync.Once
	closing    sync.Once
	closeErr   error
	now        func() time.Time
	// keys seals what is kept at rest; nil runs in clear (see UseKeys).
	keys *keys
}

// NewStore binds the shared methods to an engine, a pool for reads and one
// for writes (the same pool where the database takes concurrent writers),
// and starts commitWorkers group committers for intake, each taking up to
// maxGroup reports in one transaction.
func NewStore(e Engine, read, write *sql.DB, commitWorkers, maxGroup int) *Store {
	s := &Store{engine: e, read: read, write: write, now: time.Now}
	s.commits = NewGroupCommitter(write, s, commitWorkers, maxGroup)
	return s
}

// FinishIntake lets the group committers commit what is queued and stops
// them; Create must not be called afterwards. Close calls it; an adapter
// that has work to do between the last commit and closing the pools (a
// final checkpoint) calls it first.
func (s *Store) FinishIntake() {
	s.stopIntake.Do(s.commits.Close)
}

// Close finishes intake and closes the pools; closing again does nothing.
func (s *Store) Close() error {
	s.closing.Do(func() {
		s.FinishIntake()
		errs := []error{s.read.Close()}
		if s.write != s.read {
			errs = append(errs, s.write.Close())
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// Guard marks an error leaving the store with storage.ErrUnavailable when
// it means the database could not take the work (see MarkUnavailable).
// Every exported method defers it, so that callers decide by errors.Is
// whichever query failed.
func (s *Store) Guard(err *error) {
	*err = MarkUnavailable(s.engine, *err)
}

// rebind rewrites shared SQL for the engine.
func (s *Store) rebind(query string) string { return s.engine.Rebind(query) }

// scanner is a row to read: *sql.Row or *sql.Rows.
type scanner = interface{ Scan(...any) error }

// collect reads every row of a query with scan and closes them; rows and
// err are what QueryContext returned. A failed query or scan is named
// what; rows.Err() is returned as the driver gave it.
func collect[T any](rows *sql.Rows, err error, what string, scan func(scanner) (T, error)) ([]T, error) {
	return collectRows(rows, err, what, func(sc scanner) (T, error) {
		v, err := scan(sc)
		if err != nil {
			return v, fmt.Errorf("%s: %w", what, err)
		}
		return v, nil
	})
}

// collectRows is collect for the reads that name a failed query only:
// their scan's errors are returned as scan gives them.
func collectRows[T any](rows *sql.Rows, err error, what string, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// endRows closes rows read by hand and returns what ended them: an error
// met while iterating (which rows.Next reports only as false, and after
// which Close returns nil) or one from closing.
func endRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

// answers are the errors a write returns as its outcome (not found, name
// taken, code reused…) rather than as a failure: they leave a transaction
// as they are, while other errors get the name of what failed.
var answers = []error{
	casefile.ErrReportInCase, casefile.ErrNotFound, account.ErrNotFound, account.ErrExists, account.ErrCodeReused,
	apitoken.ErrNotFound, apitoken.ErrNameTaken, triage.ErrNothingToTake, removal.ErrNotFound, report.ErrNotFound,
	correlate.ErrNotFound, bank.ErrNotFound, blocking.ErrNotFound, blocking.ErrReviewed,
}

func describe(what string, err error) error {
	for _, a := range answers {
		if errors.Is(err, a) {
			return err
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// inTx runs fn in a write transaction and appends the audit entries that
// the context carries (audit.Within) to the trail at its end, so that a
// change and its entry commit together or not at all: every write of the
// store goes through here (intake excepted, see Create).
func (s *Store) inTx(ctx context.Context, what string, fn func(*sql.Tx) error) error {
	return s.inTxOutcome(ctx, what, func(tx *sql.Tx) (audit.Outcome, error) { return audit.Outcome{}, fn(tx) })
}

// inTxOutcome is inTx for a change that knows what it did, which an entry
// may record (audit.WithinOutcome): the object it picked or made, and how
// many it changed.
func (s *Store) inTxOutcome(ctx context.Context, what string, fn func(*sql.Tx) (audit.Outcome, error)) error {
	return s.change(ctx, s.write, what, false, fn)
}

// derivedTx is inTxOutcome, on db, for derived data (links, text index):
// it commits without waiting for the log flush, unless it carries an
// audit entry, which must be as durable as any change.
func (s *Store) derivedTx(ctx context.Context, db TxBeginner, what string, fn func(*sql.Tx) (audit.Outcome, error)) error {
	return s.change(ctx, db, what, true, fn)
}

func (s *Store) change(ctx context.Context, db TxBeginner, what string, derived bool, fn func(*sql.Tx) (audit.Outcome, error)) error {
	done := func() {}
	err := s.transact(ctx, db, what, func(tx *sql.Tx) error {
		if derived && !carriesEntry(ctx) {
			if err := s.engine.AsyncCommit(ctx, tx); err != nil {
				return err
			}
		}
		outcome, err := fn(tx)
		if err != nil {
			return err
		}
		var entries []audit.Entry
		entries, done = audit.PendingOutcome(ctx, outcome)
		_, err = s.appendAudit(ctx, tx, entries)
		return err
	})
	if err != nil {
		return err
	}
	done()
	return nil
}

// carriesEntry tells whether ctx carries an audit entry not written yet.
func carriesEntry(ctx context.Context) bool {
	entries, _ := audit.Pending(ctx)
	return len(entries) > 0
}

// recordPending writes the audit entries the context still carries in a
// transaction of their own. For a write that found nothing to do without
// opening a transaction: the act was still asked for and is recorded.
func (s *Store) recordPending(ctx context.Context, what string) error {
	if !carriesEntry(ctx) {
		return nil
	}
	return s.inTx(ctx, what, func(*sql.Tx) error { return nil })
}

// transact runs fn in one transaction on db, rolled back on any error.
func (s *Store) transact(ctx context.Context, db TxBeginner, what string, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return MarkUnavailable(s.engine, fmt.Errorf("%s: begin: %w", what, err))
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return MarkUnavailable(s.engine, describe(what, err))
	}
	if err := tx.Commit(); err != nil {
		return MarkUnavailable(s.engine, fmt.Errorf("%s: commit: %w", what, err))
	}
	return nil
}
