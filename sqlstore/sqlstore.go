// Package sqlstore holds the SQL that SQLite and PostgreSQL share. Both
// adapters speak it through database/sql; what differs (placeholders,
// locking, where blobs live, how commits are grouped) stays in the adapter.
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
	"github.com/vigie-platform/vigie/report"
)

// Dialect is what differs between the databases in the shared SQL.
type Dialect struct {
	// Numbered placeholders ($1, $2…) instead of ?.
	Numbered bool
	// SkipLocked: the database supports SELECT … FOR UPDATE SKIP LOCKED,
	// so that several instances share background work.
	SkipLocked bool
	// PlannerNeedsHints: the planner has no statistics (SQLite without
	// ANALYZE) and may pick a worse index than the one a query names; such
	// queries then mark the terms it must not use an index for (see
	// filterOnly).
	PlannerNeedsHints bool
	// IsUniqueViolation tells a unique-constraint error.
	IsUniqueViolation func(error) bool
}

// Queries runs the shared SQL on a database.
type Queries struct {
	dialect Dialect
}

// New prepares the queries for a dialect.
func New(d Dialect) *Queries {
	return &Queries{dialect: d}
}

// Q rewrites ? placeholders for the dialect.
func (q *Queries) Q(query string) string {
	if !q.dialect.Numbered {
		return query
	}
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

// Execer is what both *sql.DB and *sql.Tx offer.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// insertChunk bounds the rows of one multi-row INSERT: 24 parameters a
// row stays far below SQLite's and PostgreSQL's parameter limits.
const insertChunk = 200

const reportColumns = `id, receipt, secret_hash, status, channel, token_name, category, description, urls,
	seen_on, occurred_at, urgent, anonymous, reporter_name, reporter_email, reporter_phone, is_victim,
	loss_cents, loss_currency, loss_means, lang, created_at, idempotency_key, request_hash`

func reportArgs(r *report.Report) ([]any, error) {
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
	return []any{r.ID, r.Receipt, r.FollowUpSecretHash, string(r.Status), string(r.Channel),
		r.TokenName, r.Category, r.Description, string(urls), r.SeenOn, occurred, r.Urgent, r.Reporter.Anonymous,
		r.Reporter.Name, r.Reporter.Email, r.Reporter.Phone, r.IsVictim, lossCents, lossCurrency, lossMeans,
		r.Lang, micros(r.CreatedAt), nullString(r.IdempotencyKey), r.RequestHash}, nil
}

// InsertReports writes reports inside tx. Rows go in with multi-row
// INSERTs that skip conflicts; each row that did not go in is then looked
// at alone: a known idempotency key means a replay (or a mismatch), else
// its random receipt collided and it is tried again with a new one. An
// error returned means tx must be rolled back; per-report outcomes are in
// errs.
func (q *Queries) InsertReports(ctx context.Context, tx Execer, reports []*report.Report) ([]report.CreateResult, []error, error) {
	results := make([]report.CreateResult, len(reports))
	errs := make([]error, len(reports))
	inserted := make(map[string]bool, len(reports))
	// Rows go in ordered by idempotency key, so that two transactions
	// holding the same keys lock them in the same order and cannot deadlock.
	ordered := slices.Clone(reports)
	slices.SortFunc(ordered, func(a, b *report.Report) int {
		return cmp.Or(cmp.Compare(a.TokenName, b.TokenName), cmp.Compare(a.IdempotencyKey, b.IdempotencyKey))
	})
	for lo := 0; lo < len(ordered); lo += insertChunk {
		chunk := ordered[lo:min(lo+insertChunk, len(ordered))]
		var b strings.Builder
		b.WriteString(`INSERT INTO reports (` + reportColumns + `) VALUES `)
		args := make([]any, 0, 24*len(chunk))
		for i, r := range chunk {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
			a, err := reportArgs(r)
			if err != nil {
				return nil, nil, err
			}
			args = append(args, a...)
		}
		b.WriteString(` ON CONFLICT DO NOTHING RETURNING id`)
		rows, err := tx.QueryContext(ctx, q.Q(b.String()), args...)
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
		if err := rows.Close(); err != nil {
			return nil, nil, fmt.Errorf("insert reports: %w", err)
		}
	}
	if err := q.enqueueLinks(ctx, tx, reports, inserted); err != nil {
		return nil, nil, err
	}
	for i, r := range reports {
		if !inserted[r.ID] {
			done, err := q.resolveConflict(ctx, tx, r, &results[i], &errs[i])
			if err != nil {
				return nil, nil, err
			}
			if done {
				continue
			}
		}
		if err := q.insertAttachments(ctx, tx, r); err != nil {
			return nil, nil, err
		}
		results[i] = report.CreateResult{Report: *r}
	}
	return results, errs, nil
}

// enqueueLinks queues the newly inserted reports for the linker, in the
// same transaction: a stored report is always either linked or queued.
func (q *Queries) enqueueLinks(ctx context.Context, tx Execer, reports []*report.Report, inserted map[string]bool) error {
	var ids []any
	for _, r := range reports {
		if inserted[r.ID] {
			ids = append(ids, r.ID)
		}
	}
	for lo := 0; lo < len(ids); lo += 500 {
		chunk := ids[lo:min(lo+500, len(ids))]
		values := strings.TrimSuffix(strings.Repeat("(?),", len(chunk)), ",")
		if _, err := tx.ExecContext(ctx, q.Q(`INSERT INTO link_queue (report_id) VALUES `+values), chunk...); err != nil {
			return fmt.Errorf("queue for linking: %w", err)
		}
	}
	return nil
}

// resolveConflict handles one report whose insert was skipped. done means
// the outcome is a replay or an error, and nothing more is to be written.
func (q *Queries) resolveConflict(ctx context.Context, tx Execer, r *report.Report, result *report.CreateResult, perr *error) (done bool, err error) {
	insert := q.Q(`INSERT INTO reports (` + reportColumns + `) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`)
	for attempt := 0; attempt < 8; attempt++ {
		if r.IdempotencyKey != "" {
			prev, found, err := q.reportByIdempotencyKey(ctx, tx, r.TokenName, r.IdempotencyKey)
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
		args, err := reportArgs(r)
		if err != nil {
			return false, err
		}
		res, err := tx.ExecContext(ctx, insert, args...)
		if err != nil {
			return false, fmt.Errorf("insert report: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			if _, err := tx.ExecContext(ctx, q.Q(`INSERT INTO link_queue (report_id) VALUES (?)`), r.ID); err != nil {
				return false, fmt.Errorf("queue for linking: %w", err)
			}
			return false, nil
		}
	}
	return false, errors.New("insert report: no free receipt after 8 draws")
}

func (q *Queries) insertAttachments(ctx context.Context, tx Execer, r *report.Report) error {
	insert := q.Q(`INSERT INTO report_attachments (report_id, position, sha256, size, filename, content_type) VALUES (?,?,?,?,?,?)`)
	for pos, a := range r.Attachments {
		if _, err := tx.ExecContext(ctx, insert, r.ID, pos, a.SHA256, a.Size, a.Filename, a.ContentType); err != nil {
			return fmt.Errorf("insert attachment: %w", err)
		}
	}
	return nil
}

func (q *Queries) reportByIdempotencyKey(ctx context.Context, db Execer, token, key string) (report.Report, bool, error) {
	r, err := q.scanReport(ctx, db, `WHERE token_name = ? AND idempotency_key = ?`, token, key)
	if errors.Is(err, report.ErrNotFound) {
		return report.Report{}, false, nil
	}
	return r, err == nil, err
}

func (q *Queries) scanReport(ctx context.Context, db Execer, where string, args ...any) (report.Report, error) {
	row := db.QueryRowContext(ctx, q.Q(`SELECT `+reportColumns+` FROM reports `+where), args...)
	var (
		r                       report.Report
		status, channel, urls   string
		occurred, lossCents     sql.NullInt64
		lossCurrency, lossMeans sql.NullString
		created                 int64
		idem                    sql.NullString
	)
	err := row.Scan(&r.ID, &r.Receipt, &r.FollowUpSecretHash, &status, &channel, &r.TokenName, &r.Category, &r.Description, &urls,
		&r.SeenOn, &occurred, &r.Urgent, &r.Reporter.Anonymous, &r.Reporter.Name, &r.Reporter.Email, &r.Reporter.Phone, &r.IsVictim,
		&lossCents, &lossCurrency, &lossMeans, &r.Lang, &created, &idem, &r.RequestHash)
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
	r.CreatedAt = fromMicros(created)
	r.IdempotencyKey = idem.String
	rows, err := db.QueryContext(ctx, q.Q(`SELECT sha256, size, filename, content_type FROM report_attachments WHERE report_id = ? ORDER BY position`), r.ID)
	if err != nil {
		return report.Report{}, fmt.Errorf("read attachments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a report.Attachment
		if err := rows.Scan(&a.SHA256, &a.Size, &a.Filename, &a.ContentType); err != nil {
			return report.Report{}, fmt.Errorf("read attachments: %w", err)
		}
		r.Attachments = append(r.Attachments, a)
	}
	return r, rows.Err()
}

// ReportByID reads one report.
func (q *Queries) ReportByID(ctx context.Context, db Execer, id string) (report.Report, error) {
	return q.scanReport(ctx, db, `WHERE id = ?`, id)
}

// ReportByReceipt reads one report by its receipt code.
func (q *Queries) ReportByReceipt(ctx context.Context, db Execer, receipt string) (report.Report, error) {
	return q.scanReport(ctx, db, `WHERE receipt = ?`, receipt)
}

// CountReports counts every stored report.
func (q *Queries) CountReports(ctx context.Context, db Execer) (int64, error) {
	var n int64
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM reports`).Scan(&n)
	return n, err
}

// CreateToken stores a token.
func (q *Queries) CreateToken(ctx context.Context, db Execer, t apitoken.Token) (apitoken.Token, error) {
	err := db.QueryRowContext(ctx, q.Q(`INSERT INTO api_tokens (name, hash, scopes, rate, created_at) VALUES (?,?,?,?,?) RETURNING id`),
		t.Name, t.Hash, strings.Join(t.Scopes, " "), t.Rate, micros(t.CreatedAt)).Scan(&t.ID)
	if err != nil {
		if q.dialect.IsUniqueViolation(err) {
			return apitoken.Token{}, apitoken.ErrNameTaken
		}
		return apitoken.Token{}, fmt.Errorf("create token: %w", err)
	}
	return t, nil
}

const tokenColumns = `id, name, hash, scopes, rate, created_at, revoked_at`

func scanToken(sc interface{ Scan(...any) error }) (apitoken.Token, error) {
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
func (q *Queries) TokenByHash(ctx context.Context, db Execer, hash []byte) (apitoken.Token, error) {
	t, err := scanToken(db.QueryRowContext(ctx, q.Q(`SELECT `+tokenColumns+` FROM api_tokens WHERE hash = ?`), hash))
	if errors.Is(err, sql.ErrNoRows) {
		return t, apitoken.ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("read token: %w", err)
	}
	return t, nil
}

// ListTokens lists every token, oldest first.
func (q *Queries) ListTokens(ctx context.Context, db Execer) ([]apitoken.Token, error) {
	rows, err := db.QueryContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []apitoken.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken marks a token revoked; revoking twice keeps the first date.
func (q *Queries) RevokeToken(ctx context.Context, db Execer, name string, at time.Time) error {
	res, err := db.ExecContext(ctx, q.Q(`UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE name = ?`), micros(at), name)
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apitoken.ErrNotFound
	}
	return nil
}

// AddVisits adds n visits to a day's count.
func (q *Queries) AddVisits(ctx context.Context, db Execer, day time.Time, n int64) error {
	_, err := db.ExecContext(ctx, q.Q(`INSERT INTO visits_daily (day, visits) VALUES (?, ?)
		ON CONFLICT (day) DO UPDATE SET visits = visits_daily.visits + excluded.visits`), day.UTC().Format(time.DateOnly), n)
	if err != nil {
		return fmt.Errorf("add visits: %w", err)
	}
	return nil
}

// Visits returns the counts per day (YYYY-MM-DD) between from and to, inclusive.
func (q *Queries) Visits(ctx context.Context, db Execer, from, to time.Time) (map[string]int64, error) {
	rows, err := db.QueryContext(ctx, q.Q(`SELECT day, visits FROM visits_daily WHERE day >= ? AND day <= ?`),
		from.UTC().Format(time.DateOnly), to.UTC().Format(time.DateOnly))
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
func (q *Queries) Spend(ctx context.Context, db Execer, signature string, expires, now time.Time) (bool, error) {
	if _, err := db.ExecContext(ctx, q.Q(`DELETE FROM altcha_spent WHERE expires_at < ?`), now.Unix()); err != nil {
		return false, fmt.Errorf("spend challenge: %w", err)
	}
	res, err := db.ExecContext(ctx, q.Q(`INSERT INTO altcha_spent (signature, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING`), signature, expires.Unix())
	if err != nil {
		return false, fmt.Errorf("spend challenge: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Key returns a named server key, creating it at random the first time.
// Concurrent first calls agree: the loser's insert does nothing.
func (q *Queries) Key(ctx context.Context, db Execer, name string) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, q.Q(`INSERT INTO server_keys (name, key) VALUES (?, ?) ON CONFLICT DO NOTHING`), name, fresh); err != nil {
		return nil, fmt.Errorf("server key %s: %w", name, err)
	}
	var key []byte
	if err := db.QueryRowContext(ctx, q.Q(`SELECT key FROM server_keys WHERE name = ?`), name).Scan(&key); err != nil {
		return nil, fmt.Errorf("server key %s: %w", name, err)
	}
	return key, nil
}

// filterOnly returns a WHERE term that the planner evaluates on rows found
// otherwise and never answers from an index: SQLite's unary plus. Without
// it, an UPDATE of 500 reports by id with "triage IN ('new', 'assigned')"
// walked the queue index over every new report (the whole demo backlog at
// a million reports took 2 min 45 s, nearly all of it there).
func (q *Queries) filterOnly(term string) string {
	if q.dialect.PlannerNeedsHints {
		return "+(" + term + ")"
	}
	return term
}
