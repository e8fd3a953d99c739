// Package sqlstore holds the SQL that SQLite and PostgreSQL share, and
// Store, the one type that serves it: both adapters embed a Store and
// speak through database/sql.
//
// What differs is behind Engine, which each adapter implements with its
// own SQL text: placeholders, the serial lock of the audit chain, day
// bucketing, claims that skip locked rows, planner hints, asynchronous
// commit of derived data, text search, and the reading of its driver's
// errors. The shared SQL asks the engine for a capability, never which
// database it runs on. What only one database does (SQLite's single
// writer, checkpoints, blobs on disk and bulk mode; PostgreSQL's pool,
// blobs in a table and ANALYZE) stays in its adapter.
package sqlstore

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/apitoken"
	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/contenthash"
	"github.com/vigie-platform/vigie/keyring"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/stats"
	"github.com/vigie-platform/vigie/taxonomy"
)

// Execer is what both *sql.DB and *sql.Tx offer.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// insertChunk bounds the rows of one multi-row INSERT: 25 parameters a
// row stays far below SQLite's and PostgreSQL's parameter limits.
const insertChunk = 200

const reportColumns = `id, receipt, secret_hash, status, channel, token_name, category, description, urls,
	seen_on, occurred_at, urgent, anonymous, reporter_name, reporter_email, reporter_phone, is_victim,
	loss_cents, loss_currency, loss_means, lang, created_at, idempotency_key, request_hash, contact, due_at`

// reportValues is one row's placeholders for reportColumns.
const reportValues = `(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`

// reportArgs are r's values for reportColumns. With sc (the contact
// sealed), the clear contact columns stay empty.
func reportArgs(r *report.Report, sc *sealedContact) ([]any, error) {
	urls, err := json.Marshal(r.URLs)
	if err != nil {
		return nil, err
	}
	var occurred sql.NullInt64
	if r.OccurredAt != nil {
		occurred = sql.NullInt64{Int64: micros(*r.OccurredAt), Valid: true}
	}
	var lossCents sql.NullInt64
	var lossCurrency, lossMeans sql.NullString
	if r.Loss != nil {
		lossCents = sql.NullInt64{Int64: r.Loss.AmountCents, Valid: true}
		lossCurrency = nullString(r.Loss.Currency)
		lossMeans = nullString(r.Loss.Means)
	}
	name, email, phone := r.Reporter.Name, r.Reporter.Email, r.Reporter.Phone
	var sealed []byte
	if sc != nil {
		name, email, phone, sealed = "", "", "", sc.sealed
	}
	// A report written by other means than the intake (the demo, old
	// tools) gets the default target; Retarget corrects it at start.
	due := r.DueAt
	if due.IsZero() {
		due = r.CreatedAt.Add(taxonomy.DefaultTargetMinutes * time.Minute)
	}
	return []any{r.ID, r.Receipt, r.FollowUpSecretHash, string(r.Status), string(r.Channel),
		r.TokenName, r.Category, r.Description, string(urls), r.SeenOn, occurred, r.Urgent, r.Reporter.Anonymous,
		name, email, phone, r.IsVictim, lossCents, lossCurrency, lossMeans,
		r.Lang, micros(r.CreatedAt), nullString(r.IdempotencyKey), r.RequestHash, sealed, micros(due)}, nil
}

