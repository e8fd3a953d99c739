package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/taxonomy"
)

// CaseNumberBackfill checks an engine's migration that numbers the cases
// of a store from before case numbers: each year's cases in the order they
// were opened, the year being Paris's (a case opened at 00:30 on 1 January
// in Paris is of the new year). migration is the engine's file; its ALTER
// TABLE is skipped, the column being there already.
func CaseNumberBackfill(t *testing.T, s Store, exec func(string) error, migration string) {
	t.Helper()
	opened := []string{
		"2025-06-01T10:00:00Z",
		"2025-12-31T23:30:00Z", // 00:30 on 1 January 2026 in Paris
		"2025-12-31T22:30:00Z", // 23:30 on 31 December 2025 in Paris
		"2026-03-01T08:00:00Z",
	}
	var ids []string
	for i, when := range opened {
		at, _ := time.Parse(time.RFC3339, when)
		clock := func() time.Time { return at }
		ack, err := report.NewIntake(s, s, taxonomy.Default(), []byte("k"), clock).Submit(ctx, report.Submission{Category: "fraud.scam", Description: when, Anonymous: true, Channel: report.ChannelAPI, TokenName: "t"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := casefile.NewService(s, taxonomy.Default(), clock).Create(ctx, when, []string{ack.ID}, "ana")
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		ids = append(ids, c.ID)
	}
	// The store as it was before the migration: no numbers.
	for _, q := range []string{`DROP INDEX cases_number`, `UPDATE cases SET number = ''`} {
		if err := exec(q); err != nil {
			t.Fatal(err)
		}
	}
	for _, stmt := range strings.Split(migration, ";") {
		if body := strings.TrimSpace(stripComments(stmt)); body != "" && !strings.HasPrefix(body, "ALTER TABLE") {
			if err := exec(body); err != nil {
				t.Fatalf("%s: %v", body, err)
			}
		}
	}
	want := []string{"F-2025-000001", "F-2026-000001", "F-2025-000002", "F-2026-000002"}
	for i, id := range ids {
		c, err := s.CaseByID(ctx, id)
		if err != nil || c.Number != want[i] {
			t.Errorf("case opened %s numbered %q (%v), want %s", opened[i], c.Number, err, want[i])
		}
	}
	// New cases go on from the highest number of their year.
	c, err := casefile.NewService(s, taxonomy.Default(), func() time.Time { return time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC) }).Create(ctx, "après", []string{submitAt(t, s, "fraud.scam", "après", false)}, "ana")
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.CaseByID(ctx, c.ID); got.Number != "F-2026-000003" {
		t.Errorf("the next case is numbered %q, want F-2026-000003", got.Number)
	}
}

func stripComments(sql string) string {
	var keep []string
	for _, line := range strings.Split(sql, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}
