package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/indicator"
)

// TxBeginner is what *sql.DB and *sql.Conn offer.
type TxBeginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// LinkPending implements correlate.Store on the write pool.
func (s *Store) LinkPending(ctx context.Context, limit, valueCap int, link func(correlate.PendingReport) []correlate.Posting) (_ int, err error) {
	defer s.Guard(&err)
	return s.LinkPendingOn(ctx, s.write, limit, valueCap, link)
}

// LinkPendingOn is LinkPending on db, for an adapter that links on a
// connection of its own. The index is derived data: its transaction
// commits without waiting for the log flush, and a crash that loses it
// leaves its reports in the queue, to be linked again.
func (s *Store) LinkPendingOn(ctx context.Context, db TxBeginner, limit, valueCap int, link func(correlate.PendingReport) []correlate.Posting) (n int, err error) {
	defer s.Guard(&err)
	err = s.derivedTx(ctx, db, "link", func(tx *sql.Tx) (audit.Outcome, error) {
		var err error
		n, err = s.linkPending(ctx, tx, limit, valueCap, link)
		return audit.Outcome{Changed: n}, err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

func (s *Store) linkPending(ctx context.Context, tx *sql.Tx, limit, valueCap int, link func(correlate.PendingReport) []correlate.Posting) (int, error) {
	// The claim skips reports that a linker on another instance holds. It
	// reads each report's attachment hashes too, in the same round trip.
	rows, err := tx.QueryContext(ctx, s.rebind(`SELECT r.id, r.created_at, r.description, r.urls, r.seen_on,
		(SELECT string_agg(a.sha256, ',') FROM report_attachments a WHERE a.report_id = r.id)
		FROM link_queue JOIN reports r ON r.id = link_queue.report_id
		ORDER BY link_queue.seq LIMIT ?`+s.engine.ClaimSuffix("link_queue")), limit)
	if err != nil {
		return 0, fmt.Errorf("pending: %w", err)
	}
	var pending []correlate.PendingReport
	for rows.Next() {
		var p correlate.PendingReport
		var created int64
		var urls string
		var attachments sql.NullString
		if err := rows.Scan(&p.ID, &created, &p.Fields.Description, &urls, &p.Fields.SeenOn, &attachments); err != nil {
			rows.Close()
			return 0, fmt.Errorf("pending: %w", err)
		}
		p.CreatedAt = fromMicros(created)
		if err := json.Unmarshal([]byte(urls), &p.Fields.URLs); err != nil {
			rows.Close()
			return 0, fmt.Errorf("report %s urls: %w", p.ID, err)
		}
		if attachments.String != "" {
			p.Fields.Attachments = strings.Split(attachments.String, ",")
		}
		pending = append(pending, p)
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("pending: %w", err)
	}
	if len(pending) == 0 {
		return 0, nil
	}
	ids := make([]any, len(pending))
	for i, p := range pending {
		ids[i] = p.ID
	}
	stmts := newChunkStmts(tx)
	defer stmts.close()

	if err := s.indexAll(ctx, tx, stmts, pending, valueCap, link); err != nil {
		return 0, err
	}
	if err := s.indexReportText(ctx, tx, ids); err != nil {
		return 0, err
	}
	for lo := 0; lo < len(ids); lo += 500 {
		chunk := ids[lo:min(lo+500, len(ids))]
		if _, err := stmts.exec(ctx, s.rebind(`DELETE FROM link_queue WHERE report_id IN (`+Placeholders(len(chunk))+`)`), chunk...); err != nil {
			return 0, fmt.Errorf("mark: %w", err)
		}
		// Linked reports wait to be placed in waves (AssignWaves).
		if _, err := stmts.exec(ctx, s.rebind(`INSERT INTO wave_queue (report_id) VALUES `+strings.TrimSuffix(strings.Repeat("(?),", len(chunk)), ",")+` ON CONFLICT DO NOTHING`), chunk...); err != nil {
			return 0, fmt.Errorf("wave queue: %w", err)
		}
	}
	return len(pending), nil
}

// chunkStmts runs the statements of the loops over chunks of a batch. A
// text met a second time in the transaction (a full chunk of a big batch,
// a rebuild's) is prepared then and reused: parsing statements of
// hundreds of placeholders again for every chunk was a tenth of a SQLite
// rebuild. A text run once (linking a few reports) costs no more than
// before: it is not prepared.
type chunkStmts struct {
	tx       *sql.Tx
	seen     map[string]bool
	prepared map[string]*sql.Stmt
}

func newChunkStmts(tx *sql.Tx) *chunkStmts {
	return &chunkStmts{tx: tx, seen: map[string]bool{}, prepared: map[string]*sql.Stmt{}}
}

func (c *chunkStmts) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := c.prepared[query]; ok {
		return st, nil
	}
	if !c.seen[query] {
		c.seen[query] = true
		return nil, nil
	}
	st, err := c.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.prepared[query] = st
	return st, nil
}

func (c *chunkStmts) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.tx.ExecContext(ctx, query, args...)
}

func (c *chunkStmts) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.tx.QueryContext(ctx, query, args...)
}