// insertReports writes reports inside tx. Rows go in with multi-row
// INSERTs that skip conflicts; each row that did not go in is then looked
// at alone: a known idempotency key means a replay (or a mismatch), else
// its random receipt collided and it is tried again with a new one. An
// error returned means tx must be rolled back; per-report outcomes are in
// errs.
func (s *Store) insertReports(ctx context.Context, tx Execer, reports []*report.Report) ([]report.CreateResult, []error, error) {
	results := make([]report.CreateResult, len(reports))
	errs := make([]error, len(reports))
	inserted := make(map[string]bool, len(reports))
	// Rows go in ordered by idempotency key, so that two transactions
	// holding the same keys lock them in the same order and cannot deadlock.
	// Contacts are sealed before the transaction's statements, each under
	// a data key of its own, stored with the report (insertReportKeys).
	seals := make(map[string]*sealedContact, len(reports))
	for _, r := range reports {
		sc, err := s.sealContact(r)
		if err != nil {
			return nil, nil, fmt.Errorf("seal contact: %w", err)
		}
		seals[r.ID] = sc
	}
	ordered := slices.Clone(reports)
	slices.SortFunc(ordered, func(a, b *report.Report) int {
		return cmp.Or(cmp.Compare(a.TokenName, b.TokenName), cmp.Compare(a.IdempotencyKey, b.IdempotencyKey))
	})
	for lo := 0; lo < len(ordered); lo += insertChunk {
		chunk := ordered[lo:min(lo+insertChunk, len(ordered))]
		var b strings.Builder
		b.WriteString(`INSERT INTO reports (` + reportColumns + `) VALUES `)
		args := make([]any, 0, 25*len(chunk))
		for i, r := range chunk {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(reportValues)
			a, err := reportArgs(r, seals[r.ID])
			if err != nil {
				return nil, nil, err
			}
			args = append(args, a...)
		}
		b.WriteString(` ON CONFLICT DO NOTHING RETURNING id`)
		rows, err := tx.QueryContext(ctx, s.rebind(b.String()), args...)
		if err != nil {
			return nil, nil, fmt.Errorf("insert reports: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("insert reports: %w", err)
			}
			inserted[id] = true
		}
		if err := endRows(rows); err != nil {
			return nil, nil, fmt.Errorf("insert reports: %w", err)
		}
	}
	if err := s.enqueueLinks(ctx, tx, reports, inserted); err != nil {
		return nil, nil, err
	}
	if err := s.subscribeNews(ctx, tx, reports, inserted); err != nil {
		return nil, nil, err
	}
	if s.keys != nil {
		ids := make([]string, 0, len(inserted))
		for _, r := range ordered {
			if inserted[r.ID] {
				ids = append(ids, r.ID)
			}
		}
		if err := s.insertReportKeys(ctx, tx, ids, seals); err != nil {
			return nil, nil, err
		}
	}
	for i, r := range reports {
		if !inserted[r.ID] {
			done, err := s.resolveConflict(ctx, tx, r, seals[r.ID], &results[i], &errs[i])
			if err != nil {
				return nil, nil, err
			}
			if done {
				continue
			}
		}
		if err := s.insertAttachments(ctx, tx, r); err != nil {
			return nil, nil, err
		}
		if err := s.enqueueMatches(ctx, tx, r); err != nil {
			return nil, nil, err
		}
		results[i] = report.CreateResult{Report: *r}
	}
	return results, errs, nil
}

// enqueueLinks queues the newly inserted reports for the linker, in the
// same transaction: a stored report is always either linked or queued.
func (s *Store) enqueueLinks(ctx context.Context, tx Execer, reports []*report.Report, inserted map[string]bool) error {
	var ids []any
	for _, r := range reports {
		if inserted[r.ID] {
			ids = append(ids, r.ID)
		}
	}
	for lo := 0; lo < len(ids); lo += 500 {
		chunk := ids[lo:min(lo+500, len(ids))]
		values := strings.TrimSuffix(strings.Repeat("(?),", len(chunk)), ",")
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO link_queue (report_id) VALUES `+values), chunk...); err != nil {
			return fmt.Errorf("queue for linking: %w", err)
		}
	}
	return nil
}

// resolveConflict handles one report whose insert was skipped. done means
// the outcome is a replay or an error, and nothing more is to be written.
func (s *Store) resolveConflict(ctx context.Context, tx Execer, r *report.Report, sc *sealedContact, result *report.CreateResult, perr *error) (done bool, err error) {
	insert := s.rebind(`INSERT INTO reports (` + reportColumns + `) VALUES ` + reportValues + ` ON CONFLICT DO NOTHING`)
	for attempt := 0; attempt < 8; attempt++ {
		if r.IdempotencyKey != "" {
			prev, found, err := s.reportByIdempotencyKey(ctx, tx, r.TokenName, r.IdempotencyKey)
			if err != nil {
				return false, err
			}
			if found {
				if string(prev.RequestHash) != string(r.RequestHash) {
					*perr = report.ErrIdempotencyMismatch
				} else {
					*result = report.CreateResult{Report: prev, Replayed: true}
				}
				return true, nil
			}
		}
		// Not a replay: the random receipt (40 bits) collided. Draw again.
		r.Receipt = report.NewReceipt()
		args, err := reportArgs(r, sc)
		if err != nil {
			return false, err
		}
		res, err := tx.ExecContext(ctx, insert, args...)
		if err != nil {
			return false, fmt.Errorf("insert report: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO link_queue (report_id) VALUES (?)`), r.ID); err != nil {
				return false, fmt.Errorf("queue for linking: %w", err)
			}
			if sc != nil {
				return false, s.insertReportKeys(ctx, tx, []string{r.ID}, map[string]*sealedContact{r.ID: sc})
			}
			return false, nil
		}
	}
	return false, errors.New("insert report: no free receipt after 8 draws")
}

