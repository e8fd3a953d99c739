package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/stats"
	"github.com/vigie-platform/vigie/triage"
	"github.com/vigie-platform/vigie/wave"
)

// waveLock makes placing reports in waves one transaction at a time across
// instances: two placers seeing the same new key at once would start two
// waves for one.
const waveLock = 0x77617665 // "wave"

// waveMember is a report of a batch, or an earlier report a batch matched.
type waveMember struct {
	id      string
	created int64
	wave    int64 // 0: none yet
}

// AssignWaves implements wave.Store. Waves are derived data, like links:
// the transaction commits without waiting for its flush, and a crash that
// loses it leaves its reports in wave_queue, to be placed again.
func (s *Store) AssignWaves(ctx context.Context, limit int, threshold float64, keys func(wave.Pending) wave.Keys) (n int, err error) {
	defer s.Guard(&err)
	err = s.derivedTx(ctx, s.write, "waves", func(tx *sql.Tx) (audit.Outcome, error) {
		if err := s.engine.SerialLock(ctx, tx, waveLock); err != nil {
			return audit.Outcome{}, err
		}
		var err error
		n, err = s.assignWaves(ctx, tx, limit, threshold, keys)
		return audit.Outcome{Changed: n}, err
	})
	return n, err
}

func (s *Store) assignWaves(ctx context.Context, tx *sql.Tx, limit int, threshold float64, keysOf func(wave.Pending) wave.Keys) (int, error) {
	rows, err := tx.QueryContext(ctx, s.rebind(`SELECT r.id, r.created_at, r.description, r.urls, r.seen_on, COALESCE(r.wave_id, 0),
		(SELECT string_agg(a.sha256, ',') FROM report_attachments a WHERE a.report_id = r.id)
		FROM wave_queue q JOIN reports r ON r.id = q.report_id ORDER BY q.seq LIMIT ?`), limit)
	if err != nil {
		return 0, fmt.Errorf("claim: %w", err)
	}
	var pending []wave.Pending
	members := map[string]*waveMember{}
	for rows.Next() {
		var p wave.Pending
		var created, waveID int64
		var urls string
		var attachments sql.NullString
		if err := rows.Scan(&p.ID, &created, &p.Fields.Description, &urls, &p.Fields.SeenOn, &waveID, &attachments); err != nil {
			rows.Close()
			return 0, fmt.Errorf("claim: %w", err)
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
		members[p.ID] = &waveMember{id: p.ID, created: created, wave: waveID}
	}
	if err := endRows(rows); err != nil {
		return 0, fmt.Errorf("claim: %w", err)
	}
	if len(pending) == 0 {
		return 0, nil
	}
	all := make([]wave.Keys, len(pending))
	for i, p := range pending {
		all[i] = keysOf(p)
	}

	// Who already holds each key, then those reports' waves and
	// signatures: three reads for the whole batch.
	var lookup []string
	bands := make([][]string, len(pending))
	for i, k := range all {
		lookup = append(lookup, k.Exact...)
		if k.HasText {
			bands[i] = wave.BandKeys(k.Text.Sig)
			lookup = append(lookup, bands[i]...)
		}
	}
	slices.Sort(lookup)
	lookup = slices.Compact(lookup)
	owner := map[string]string{}
	for lo := 0; lo < len(lookup); lo += 500 {
		chunk := lookup[lo:min(lo+500, len(lookup))]
		rows, err := tx.QueryContext(ctx, s.rebind(`SELECT key, report_id FROM wave_keys WHERE key IN (`+Placeholders(len(chunk))+`)`), toAny(chunk)...)
		if err != nil {
			return 0, fmt.Errorf("keys: %w", err)
		}
		for rows.Next() {
			var k, id string
			if err := rows.Scan(&k, &id); err != nil {
				rows.Close()
				return 0, fmt.Errorf("keys: %w", err)
			}
			owner[k] = id
		}
		if err := endRows(rows); err != nil {
			return 0, fmt.Errorf("keys: %w", err)
		}
	}
	var earlier []string
	for _, id := range owner {
		if members[id] == nil {
			members[id] = nil // placeholder until read
			earlier = append(earlier, id)
		}
	}
	slices.Sort(earlier)
	sigs := map[string]wave.Text{}
	for lo := 0; lo < len(earlier); lo += 500 {
		chunk := toAny(earlier[lo:min(lo+500, len(earlier))])
		rows, err := tx.QueryContext(ctx, s.rebind(`SELECT r.id, r.created_at, COALESCE(r.wave_id, 0), s.sig FROM reports r
			LEFT JOIN wave_signatures s ON s.report_id = r.id WHERE r.id IN (`+Placeholders(len(chunk))+`)`), chunk...)
		if err != nil {
			return 0, fmt.Errorf("earlier reports: %w", err)
		}
		for rows.Next() {
			m := &waveMember{}
			var sig []byte
			if err := rows.Scan(&m.id, &m.created, &m.wave, &sig); err != nil {
				rows.Close()
				return 0, fmt.Errorf("earlier reports: %w", err)
			}
			members[m.id] = m
			if sg, ok := wave.ParseText(sig); ok {
				sigs[m.id] = sg
			}
		}
		if err := endRows(rows); err != nil {
			return 0, fmt.Errorf("earlier reports: %w", err)
		}
	}

	// Place the batch in order, each report seeing the keys of those
	// before it in the batch.
	type newWave struct {
		m         *waveMember
		kind, key string
	}
	var (
		made     []newWave
		joined   = map[int64][]*waveMember{} // wave (or -index into made, -1 first) → members added
		newKeys  [][2]string
		newSigs  []any
		nextTemp int64 = -1
	)
	join := func(m *waveMember, w int64) {
		m.wave = w
		joined[w] = append(joined[w], m)
	}
	for i, p := range pending {
		me := members[p.ID]
		k := all[i]
		if me.wave == 0 {
			var best *waveMember
			var kind, key string
			consider := func(id, k, v string) {
				c := members[id]
				if c == nil || c.id == me.id {
					return // a purged report, or the report itself (placed again after a rebuild)
				}
				if best == nil || (best.wave == 0 && c.wave != 0) || (c.wave != 0 && best.wave != 0 && waveBefore(c.wave, best.wave)) {
					best, kind, key = c, k, v
				}
			}
			for _, key := range k.Exact {
				if id, ok := owner[key]; ok {
					kd := wave.KindURL
					if strings.HasPrefix(key, "h:") {
						kd = wave.KindHash
					}
					consider(id, kd, key[2:])
				}
			}
			for _, band := range bands[i] {
				id, ok := owner[band]
				if !ok || (best != nil && best.wave != 0) {
					continue
				}
				if sg, ok := sigs[id]; ok && wave.Matches(sg, k.Text, threshold) {
					consider(id, wave.KindText, "")
				}
			}
			switch {
			case best == nil:
			case best.wave != 0:
				join(me, best.wave)
			default:
				// A wave starts with the earlier report, on its content.
				w := nextTemp
				nextTemp--
				made = append(made, newWave{m: best, kind: kind, key: key})
				join(best, w)
				join(me, w)
			}
		}
		for _, key := range k.Exact {
			if _, ok := owner[key]; !ok {
				owner[key] = p.ID
				newKeys = append(newKeys, [2]string{key, p.ID})
			}
		}
		for _, band := range bands[i] {
			if _, ok := owner[band]; !ok {
				owner[band] = p.ID
				newKeys = append(newKeys, [2]string{band, p.ID})
			}
		}
		if k.HasText {
			sigs[p.ID] = k.Text
			newSigs = append(newSigs, p.ID, k.Text.Bytes())
		}
	}

	// Write: new waves get their numbers, then members, days and counts.
	number := map[int64]int64{}
	for i, nw := range made {
		var id int64
		err := tx.QueryRowContext(ctx, s.rebind(`INSERT INTO waves (created_at, last_at, size, kind, key, lead) VALUES (?, ?, 0, ?, ?, ?) RETURNING id`),
			nw.m.created, nw.m.created, nw.kind, nw.key, nw.m.id).Scan(&id)
		if err != nil {
			return 0, fmt.Errorf("new wave: %w", err)
		}
		number[-int64(i)-1] = id
	}
	waveIDs := make([]int64, 0, len(joined))
	for w := range joined {
		waveIDs = append(waveIDs, w)
	}
	slices.Sort(waveIDs)
	for _, w := range waveIDs {
		ms := joined[w]
		id := w
		if w < 0 {
			id = number[w]
		}
		ids := make([]string, len(ms))
		days := map[string]int{}
		var last int64
		for j, m := range ms {
			m.wave = id
			ids[j] = m.id
			days[stats.DayOf(fromMicros(m.created))]++
			last = max(last, m.created)
		}
		slices.Sort(ids)
		for lo := 0; lo < len(ids); lo += 500 {
			chunk := ids[lo:min(lo+500, len(ids))]
			if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE reports SET wave_id = ? WHERE id IN (`+Placeholders(len(chunk))+`)`), append([]any{id}, toAny(chunk)...)...); err != nil {
				return 0, fmt.Errorf("wave members: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE waves SET size = size + ?, last_at = CASE WHEN last_at > ? THEN last_at ELSE ? END WHERE id = ?`),
			len(ms), last, last, id); err != nil {
			return 0, fmt.Errorf("wave size: %w", err)
		}
		dayList := make([]string, 0, len(days))
		for d := range days {
			dayList = append(dayList, d)
		}
		slices.Sort(dayList)
		args := make([]any, 0, 3*len(dayList))
		for _, d := range dayList {
			args = append(args, id, d, days[d])
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO wave_days (wave_id, day, n) VALUES `+strings.TrimSuffix(strings.Repeat("(?,?,?),", len(dayList)), ",")+
			` ON CONFLICT (wave_id, day) DO UPDATE SET n = wave_days.n + excluded.n`), args...); err != nil {
			return 0, fmt.Errorf("wave days: %w", err)
		}
	}
	slices.SortFunc(newKeys, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	for lo := 0; lo < len(newKeys); lo += 250 {
		chunk := newKeys[lo:min(lo+250, len(newKeys))]
		args := make([]any, 0, 2*len(chunk))
		for _, k := range chunk {
			args = append(args, k[0], k[1])
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO wave_keys (key, report_id) VALUES `+strings.TrimSuffix(strings.Repeat("(?,?),", len(chunk)), ",")+
			` ON CONFLICT DO NOTHING`), args...); err != nil {
			return 0, fmt.Errorf("wave keys: %w", err)
		}
	}
	for lo := 0; lo < len(newSigs); lo += 500 {
		chunk := newSigs[lo:min(lo+500, len(newSigs))]
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO wave_signatures (report_id, sig) VALUES `+strings.TrimSuffix(strings.Repeat("(?,?),", len(chunk)/2), ",")+
			` ON CONFLICT DO NOTHING`), chunk...); err != nil {
			return 0, fmt.Errorf("wave signatures: %w", err)
		}
	}
	for lo := 0; lo < len(pending); lo += 500 {
		chunk := make([]any, 0, 500)
		for _, p := range pending[lo:min(lo+500, len(pending))] {
			chunk = append(chunk, p.ID)
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM wave_queue WHERE report_id IN (`+Placeholders(len(chunk))+`)`), chunk...); err != nil {
			return 0, fmt.Errorf("wave queue: %w", err)
		}
	}
	return len(pending), nil
}