// close releases the prepared statements; the transaction's end would too.
func (c *chunkStmts) close() {
	for _, st := range c.prepared {
		st.Close()
	}
}

// occurrence is one report naming one value, in report order.
type occurrence struct {
	reportID string
	at       int64
	raw      string
}

// valueBatch gathers every occurrence of one value in a batch, so that the
// value costs one upsert however many reports name it.
type valueBatch struct {
	t      indicator.Type
	value  string
	listed string
	occ    []occurrence
	first  int64
	last   int64
}

// extractAll runs link over every report, on all cores for big batches
// (a rebuild); extraction is pure computation.
func extractAll(pending []correlate.PendingReport, link func(correlate.PendingReport) []correlate.Posting) [][]correlate.Posting {
	out := make([][]correlate.Posting, len(pending))
	workers := runtime.GOMAXPROCS(0)
	if len(pending) < 64 || workers == 1 {
		for i, p := range pending {
			out[i] = link(p)
		}
		return out
	}
	var wg sync.WaitGroup
	per := (len(pending) + workers - 1) / workers
	for lo := 0; lo < len(pending); lo += per {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				out[i] = link(pending[i])
			}
		}(lo, min(lo+per, len(pending)))
	}
	wg.Wait()
	return out
}

// pipelineBatch is the part of a big batch (a rebuild's) whose writes
// overlap the extraction of the next part.
const pipelineBatch = 5000

// indexAll extracts and writes the postings of a batch. On an engine with
// a single writer, a big batch goes in parts: while the writer indexes
// one, the next is extracted on another core (extraction was a tenth of a
// SQLite rebuild, with the writer waiting). Where several linkers write
// at once, one batch keeps one sorted order of its values, so that
// linkers lock rows in the same order and never deadlock.
func (s *Store) indexAll(ctx context.Context, tx *sql.Tx, stmts *chunkStmts, pending []correlate.PendingReport, valueCap int, link func(correlate.PendingReport) []correlate.Posting) error {
	if len(pending) <= pipelineBatch || !s.engine.SingleWriter() {
		return s.index(ctx, tx, stmts, pending, extractAll(pending, link), valueCap)
	}
	next := make(chan [][]correlate.Posting, 1) // never blocks: no goroutine outlives an error
	extract := func(part []correlate.PendingReport) {
		go func() { next <- extractAll(part, link) }()
	}
	extract(pending[:pipelineBatch])
	for lo := 0; lo < len(pending); lo += pipelineBatch {
		part := pending[lo:min(lo+pipelineBatch, len(pending))]
		all := <-next
		if hi := lo + pipelineBatch; hi < len(pending) {
			extract(pending[hi:min(hi+pipelineBatch, len(pending))])
		}
		if err := s.index(ctx, tx, stmts, part, all, valueCap); err != nil {
			return err
		}
	}
	return nil
}