func (s *Store) insertAttachments(ctx context.Context, tx Execer, r *report.Report) error {
	insert := s.rebind(`INSERT INTO report_attachments (report_id, position, sha256, size, filename, content_type) VALUES (?,?,?,?,?,?)`)
	for pos, a := range r.Attachments {
		if _, err := tx.ExecContext(ctx, insert, r.ID, pos, a.SHA256, a.Size, a.Filename, a.ContentType); err != nil {
			return fmt.Errorf("insert attachment: %w", err)
		}
	}
	return nil
}

func (s *Store) reportByIdempotencyKey(ctx context.Context, db Execer, token, key string) (report.Report, bool, error) {
	r, err := s.scanReport(ctx, db, `WHERE token_name = ? AND idempotency_key = ?`, token, key)
	if errors.Is(err, report.ErrNotFound) {
		return report.Report{}, false, nil
	}
	return r, err == nil, err
}

func (s *Store) scanReport(ctx context.Context, db Execer, where string, args ...any) (report.Report, error) {
	row := db.QueryRowContext(ctx, s.rebind(`SELECT `+reportColumns+` FROM reports `+where), args...)
	var (
		r                       report.Report
		status, channel, urls   string
		occurred, lossCents     sql.NullInt64
		lossCurrency, lossMeans sql.NullString
		created, due            int64
		idem                    sql.NullString
		sealed                  []byte
	)
	err := row.Scan(&r.ID, &r.Receipt, &r.FollowUpSecretHash, &status, &channel, &r.TokenName, &r.Category, &r.Description, &urls,
		&r.SeenOn, &occurred, &r.Urgent, &r.Reporter.Anonymous, &r.Reporter.Name, &r.Reporter.Email, &r.Reporter.Phone, &r.IsVictim,
		&lossCents, &lossCurrency, &lossMeans, &r.Lang, &created, &idem, &r.RequestHash, &sealed, &due)
	if errors.Is(err, sql.ErrNoRows) {
		return report.Report{}, report.ErrNotFound
	}
	if err != nil {
		return report.Report{}, fmt.Errorf("read report: %w", err)
	}
	r.Status, r.Channel = report.Status(status), report.Channel(channel)
	if err := json.Unmarshal([]byte(urls), &r.URLs); err != nil {
		return report.Report{}, fmt.Errorf("read report %s urls: %w", r.ID, err)
	}
	if occurred.Valid {
		t := fromMicros(occurred.Int64)
		r.OccurredAt = &t
	}
	if lossCents.Valid {
		r.Loss = &report.Loss{AmountCents: lossCents.Int64, Currency: lossCurrency.String, Means: lossMeans.String}
	}
	r.CreatedAt, r.DueAt = fromMicros(created), fromMicros(due)
	r.IdempotencyKey = idem.String
	if sealed != nil {
		if err := s.openContact(ctx, db, &r, sealed); err != nil {
			return report.Report{}, err
		}
	}
	rows, err := db.QueryContext(ctx, s.rebind(`SELECT sha256, size, filename, content_type FROM report_attachments WHERE report_id = ? ORDER BY position`), r.ID)
	r.Attachments, err = collect(rows, err, "read attachments", func(sc scanner) (report.Attachment, error) {
		var a report.Attachment
		err := sc.Scan(&a.SHA256, &a.Size, &a.Filename, &a.ContentType)
		return a, err
	})
	if err != nil {
		return report.Report{}, err
	}
	// Media hashes sent without the files (bank matching).
	rows, err = db.QueryContext(ctx, s.rebind(`SELECT kind, value FROM report_hashes WHERE report_id = ? AND attachment = '' ORDER BY kind, value`), r.ID)
	r.Hashes, err = collect(rows, err, "read hashes", func(sc scanner) (contenthash.Hash, error) {
		var h contenthash.Hash
		var kind string
		err := sc.Scan(&kind, &h.Value)
		h.Kind = contenthash.Kind(kind)
		return h, err
	})
	if err != nil {
		return report.Report{}, err
	}
	return r, nil
}

