package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/vigie-platform/vigie/hosting"
)

const hostTraceColumns = `url, host, ip, asn, org, country, abuse, abuse_source, steps, traced_at, actor`

// ReplaceTraces implements hosting.Store: the case's previous traces and
// the new ones swap in one transaction, with the caller's audit entry.
func (s *Store) ReplaceTraces(ctx context.Context, caseID string, traces []hosting.Trace) (err error) {
	defer s.Guard(&err)
	return s.inTx(ctx, "replace host traces", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM host_traces WHERE case_id = ?`), caseID); err != nil {
			return err
		}
		for i, t := range traces {
			steps, err := json.Marshal(t.Steps)
			if err != nil {
				return fmt.Errorf("steps of %s: %w", t.URL, err)
			}
			if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO host_traces (case_id, position, `+hostTraceColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`),
				caseID, i, t.URL, t.Host, t.IP, int64(t.ASN), t.Org, t.Country, t.Abuse, t.AbuseSource, string(steps), micros(t.TracedAt), t.Actor); err != nil {
				return err
			}
		}
		return nil
	})
}

// CaseTraces implements hosting.Store.
func (s *Store) CaseTraces(ctx context.Context, caseID string) (_ []hosting.Trace, err error) {
	defer s.Guard(&err)
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT `+hostTraceColumns+` FROM host_traces WHERE case_id = ? ORDER BY position`), caseID)
	return collectRows(rows, err, "host traces", func(sc scanner) (hosting.Trace, error) {
		t := hosting.Trace{CaseID: caseID}
		var asn, at int64
		var steps string
		if err := sc.Scan(&t.URL, &t.Host, &t.IP, &asn, &t.Org, &t.Country, &t.Abuse, &t.AbuseSource, &steps, &at, &t.Actor); err != nil {
			return t, err
		}
		t.ASN, t.TracedAt = uint(asn), fromMicros(at)
		if err := json.Unmarshal([]byte(steps), &t.Steps); err != nil {
			return t, fmt.Errorf("steps of %s: %w", t.URL, err)
		}
		return t, nil
	})
}