// index writes the postings of a batch of reports: one multi-row upsert per
// chunk of distinct values, then multi-row inserts of the postings. Values
// go in sorted, so that concurrent linkers lock rows in the same order.
func (s *Store) index(ctx context.Context, tx *sql.Tx, stmts *chunkStmts, pending []correlate.PendingReport, all [][]correlate.Posting, valueCap int) error {
	byKey := map[[2]string]*valueBatch{}
	for i, p := range pending {
		at := micros(p.CreatedAt)
		for _, ps := range all[i] {
			k := [2]string{string(ps.Type), ps.Value}
			vb, ok := byKey[k]
			if !ok {
				vb = &valueBatch{t: ps.Type, value: ps.Value, listed: ps.Listed, first: at, last: at}
				byKey[k] = vb
			}
			vb.occ = append(vb.occ, occurrence{p.ID, at, ps.Raw})
			vb.first, vb.last = min(vb.first, at), max(vb.last, at)
		}
	}
	values := make([]*valueBatch, 0, len(byKey))
	for _, vb := range byKey {
		values = append(values, vb)
	}
	slices.SortFunc(values, func(a, b *valueBatch) int {
		return cmp.Or(cmp.Compare(a.t, b.t), cmp.Compare(a.value, b.value))
	})
	type posting struct {
		id  int64
		occ occurrence
	}
	var postings []posting
	var capped []any
	// Reports that now share a linking value with another report, and the
	// values whose one earlier report becomes related by this batch.
	related := map[string]struct{}{}
	var wake []any
	const valuesPerUpsert = 150
	for lo := 0; lo < len(values); lo += valuesPerUpsert {
		chunk := values[lo:min(lo+valuesPerUpsert, len(values))]
		var b strings.Builder
		b.WriteString(`INSERT INTO indicators (type, value, report_count, first_seen, last_seen, flagged) VALUES `)
		args := make([]any, 0, len(chunk)*6+1)
		for i, vb := range chunk {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`(?,?,?,?,?,?)`)
			args = append(args, string(vb.t), vb.value, len(vb.occ), vb.first, vb.last, nullString(vb.listed))
		}
		b.WriteString(` ON CONFLICT (type, value) DO UPDATE SET
			report_count = indicators.report_count + excluded.report_count,
			first_seen = CASE WHEN excluded.first_seen < indicators.first_seen THEN excluded.first_seen ELSE indicators.first_seen END,
			last_seen = CASE WHEN excluded.last_seen > indicators.last_seen THEN excluded.last_seen ELSE indicators.last_seen END,
			flagged = COALESCE(indicators.flagged, excluded.flagged)
			RETURNING id, type, value, report_count, flagged`)
		rows, err := stmts.query(ctx, s.rebind(b.String()), args...)
		if err != nil {
			return fmt.Errorf("indicators: %w", err)
		}
		for rows.Next() {
			var id, count int64
			var typ, value string
			var flagged sql.NullString
			if err := rows.Scan(&id, &typ, &value, &count, &flagged); err != nil {
				rows.Close()
				return fmt.Errorf("indicators: %w", err)
			}
			vb := byKey[[2]string{typ, value}]
			if vb == nil || flagged.Valid {
				continue // listed, or already past the cap: counted, links no more
			}
			// The first reports up to the cap link; the value is flagged
			// once its count passes the cap.
			before := count - int64(len(vb.occ))
			allowed := min(int64(len(vb.occ)), max(0, int64(valueCap)-before))
			for _, o := range vb.occ[:allowed] {
				postings = append(postings, posting{id, o})
				if count > 1 {
					related[o.reportID] = struct{}{}
				}
			}
			if before == 1 && allowed > 0 {
				wake = append(wake, id)
			}
			if count > int64(valueCap) {
				capped = append(capped, id)
			}
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("indicators: %w", err)
		}
	}
	// In index order: neighbouring rows land on the same B-tree pages.
	slices.SortFunc(postings, func(a, b posting) int {
		return cmp.Or(cmp.Compare(a.id, b.id), cmp.Compare(a.occ.at, b.occ.at), cmp.Compare(a.occ.reportID, b.occ.reportID))
	})
	const postingsPerInsert = 250
	for lo := 0; lo < len(postings); lo += postingsPerInsert {
		chunk := postings[lo:min(lo+postingsPerInsert, len(postings))]
		var b strings.Builder
		b.WriteString(`INSERT INTO report_indicators (indicator_id, seen_at, report_id, raw) VALUES `)
		args := make([]any, 0, len(chunk)*4)
		for i, p := range chunk {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`(?,?,?,?)`)
			args = append(args, p.id, p.occ.at, p.occ.reportID, p.occ.raw)
		}
		b.WriteString(` ON CONFLICT DO NOTHING`)
		if _, err := stmts.exec(ctx, s.rebind(b.String()), args...); err != nil {
			return fmt.Errorf("postings: %w", err)
		}
	}
	if err := s.markRelated(ctx, tx, related, wake); err != nil {
		return err
	}
	if len(capped) > 0 {
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE indicators SET flagged = 'cap' WHERE flagged IS NULL AND id IN (`+Placeholders(len(capped))+`)`), capped...); err != nil {
			return fmt.Errorf("cap: %w", err)
		}
	}
	return nil
}

// markRelated records reports that share a linking value with another
// (see related_reports): this batch's, and the one earlier report of each
// value that had a single report before it.
func (s *Store) markRelated(ctx context.Context, tx *sql.Tx, related map[string]struct{}, wake []any) error {
	ids := make([]string, 0, len(related))
	for id := range related {
		ids = append(ids, id)
	}
	slices.Sort(ids) // primary-key order, and the same lock order on every linker
	for lo := 0; lo < len(ids); lo += 500 {
		chunk := toAny(ids[lo:min(lo+500, len(ids))])
		values := strings.TrimSuffix(strings.Repeat("(?),", len(chunk)), ",")
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO related_reports (report_id) VALUES `+values+` ON CONFLICT DO NOTHING`), chunk...); err != nil {
			return fmt.Errorf("related: %w", err)
		}
	}
	for lo := 0; lo < len(wake); lo += 500 {
		chunk := wake[lo:min(lo+500, len(wake))]
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO related_reports (report_id)
			SELECT DISTINCT report_id FROM report_indicators WHERE indicator_id IN (`+Placeholders(len(chunk))+`)
			ON CONFLICT DO NOTHING`), chunk...); err != nil {
			return fmt.Errorf("related: %w", err)
		}
	}
	return nil
}

const infoColumns = `type, value, report_count, first_seen, last_seen, flagged`

func scanInfo(sc scanner, extra ...any) (correlate.Info, error) {
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
func (s *Store) Indicator(ctx context.Context, t indicator.Type, value string) (_ correlate.Info, err error) {
	defer s.Guard(&err)
	i, err := scanInfo(s.read.QueryRowContext(ctx, s.rebind(`SELECT `+infoColumns+` FROM indicators WHERE type = ? AND value = ?`), string(t), value))
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

// IndicatorReports pages through the reports naming a value, newest first.
func (s *Store) IndicatorReports(ctx context.Context, t indicator.Type, value, cursor string, limit int) (_ []string, _ string, err error) {
	defer s.Guard(&err)
	var id int64
	if err := s.read.QueryRowContext(ctx, s.rebind(`SELECT id FROM indicators WHERE type = ? AND value = ?`), string(t), value).Scan(&id); err != nil {
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
			return nil, "", correlate.ErrBadCursor
		}
		query += ` AND (seen_at < ? OR (seen_at = ? AND report_id < ?))`
		args = append(args, at, at, rid)
	}
	query += ` ORDER BY seen_at DESC, report_id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.read.QueryContext(ctx, s.rebind(query), args...)
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
func (s *Store) ReportIndicators(ctx context.Context, reportID string) (_ []correlate.Info, err error) {
	defer s.Guard(&err)
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT i.type, i.value, i.report_count, i.first_seen, i.last_seen, i.flagged, ri.raw
		FROM report_indicators ri JOIN indicators i ON i.id = ri.indicator_id
		WHERE ri.report_id = ? ORDER BY i.report_count DESC, i.type, i.value`), reportID)
	return collect(rows, err, "report indicators", func(sc scanner) (correlate.Info, error) {
		var raw string
		i, err := scanInfo(sc, &raw)
		i.Raw = raw
		return i, err
	})
}

// ReportsIndicators is ReportIndicators for many reports in one query, for
// pages that draw several reports' identifiers at once (a case's graph).
func (s *Store) ReportsIndicators(ctx context.Context, reportIDs []string) (_ map[string][]correlate.Info, err error) {
	defer s.Guard(&err)
	out := make(map[string][]correlate.Info, len(reportIDs))
	if len(reportIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(reportIDs))
	for i, id := range reportIDs {
		args[i] = id
	}
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT ri.report_id, i.type, i.value, i.report_count, i.first_seen, i.last_seen, i.flagged, ri.raw
		FROM report_indicators ri JOIN indicators i ON i.id = ri.indicator_id
		WHERE ri.report_id IN (`+Placeholders(len(reportIDs))+`) ORDER BY ri.report_id, i.report_count DESC, i.type, i.value`), args...)
	type owned struct {
		report string
		info   correlate.Info
	}
	found, err := collect(rows, err, "reports' indicators", func(sc scanner) (owned, error) {
		var o owned
		var raw string
		var err error
		o.info, err = scanInfo(prefixed{sc, &o.report}, &raw)
		o.info.Raw = raw
		return o, err
	})
	for _, o := range found {
		out[o.report] = append(out[o.report], o.info)
	}
	return out, err
}

