package feed

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"time"
)

// PaymentsCSV is the banks' feed as CSV (RFC 4180, CRLF records).
func PaymentsCSV(ps []Payment) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	w.Write([]string{"type", "value", "reports", "first_seen", "last_seen"})
	for _, p := range ps {
		w.Write([]string{string(p.Type), cell(p.Value), strconv.Itoa(p.Reports), p.FirstSeen.UTC().Format(time.RFC3339), p.LastSeen.UTC().Format(time.RFC3339)})
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// PaymentEvent is the type of the banks' webhook message.
const PaymentEvent = "vigie.payment_identifiers"

// PaymentsJSON is the body of the banks' webhook: the whole feed at at,
// so that a receiver that missed a push loses nothing but time.
func PaymentsJSON(ps []Payment, rule PaymentRule, at time.Time) ([]byte, error) {
	type entry struct {
		Type      string `json:"type"`
		Value     string `json:"value"`
		Reports   int    `json:"reports"`
		FirstSeen string `json:"first_seen"`
		LastSeen  string `json:"last_seen"`
	}
	entries := make([]entry, 0, len(ps))
	for _, p := range ps {
		entries = append(entries, entry{string(p.Type), p.Value, p.Reports, p.FirstSeen.UTC().Format(time.RFC3339), p.LastSeen.UTC().Format(time.RFC3339)})
	}
	return json.Marshal(map[string]any{
		"type": PaymentEvent, "timestamp": at.UTC().Format(time.RFC3339),
		"data": map[string]any{"min_reports": rule.MinReports, "max_age_days": int(rule.MaxAge / (24 * time.Hour)), "entries": entries},
	})
}