// Create stores reports through the group committers. Intake does not
// take audit entries: its transactions are shared by many callers, and
// the reports themselves are the record of what arrived.
func (s *Store) Create(ctx context.Context, reports []*report.Report) (_ []report.CreateResult, _ []error, err error) {
	defer s.Guard(&err)
	return s.commits.Create(ctx, reports)
}

// ReportByID reads one report.
func (s *Store) ReportByID(ctx context.Context, id string) (_ report.Report, err error) {
	defer s.Guard(&err)
	return s.scanReport(ctx, s.read, `WHERE id = ?`, id)
}

// ReportByReceipt reads one report by its receipt code.
func (s *Store) ReportByReceipt(ctx context.Context, receipt string) (_ report.Report, err error) {
	defer s.Guard(&err)
	return s.scanReport(ctx, s.read, `WHERE receipt = ?`, receipt)
}

// CountReports counts every stored report.
func (s *Store) CountReports(ctx context.Context) (n int64, err error) {
	defer s.Guard(&err)
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM reports`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count reports: %w", err)
	}
	return n, nil
}

// CreateToken stores a token.
func (s *Store) CreateToken(ctx context.Context, t apitoken.Token) (_ apitoken.Token, err error) {
	defer s.Guard(&err)
	err = s.inTxOutcome(ctx, "create token", func(tx *sql.Tx) (audit.Outcome, error) {
		err := tx.QueryRowContext(ctx, s.rebind(`INSERT INTO api_tokens (name, hash, scopes, rate, created_at) VALUES (?,?,?,?,?) RETURNING id`),
			t.Name, t.Hash, strings.Join(t.Scopes, " "), t.Rate, micros(t.CreatedAt)).Scan(&t.ID)
		if err != nil && s.engine.IsUniqueViolation(err) {
			return audit.Outcome{}, apitoken.ErrNameTaken
		}
		return audit.Outcome{ObjectID: strconv.FormatInt(t.ID, 10), Changed: 1}, err
	})
	if err != nil {
		return apitoken.Token{}, err
	}
	return t, nil
}

const tokenColumns = `id, name, hash, scopes, rate, created_at, revoked_at`

func scanToken(sc scanner) (apitoken.Token, error) {
	var (
		t       apitoken.Token
		scopes  string
		created int64
		revoked sql.NullInt64
	)
	if err := sc.Scan(&t.ID, &t.Name, &t.Hash, &scopes, &t.Rate, &created, &revoked); err != nil {
		return t, err
	}
	t.Scopes = strings.Fields(scopes)
	t.CreatedAt = fromMicros(created)
	if revoked.Valid {
		at := fromMicros(revoked.Int64)
		t.RevokedAt = &at
	}
	return t, nil
}

// TokenByHash finds a live or revoked token by the hash of its secret.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (_ apitoken.Token, err error) {
	defer s.Guard(&err)
	t, err := scanToken(s.read.QueryRowContext(ctx, s.rebind(`SELECT `+tokenColumns+` FROM api_tokens WHERE hash = ?`), hash))
	if errors.Is(err, sql.ErrNoRows) {
		return t, apitoken.ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("read token: %w", err)
	}
	return t, nil
}

// ListTokens lists every token, oldest first.
func (s *Store) ListTokens(ctx context.Context) (_ []apitoken.Token, err error) {
	defer s.Guard(&err)
	rows, err := s.read.QueryContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens ORDER BY id`)
	return collect(rows, err, "list tokens", scanToken)
}