// prefixed scans a leading column into first, then the rest with sc.
type prefixed struct {
	sc    scanner
	first *string
}

func (p prefixed) Scan(dest ...any) error { return p.sc.Scan(append([]any{p.first}, dest...)...) }

// TopIndicators lists the most shared identifiers.
func (s *Store) TopIndicators(ctx context.Context, limit int) (_ []correlate.Info, err error) {
	defer s.Guard(&err)
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT `+infoColumns+` FROM indicators ORDER BY report_count DESC, type, value LIMIT ?`), limit)
	return collect(rows, err, "top indicators", func(sc scanner) (correlate.Info, error) { return scanInfo(sc) })
}

// UnlinkedCount counts reports waiting to be linked.
func (s *Store) UnlinkedCount(ctx context.Context) (n int64, err error) {
	defer s.Guard(&err)
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM link_queue`).Scan(&n); err != nil {
		return 0, fmt.Errorf("unlinked count: %w", err)
	}
	return n, nil
}

// ResetLinks empties the index.
func (s *Store) ResetLinks(ctx context.Context) (err error) {
	defer s.Guard(&err)
	return s.inTx(ctx, "reset links", func(tx *sql.Tx) error {
		for _, stmt := range []string{`DELETE FROM report_indicators`, `DELETE FROM indicators`, `DELETE FROM related_reports`, `DELETE FROM link_queue`,
			`INSERT INTO link_queue (report_id) SELECT id FROM reports ORDER BY created_at, id`} {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return err
			}
		}
		return nil
	})
}

// IndexSize counts identifiers and links.
func (s *Store) IndexSize(ctx context.Context) (n, links int64, err error) {
	defer s.Guard(&err)
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM indicators`).Scan(&n); err != nil {
		return 0, 0, fmt.Errorf("index size: %w", err)
	}
	if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM report_indicators`).Scan(&links); err != nil {
		return 0, 0, fmt.Errorf("index size: %w", err)
	}
	return n, links, nil
}
