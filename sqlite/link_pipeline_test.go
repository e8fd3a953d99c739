package sqlite

import (
	"context"
	"testing"

	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/demo"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/taxonomy"
)

// A big batch (a rebuild's) is indexed in parts while the next part is
// extracted: the index must be the one that small batches make, counts,
// caps and related reports included.
func TestBigBatchIndexesAsSmallBatches(t *testing.T) {
	if testing.Short() {
		t.Skip("links 2 × 11,000 reports")
	}
	ctx := context.Background()
	const n = 11000 // three parts of the pipeline
	list := correlate.DefaultWarningList()
	list.Cap = 300 // the hot value passes it
	stores := make([]*DB, 2)
	for i := range stores {
		db, err := Open(ctx, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		stores[i] = db
		in := report.NewIntake(db, db, taxonomy.Default(), []byte("0123456789abcdef0123456789abcdef"), nil)
		gen := demo.New(42, 40)
		gen.Hot, gen.HotEvery = "06 10 20 30 40", 20
		for lo := 0; lo < n; lo += 500 {
			subs := make([]report.Submission, 0, 500)
			for j := lo; j < min(lo+500, n); j++ {
				subs = append(subs, gen.Next(j))
			}
			if _, err := in.SubmitBatch(ctx, subs); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, limit := range []int{50000, 500} {
		l := correlate.NewLinker(stores[i], list, indicator.DefaultOptions, nil)
		total := 0
		for {
			k, err := l.LinkOnce(ctx, limit)
			if err != nil {
				t.Fatal(err)
			}
			if k == 0 {
				break
			}
			total += k
		}
		if total != n {
			t.Fatalf("linked %d of %d", total, n)
		}
	}
	var sums [2][3]int64
	var tops [2][]correlate.Info
	for i, db := range stores {
		inds, links, err := db.IndexSize(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var related int64
		if err := db.read.QueryRow(`SELECT count(*) FROM related_reports`).Scan(&related); err != nil {
			t.Fatal(err)
		}
		sums[i] = [3]int64{inds, links, related}
		if tops[i], err = db.TopIndicators(ctx, 50); err != nil {
			t.Fatal(err)
		}
	}
	if sums[0] != sums[1] || sums[0][1] == 0 || sums[0][2] == 0 {
		t.Fatalf("identifiers, links, related: one batch %v, batches of 500 %v", sums[0], sums[1])
	}
	for i := range tops[0] {
		a, b := tops[0][i], tops[1][i]
		if a.Type != b.Type || a.Value != b.Value || a.Count != b.Count || a.Flagged != b.Flagged {
			t.Fatalf("top identifier %d: one batch %+v, batches of 500 %+v", i, a, b)
		}
	}
	hot, err := indicator.NormalisePhone("06 10 20 30 40", "FR")
	if err != nil {
		t.Fatal(err)
	}
	for _, db := range stores {
		if info, err := db.Indicator(ctx, indicator.Phone, hot); err != nil || info.Flagged != "cap" || info.Count != n/20 {
			t.Errorf("the hot value: %+v %v, want %d reports, capped", info, err, n/20)
		}
	}
}