// waveBefore orders waves by age: stored waves (positive numbers) by
// number, before those the batch starts (negative, in order of start).
func waveBefore(a, b int64) bool {
	switch {
	case a > 0 && b > 0:
		return a < b
	case a > 0:
		return true
	case b > 0:
		return false
	}
	return a > b
}

const waveColumns = `w.id, w.created_at, w.last_at, w.size, w.kind, w.key, w.lead`

func scanWave(sc scanner) (wave.Wave, error) {
	var w wave.Wave
	var created, last int64
	err := sc.Scan(&w.ID, &created, &last, &w.Size, &w.Kind, &w.Key, &w.Lead)
	w.CreatedAt, w.LastAt = fromMicros(created), fromMicros(last)
	return w, err
}

// Wave reads a wave with how many of its members wait for a decision.
func (s *Store) Wave(ctx context.Context, id int64) (_ wave.Wave, err error) {
	defer s.Guard(&err)
	w, err := scanWave(s.read.QueryRowContext(ctx, s.rebind(`SELECT `+waveColumns+` FROM waves w WHERE w.id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return w, wave.ErrNotFound
	}
	if err != nil {
		return w, fmt.Errorf("wave: %w", err)
	}
	if err := s.read.QueryRowContext(ctx, s.rebind(`SELECT count(*) FROM reports WHERE wave_id = ? AND triage IN ('new', 'assigned')`), id).Scan(&w.Open); err != nil {
		return w, fmt.Errorf("wave: %w", err)
	}
	return w, nil
}

// WaveOf reads a report's wave.
func (s *Store) WaveOf(ctx context.Context, reportID string) (_ wave.Wave, err error) {
	defer s.Guard(&err)
	var id sql.NullInt64
	err = s.read.QueryRowContext(ctx, s.rebind(`SELECT wave_id FROM reports WHERE id = ?`), reportID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !id.Valid {
		return wave.Wave{}, wave.ErrNotFound
	}
	if err != nil {
		return wave.Wave{}, fmt.Errorf("wave of: %w", err)
	}
	return s.Wave(ctx, id.Int64)
}

// WaveDays reads a wave's members per day.
func (s *Store) WaveDays(ctx context.Context, id int64) (_ []wave.Day, err error) {
	defer s.Guard(&err)
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT day, n FROM wave_days WHERE wave_id = ? ORDER BY day`), id)
	return collect(rows, err, "wave days", func(sc scanner) (wave.Day, error) {
		var d wave.Day
		return d, sc.Scan(&d.Day, &d.Count)
	})
}

// WaveMembers lists a wave's members in order of reception. The open
// ones are read one state at a time, each an ordered range of
// reports_wave_open that LIMIT stops, and merged here: a single query over
// both states sorted the wave's whole open part, or walked all its members.
func (s *Store) WaveMembers(ctx context.Context, id int64, open bool, limit int) (_ []string, err error) {
	defer s.Guard(&err)
	type member struct {
		id      string
		created int64
	}
	scan := func(sc scanner) (member, error) {
		var m member
		return m, sc.Scan(&m.id, &m.created)
	}
	var all []member
	if !open {
		rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT id, created_at FROM reports WHERE wave_id = ? ORDER BY created_at, id LIMIT ?`), id, limit)
		if all, err = collect(rows, err, "wave members", scan); err != nil {
			return nil, err
		}
	} else {
		for _, st := range triage.OpenStates {
			rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT id, created_at FROM reports WHERE wave_id = ? AND triage = ? ORDER BY created_at, id LIMIT ?`), id, string(st), limit)
			ms, err := collect(rows, err, "wave members", scan)
			if err != nil {
				return nil, err
			}
			all = append(all, ms...)
		}
		slices.SortFunc(all, func(a, b member) int {
			if a.created != b.created {
				return cmp.Compare(a.created, b.created)
			}
			return strings.Compare(a.id, b.id)
		})
	}
	out := make([]string, 0, min(len(all), limit))
	for _, m := range all[:min(len(all), limit)] {
		out = append(out, m.id)
	}
	return out, nil
}
