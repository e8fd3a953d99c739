package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/indicator"
)

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// LinkPending implements correlate.Store on a write transaction.
func (q *Queries) LinkPending(ctx context.Context, db *sql.DB, limit, valueCap int, link func(correlate.PendingReport) []correlate.Posting) (int, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("link: begin: %w", err)
	}
	defer tx.Rollback()
	lock := ""
	if q.dialect.SkipLocked {
		lock = " FOR UPDATE SKIP LOCKED" // several instances: each takes other reports
	}
	rows, err := tx.QueryContext(ctx, q.Q(`SELECT id, created_at, description, urls, seen_on FROM reports
		WHERE NOT linked ORDER BY created_at, id LIMIT ?`+lock), limit)
	if err != nil {
		return 0, fmt.Errorf("link: pending: %w", err)
	}
	var pending []correlate.PendingReport
	index := map[string]int{}
	for rows.Next() {
		var p correlate.PendingReport
		var created int64
		var urls string
		if err := rows.Scan(&p.ID, &created, &p.Fields.Description, &urls, &p.Fields.SeenOn); err != nil {
			rows.Close()
			return 0, fmt.Errorf("link: pending: %w", err)
		}
		p.CreatedAt = fromMicros(created)
		if err := json.Unmarshal([]byte(urls), &p.Fields.URLs); err != nil {
			rows.Close()
			return 0, fmt.Errorf("link: report %s urls: %w", p.ID, err)
		}
		index[p.ID] = len(pending)
		pending = append(pending, p)
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("link: pending: %w", err)
	}
	if len(pending) == 0 {
		return 0, nil
	}
	ids := make([]any, len(pending))
	for i, p := range pending {
		ids[i] = p.ID
	}
	for lo := 0; lo < len(ids); lo += 500 {
		chunk := ids[lo:min(lo+500, len(ids))]
		arows, err := tx.QueryContext(ctx, q.Q(`SELECT report_id, sha256 FROM report_attachments WHERE report_id IN (`+placeholders(len(chunk))+`)`), chunk...)
		if err != nil {
			return 0, fmt.Errorf("link: attachments: %w", err)
		}
		for arows.Next() {
			var id, sha string
			if err := arows.Scan(&id, &sha); err != nil {
				arows.Close()
				return 0, fmt.Errorf("link: attachments: %w", err)
			}
			p := &pending[index[id]]
			p.Fields.Attachments = append(p.Fields.Attachments, sha)
		}
		if err := arows.Close(); err != nil {
			return 0, fmt.Errorf("link: attachments: %w", err)
		}
	}

	upsert, err := tx.PrepareContext(ctx, q.Q(`INSERT INTO indicators (type, value, report_count, first_seen, last_seen, flagged)
		VALUES (?, ?, 1, ?, ?, ?)
		ON CONFLICT (type, value) DO UPDATE SET
			report_count = indicators.report_count + 1,
			first_seen = CASE WHEN excluded.first_seen < indicators.first_seen THEN excluded.first_seen ELSE indicators.first_seen END,
			last_seen = CASE WHEN excluded.last_seen > indicators.last_seen THEN excluded.last_seen ELSE indicators.last_seen END,
			flagged = COALESCE(indicators.flagged, excluded.flagged,
				CASE WHEN indicators.report_count + 1 > ? THEN 'cap' END)
		RETURNING id, flagged`))
	if err != nil {
		return 0, fmt.Errorf("link: prepare: %w", err)
	}
	defer upsert.Close()
	post, err := tx.PrepareContext(ctx, q.Q(`INSERT INTO report_indicators (indicator_id, seen_at, report_id, raw) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`))
	if err != nil {
		return 0, fmt.Errorf("link: prepare: %w", err)
	}
	defer post.Close()
	for _, p := range pending {
		at := micros(p.CreatedAt)
		for _, ps := range link(p) {
			var id int64
			var flagged sql.NullString
			if err := upsert.QueryRowContext(ctx, string(ps.Type), ps.Value, at, at, nullString(ps.Listed), valueCap).Scan(&id, &flagged); err != nil {
				return 0, fmt.Errorf("link: indicator: %w", err)
			}
			if flagged.Valid {
				continue // listed or past the cap: counted, but links no more
			}
			if _, err := post.ExecContext(ctx, id, at, p.ID, ps.Raw); err != nil {
				return 0, fmt.Errorf("link: posting: %w", err)
			}
		}
	}
	for lo := 0; lo < len(ids); lo += 500 {
		chunk := ids[lo:min(lo+500, len(ids))]
		if _, err := tx.ExecContext(ctx, q.Q(`UPDATE reports SET linked = TRUE WHERE id IN (`+placeholders(len(chunk))+`)`), chunk...); err != nil {
			return 0, fmt.Errorf("link: mark: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("link: commit: %w", err)
	}
	return len(pending), nil
}

const infoColumns = `type, value, report_count, first_seen, last_seen, flagged`

func scanInfo(sc interface{ Scan(...any) error }, extra ...any) (correlate.Info, error) {
	var (
		i           correlate.Info
		typ         string
		first, last int64
		flagged     sql.NullString
	)
	if err := sc.Scan(append([]any{&typ, &i.Value, &i.Count, &first, &last, &flagged}, extra...)...); err != nil {
		return i, err
	}
	i.Type, i.FirstSeen, i.LastSeen, i.Flagged = indicator.Type(typ), fromMicros(first), fromMicros(last), flagged.String
	return i, nil
}

// Indicator reads one identifier's record.
func (q *Queries) Indicator(ctx context.Context, db Execer, t indicator.Type, value string) (correlate.Info, error) {
	i, err := scanInfo(db.QueryRowContext(ctx, q.Q(`SELECT `+infoColumns+` FROM indicators WHERE type = ? AND value = ?`), string(t), value))
	if errors.Is(err, sql.ErrNoRows) {
		return i, correlate.ErrNotFound
	}
	if err != nil {
		return i, fmt.Errorf("indicator: %w", err)
	}
	return i, nil
}

func encodeCursor(seenAt int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(seenAt, 10) + ":" + id))
}

