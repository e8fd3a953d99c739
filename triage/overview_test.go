package triage

import (
	"testing"
	"time"
)

func TestSummarise(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	targets := map[string]time.Duration{"fraud.scam": 72 * time.Hour, "minors.grooming": 4 * time.Hour}
	waiting := []Waiting{
		{Category: "fraud.scam", CreatedAt: ago(30 * time.Minute), DueAt: ago(30 * time.Minute).Add(72 * time.Hour)},
		{Category: "fraud.scam", CreatedAt: ago(5 * time.Hour), DueAt: ago(5 * time.Hour).Add(72 * time.Hour), Assignee: "ana@vigie.test"},
		{Category: "fraud.scam", CreatedAt: ago(4 * 24 * time.Hour), DueAt: ago(24 * time.Hour), Assignee: "ana@vigie.test"},
		{Category: "fraud.scam", CreatedAt: ago(10 * 24 * time.Hour), DueAt: ago(7 * 24 * time.Hour)},
		{Category: "minors.grooming", Urgent: true, CreatedAt: ago(20 * time.Minute), DueAt: ago(5 * time.Minute), Assignee: "bob@vigie.test"},
	}
	ov := Summarise(waiting, now, func(c string) time.Duration { return targets[c] })

	if ov.Total.Waiting != 5 || ov.Total.Overdue != 3 || ov.Total.Urgent != 1 {
		t.Errorf("total %+v, want 5 waiting, 3 overdue, 1 urgent", ov.Total)
	}
	if len(ov.Categories) != 2 || ov.Categories[0].Category != "fraud.scam" {
		t.Fatalf("categories %+v, want the scams (2 overdue) first", ov.Categories)
	}
	scam := ov.Categories[0]
	if want := []int{1, 1, 0, 1, 1}; !equal(scam.ByAge, want) {
		t.Errorf("scams by age %v, want %v (<1h, <24h, <3d, <7d, older)", scam.ByAge, want)
	}
	if scam.P50 != 5*time.Hour || scam.P95 != 10*24*time.Hour {
		t.Errorf("scam ages p50 %s p95 %s, want 5h and 240h", scam.P50, scam.P95)
	}
	if scam.Target != 72*time.Hour || scam.Overdue != 2 {
		t.Errorf("scam target %s overdue %d", scam.Target, scam.Overdue)
	}
	if len(ov.Analysts) != 2 || ov.Analysts[0].Assignee != "ana@vigie.test" || ov.Analysts[0].Held != 2 || ov.Analysts[0].Overdue != 1 ||
		!ov.Analysts[0].Oldest.Equal(ago(4*24*time.Hour)) {
		t.Errorf("analysts %+v, want ana holding 2 (1 late, oldest 4 days) first", ov.Analysts)
	}
	if empty := Summarise(nil, now, func(string) time.Duration { return 0 }); empty.Total.Waiting != 0 || empty.Total.P95 != 0 {
		t.Errorf("empty overview %+v", empty.Total)
	}
}

func TestPercentileNearestRank(t *testing.T) {
	ds := []time.Duration{5, 1, 4, 2, 3, 6, 7, 8, 9, 10}
	for p, want := range map[int]time.Duration{50: 5, 95: 10, 90: 9, 10: 1, 100: 10} {
		if got := percentile(append([]time.Duration(nil), ds...), p); got != want {
			t.Errorf("p%d = %d, want %d", p, got, want)
		}
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
