package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/blocking"
	"github.com/vigie-platform/vigie/demo"
	"github.com/vigie-platform/vigie/removal"
)

// maxDemoNotices bounds the notices a demo sends: enough for full weekly
// batches, few enough that a demo of a million reports keeps its pace
// (each notice is one to four short writes).
const maxDemoNotices = 3000

// noticeCounts tells what the demo's notices became.
type noticeCounts struct {
	notices, requests int
	byFate            map[demo.Fate]int
}

// sendNotices plays the notices' lifecycle over the referred cases that
// name a URL (never minors.*): removal notices sent to their hosts,
// removed, overdue, escalated into blocking requests, and those reviewed by
// the oversight in earlier weeks, through the store's own methods.
// Cases are taken evenly across the list (campaigns first, then isolated
// grave cases), so that terrorism's removal orders are among them.
func (b *backlog) sendNotices(ctx context.Context, seed uint64, now time.Time) (noticeCounts, error) {
	var targets []madeCase
	for _, c := range b.made {
		if strings.HasPrefix(c.category, "minors.") {
			continue
		}
		targets = append(targets, c)
	}
	step := max(1, (len(targets)+maxDemoNotices-1)/maxDemoNotices)
	rng := rand.New(rand.NewPCG(seed, seed^0x6a09e667f3bcc909))
	counts := noticeCounts{byFate: map[demo.Fate]int{}}
	for k := 0; k < len(targets); k += step {
		c := targets[k]
		r, err := b.db.ReportByID(ctx, c.report)
		if err != nil {
			return counts, fmt.Errorf("demo notice: %w", err)
		}
		if len(r.URLs) == 0 {
			continue
		}
		lc := demo.NoticeFor(rng, counts.notices, c.id, c.category, r.URLs[0], now)
		if err := applyLifecycle(ctx, b.db, lc); err != nil {
			return counts, fmt.Errorf("demo notice: %w", err)
		}
		counts.notices++
		counts.byFate[lc.Fate]++
		if lc.Request != nil {
			counts.requests++
		}
	}
	return counts, nil
}

// lifecycleStore is what applyLifecycle writes with.
type lifecycleStore interface {
	removal.Store
	ReviewBlockingRequest(ctx context.Context, id, state, by, reason string, at time.Time) error
	SetBlockingGone(ctx context.Context, noticeID string, since time.Time) error
}

// applyLifecycle writes a notice the way it lived: sent (and checked),
// escalated with its pending request, reviewed, its content gone.
func applyLifecycle(ctx context.Context, db lifecycleStore, lc demo.Lifecycle) error {
	final := lc.Notice
	if lc.Request == nil {
		return db.CreateNotice(ctx, final)
	}
	before := final
	before.Status, before.EscalatedAt, before.RemovedAt = removal.StatusStillOnline, time.Time{}, time.Time{}
	if err := db.CreateNotice(ctx, before); err != nil {
		return err
	}
	escalated := before
	escalated.Status, escalated.EscalatedAt = removal.StatusEscalated, final.EscalatedAt
	pending := *lc.Request
	pending.State, pending.ReviewedBy, pending.ReviewedAt, pending.ReviewReason, pending.GoneSince = blocking.StatePending, "", time.Time{}, "", time.Time{}
	if err := db.EscalateNotice(ctx, escalated, pending); err != nil {
		return err
	}
	r := lc.Request
	if r.State != pending.State {
		if err := db.ReviewBlockingRequest(ctx, r.ID, r.State, r.ReviewedBy, r.ReviewReason, r.ReviewedAt); err != nil {
			return err
		}
	}
	if !r.GoneSince.IsZero() {
		if err := db.SetBlockingGone(ctx, final.ID, r.GoneSince); err != nil {
			return err
		}
		return db.UpdateNotice(ctx, final)
	}
	return nil
}