// RevokeToken marks a token revoked; revoking twice keeps the first date.
func (s *Store) RevokeToken(ctx context.Context, name string, at time.Time) (err error) {
	defer s.Guard(&err)
	return s.execOne(ctx, "revoke token", apitoken.ErrNotFound, `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE name = ?`, micros(at), name)
}

// AddVisits adds n visits to a day's count.
func (s *Store) AddVisits(ctx context.Context, day time.Time, n int64) (err error) {
	defer s.Guard(&err)
	return s.inTx(ctx, "add visits", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO visits_daily (day, visits) VALUES (?, ?)
			ON CONFLICT (day) DO UPDATE SET visits = visits_daily.visits + excluded.visits`), day.UTC().Format(time.DateOnly), n)
		return err
	})
}

// Visits returns the counts per day (YYYY-MM-DD) between from and to, inclusive.
func (s *Store) Visits(ctx context.Context, from, to time.Time) (_ map[string]int64, err error) {
	defer s.Guard(&err)
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT day, visits FROM visits_daily WHERE day >= ? AND day <= ?`),
		stats.DayOf(from), stats.DayOf(to))
	if err != nil {
		return nil, fmt.Errorf("read visits: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var day string
		var n int64
		if err := rows.Scan(&day, &n); err != nil {
			return nil, fmt.Errorf("read visits: %w", err)
		}
		out[day] = n
	}
	return out, rows.Err()
}

// Spend records a proof-of-work signature; fresh is false if already spent.
// Expired entries are dropped on the way, so the table stays small.
func (s *Store) Spend(ctx context.Context, signature string, expires time.Time) (fresh bool, err error) {
	defer s.Guard(&err)
	now := s.now()
	err = s.inTx(ctx, "spend challenge", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM altcha_spent WHERE expires_at < ?`), now.Unix()); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO altcha_spent (signature, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING`), signature, expires.Unix())
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		fresh = n == 1
		return nil
	})
	return fresh && err == nil, err
}

// Key returns a named server key, creating it at random the first time.
// Concurrent first calls agree: the loser's insert does nothing.
func (s *Store) Key(ctx context.Context, name string) (key []byte, err error) {
	defer s.Guard(&err)
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	err = s.inTx(ctx, "server key "+name, func(tx *sql.Tx) error {
		// Sealed under the 'server' data key when the store encrypts:
		// whoever holds a copy of the database cannot derive follow-up
		// secrets without the master key.
		var dek []byte
		stored, sealed := fresh, false
		if s.keys != nil {
			var err error
			if dek, _, err = s.dataKey(ctx, tx, serverKey, true); err != nil {
				return err
			}
			if stored, err = keyring.Seal(dek, fresh, serverKeyAD(name)); err != nil {
				return err
			}
			sealed = true
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO server_keys (name, key, sealed) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`), name, stored, sealed); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, s.rebind(`SELECT key, sealed FROM server_keys WHERE name = ?`), name).Scan(&key, &sealed); err != nil {
			return err
		}
		if !sealed {
			return nil
		}
		if dek == nil {
			return ErrMasterKeyNeeded
		}
		var err error
		key, err = keyring.Open(dek, key, serverKeyAD(name))
		return err
	})
	if err != nil {
		return nil, err
	}
	return key, nil
}

// SchemaVersion returns the highest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (_ int, err error) {
	defer s.Guard(&err)
	var v sql.NullInt64
	if err := s.read.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return int(v.Int64), nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) (err error) {
	defer s.Guard(&err)
	return s.read.PingContext(ctx)
}
