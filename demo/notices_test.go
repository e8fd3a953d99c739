package demo

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/blocking"
	"github.com/vigie-platform/vigie/removal"
)

// TestNoticeLifecycles: every demo notice tells a possible story, dated
// before now, in the order a notice lives: sent, due, checked, escalated
// past its deadline, reviewed in an earlier week, gone after the review.
func TestNoticeLifecycles(t *testing.T) {
	for _, now := range []time.Time{
		time.Date(2026, 12, 2, 11, 0, 0, 0, time.UTC),   // a Wednesday
		time.Date(2026, 11, 29, 23, 30, 0, 0, time.UTC), // Monday 00:30 in Paris
	} {
		rng := rand.New(rand.NewPCG(1, 2))
		seen, kinds := map[Fate]int{}, map[string]int{}
		for i := range 400 {
			category := []string{"fraud.scam", "terrorism.apology", "violence.threat"}[i%3]
			lc := NoticeFor(rng, i, "case", category, "https://www.exemple-42.fr/produit/1", now)
			n, r := lc.Notice, lc.Request
			seen[lc.Fate]++
			wantDeadline := map[string]time.Duration{"fraud.scam": 72 * time.Hour, "terrorism.apology": time.Hour, "violence.threat": 72 * time.Hour}[category]
			if category == "terrorism.apology" && n.Kind == "administrative" {
				wantDeadline = 24 * time.Hour
			}
			if n.DueAt.Sub(n.SentAt) != wantDeadline || n.SentAt.After(now) || n.CheckedAt.After(now) || n.CheckedAt.Before(n.SentAt) || n.Checks == 0 {
				t.Fatalf("%d (%s): dates %+v", i, category, n)
			}
			if category == "terrorism.apology" && n.Kind != "removal-order" && n.Kind != "administrative" {
				t.Fatalf("terrorist content with a %s: %+v", n.Kind, n)
			}
			kinds[n.Kind]++
			switch lc.Fate {
			case FateRemoved:
				if n.Status != removal.StatusRemoved || n.RemovedAt.After(n.DueAt) || r != nil {
					t.Fatalf("removed in time: %+v", n)
				}
			case FateWaiting:
				if n.Status != removal.StatusSent || n.Overdue(now) {
					t.Fatalf("waiting: %+v", n)
				}
			case FateOverdue:
				if n.Status != removal.StatusStillOnline || !n.Overdue(now) || r != nil {
					t.Fatalf("overdue: %+v", n)
				}
			default:
				if r == nil || n.EscalatedAt.Before(n.DueAt) || n.EscalatedAt.After(now) || r.RequestedAt != n.EscalatedAt || r.Batch != blocking.BatchOf(r.RequestedAt) || r.Domain != "www.exemple-42.fr" {
					t.Fatalf("escalated: %+v %+v", n, r)
				}
				current := blocking.BatchOf(now)
				switch lc.Fate {
				case FatePending:
					if r.State != blocking.StatePending || r.Batch != current {
						t.Fatalf("pending this week: %+v", r)
					}
				case FatePendingOld:
					if r.State != blocking.StatePending || r.Batch >= current {
						t.Fatalf("pending from before: %+v", r)
					}
				default:
					if r.State == blocking.StatePending || r.Batch >= current || r.ReviewedAt.After(now) || !r.ReviewedAt.After(r.RequestedAt) || r.ReviewedBy == "" {
						t.Fatalf("reviewed: %+v", r)
					}
					if r.State == blocking.StateRefused && r.ReviewReason == "" {
						t.Fatalf("refused without a reason: %+v", r)
					}
				}
				if lc.Fate == FateApprovedGone {
					if r.GoneSince.Before(r.ReviewedAt) || r.GoneSince.After(now) || n.Status != removal.StatusRemoved || !n.RemovedAt.Equal(r.GoneSince) || r.Live(now, 0) {
						t.Fatalf("gone after approval: %+v %+v", n, r)
					}
				} else if n.Status != removal.StatusEscalated || !r.GoneSince.IsZero() {
					t.Fatalf("escalated, still online: %+v %+v", n, r)
				}
			}
		}
		if kinds["removal-order"] == 0 || kinds["administrative"] == 0 || kinds["notice"] == 0 {
			t.Errorf("kinds of notice: %v", kinds)
		}
		for f := FateRemoved; f <= FateRefused; f++ {
			if seen[f] == 0 {
				t.Errorf("no notice of fate %d", f)
			}
		}
	}
}
