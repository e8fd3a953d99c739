package main

import (
	"context"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/sqlite"
	"github.com/vigie-platform/vigie/taxonomy"
)

func TestLagTracker(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	tr := &lagTracker{start: t0}
	tr.add(t0.Add(time.Second), 0, time.Time{})                              // empty queue: no lag
	tr.add(t0.Add(2*time.Second), 500, t0.Add(1500*time.Millisecond))        // 0.5 s behind
	tr.add(t0.Add(3*time.Second), 9000, t0.Add(-4*time.Second))              // 7 s behind, the worst
	tr.add(t0.Add(4*time.Second), 12000, t0.Add(2*time.Second))              // longer queue, less lag
	tr.add(t0.Add(5*time.Second), 3, t0.Add(5*time.Second+time.Millisecond)) // clock skew: never negative
	if tr.maxLag != 7*time.Second || tr.maxLagAt != 3*time.Second {
		t.Errorf("max lag %v at %v, want 7s at 3s", tr.maxLag, tr.maxLagAt)
	}
	if tr.maxQueued != 12000 || tr.samples != 5 || tr.last != 0 {
		t.Errorf("max queue %d, samples %d, last %v", tr.maxQueued, tr.samples, tr.last)
	}
}

func TestSlot(t *testing.T) {
	begin := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		i    int64
		rate float64
		want time.Duration
	}{{0, 2000, 0}, {1, 2000, 500 * time.Microsecond}, {2000, 2000, time.Second}, {119999, 2000, 59*time.Second + 999500*time.Microsecond}, {3, 3, time.Second}} {
		if got := slot(begin, c.i, c.rate).Sub(begin); got != c.want {
			t.Errorf("slot(%d, %v) = %v, want %v", c.i, c.rate, got, c.want)
		}
	}
}

// An open-loop load sends what its rate asks however fast the operation
// answers, and no more: here 400/s for 0.5 s, 4 clients.
func TestDrivePaced(t *testing.T) {
	p := drive(context.Background(), 4, 0, 500*time.Millisecond, 400, func(context.Context, int) error {
		time.Sleep(time.Millisecond)
		return nil
	})
	if p.count < 180 || p.count > 201 {
		t.Errorf("%d operations at 400/s in 0.5 s, want about 200", p.count)
	}
}

// The probe reads a live SQLite store beside its owner: the queue and
// the creation time of its oldest report, then nothing once linked.
func TestLagProbeSQLite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, dir, folderKeys(t, dir)...)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	intake, err := newIntake(ctx, db, taxonomy.Default(), nil)
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	for i := range 3 {
		if _, err := intake.Submit(ctx, report.Submission{Category: "fraud.scam", Description: "virement FR76 3000 6000 0112 3456 7890 189, lot " + itoa(i),
			Anonymous: true, Channel: report.ChannelAPI}); err != nil {
			t.Fatal(err)
		}
	}
	probe, err := openLagProbe(&storeFlags{data: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	n, oldest, err := probe.read(ctx)
	if err != nil || n != 3 || oldest.Before(before.Add(-time.Second)) || oldest.After(time.Now()) {
		t.Fatalf("probe = %d, %v, %v; want 3 reports created since %v", n, oldest, err, before)
	}
	l := correlate.NewLinker(db, correlate.DefaultWarningList(), indicator.DefaultOptions, nil)
	if _, err := l.LinkOnce(ctx, 10); err != nil {
		t.Fatal(err)
	}
	if n, oldest, err := probe.read(ctx); err != nil || n != 0 || !oldest.IsZero() {
		t.Fatalf("after linking, probe = %d, %v, %v", n, oldest, err)
	}
}