func decodeCursor(c string) (int64, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, "", errors.New("bad cursor")
	}
	at, id, ok := strings.Cut(string(b), ":")
	v, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil {
		return 0, "", errors.New("bad cursor")
	}
	return v, id, nil
}

// ErrBadCursor is returned for a cursor this store did not make.
var ErrBadCursor = errors.New("bad cursor")

// IndicatorReports pages through the reports naming a value, newest first.
func (q *Queries) IndicatorReports(ctx context.Context, db Execer, t indicator.Type, value, cursor string, limit int) ([]string, string, error) {
	var id int64
	if err := db.QueryRowContext(ctx, q.Q(`SELECT id FROM indicators WHERE type = ? AND value = ?`), string(t), value).Scan(&id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, "", correlate.ErrNotFound
		}
		return nil, "", fmt.Errorf("indicator reports: %w", err)
	}
	query := `SELECT seen_at, report_id FROM report_indicators WHERE indicator_id = ?`
	args := []any{id}
	if cursor != "" {
		at, rid, err := decodeCursor(cursor)
		if err != nil {
			return nil, "", ErrBadCursor
		}
		query += ` AND (seen_at < ? OR (seen_at = ? AND report_id < ?))`
		args = append(args, at, at, rid)
	}
	query += ` ORDER BY seen_at DESC, report_id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := db.QueryContext(ctx, q.Q(query), args...)
	if err != nil {
		return nil, "", fmt.Errorf("indicator reports: %w", err)
	}
	defer rows.Close()
	var ids []string
	var lastAt int64
	next := ""
	for rows.Next() {
		var at int64
		var rid string
		if err := rows.Scan(&at, &rid); err != nil {
			return nil, "", fmt.Errorf("indicator reports: %w", err)
		}
		if len(ids) == limit {
			next = encodeCursor(lastAt, ids[len(ids)-1])
			break
		}
		ids, lastAt = append(ids, rid), at
	}
	return ids, next, rows.Err()
}

// ReportIndicators lists a report's identifiers with their counts.
func (q *Queries) ReportIndicators(ctx context.Context, db Execer, reportID string) ([]correlate.Info, error) {
	rows, err := db.QueryContext(ctx, q.Q(`SELECT i.type, i.value, i.report_count, i.first_seen, i.last_seen, i.flagged, ri.raw
		FROM report_indicators ri JOIN indicators i ON i.id = ri.indicator_id
		WHERE ri.report_id = ? ORDER BY i.report_count DESC, i.type, i.value`), reportID)
	if err != nil {
		return nil, fmt.Errorf("report indicators: %w", err)
	}
	defer rows.Close()
	var out []correlate.Info
	for rows.Next() {
		var raw string
		i, err := scanInfo(rows, &raw)
		if err != nil {
			return nil, fmt.Errorf("report indicators: %w", err)
		}
		i.Raw = raw
		out = append(out, i)
	}
	return out, rows.Err()
}

// TopIndicators lists the most shared identifiers.
func (q *Queries) TopIndicators(ctx context.Context, db Execer, limit int) ([]correlate.Info, error) {
	rows, err := db.QueryContext(ctx, q.Q(`SELECT `+infoColumns+` FROM indicators ORDER BY report_count DESC, type, value LIMIT ?`), limit)
	if err != nil {
		return nil, fmt.Errorf("top indicators: %w", err)
	}
	defer rows.Close()
	var out []correlate.Info
	for rows.Next() {
		i, err := scanInfo(rows)
		if err != nil {
			return nil, fmt.Errorf("top indicators: %w", err)
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// UnlinkedCount counts reports waiting to be linked.
func (q *Queries) UnlinkedCount(ctx context.Context, db Execer) (int64, error) {
	var n int64
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM reports WHERE NOT linked`).Scan(&n)
	return n, err
}

// ResetLinks empties the index.
func (q *Queries) ResetLinks(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, stmt := range []string{`DELETE FROM report_indicators`, `DELETE FROM indicators`, `UPDATE reports SET linked = FALSE WHERE linked`} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("reset links: %w", err)
		}
	}
	return tx.Commit()
}
