package removal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/blocking"
	"github.com/vigie-platform/vigie/stats"
)

// Scheduler re-checks open notices until their content is gone, and
// escalates those still online after their deadline into a blocking and
// delisting request. It runs on every instance (`vigie serve`): each pass
// claims due notices (ClaimNoticeChecks), so two instances never check one
// notice at once, and a notice whose instance died is claimed again when
// its lease ends.
//
// The schedule (Next):
//   - while a removal order's one-hour clock runs: every 15 minutes;
//   - otherwise a quarter of the notice's age, at least 15 minutes and at
//     most 6 hours: 15 min, then 30 min at 2 h, 1 h at 4 h, 6 h from a day
//     on. Checks thin out geometrically (each gap is a quarter of the time
//     already waited), so a host that reacts in hours is seen within a
//     quarter of its delay, and a notice left for weeks costs four checks a
//     day. A check never jumps over the deadline: the last one before it is
//     moved to the deadline itself, where the notice escalates if its
//     content is not known to be gone;
//   - an escalated notice: a quarter of its age between 1 hour and a day,
//     to tell the blocking feeds when its content is gone (and if it comes
//     back), until it has been gone for GoneFor;
//   - a notice the server must not fetch (minors.*): no check at all; one
//     pass at its deadline, which escalates it unless an analyst recorded
//     the removal.
//
// Only the host's own answer (404, 410, 451) counts as removed. A check
// that concludes nothing (a name that does not resolve, a timeout, no
// answer, an address the guard refuses) is "not confirmed": it changes
// nothing but the check's line, and the next check comes on schedule.
type Scheduler struct {
	Store Store
	// Client fetches the URLs: the SSRF-guarded client (safehttp).
	Client *http.Client
	// NeverFetch tells a category the server must not download, from the
	// taxonomy; minors.* is never fetched whatever it says.
	NeverFetch func(category string) bool
	// Batch is how many notices one claim takes (default 50); Lease how
	// long a claim hides them from other instances (default 2 minutes, more
	// than a batch of checks takes: 16 at a time, 15 s each at most, so
	// 60 s when every host times out).
	Batch int
	Lease time.Duration
	// Workers fetch in parallel (default 16: the checks wait on hosts,
	// not on the store or the CPU).
	Workers int
	Logger  *slog.Logger
	Now     func() time.Time
}

// Actor is who the scheduler's changes are recorded as.
const Actor = "scheduler"

// GoneFor is how long the content of an escalated notice is checked
// after it was seen gone: long enough for any blocking feed's grace.
const GoneFor = 30 * 24 * time.Hour

func (s *Scheduler) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Next is when n is checked next after a check at now; zero when nothing
// is left to check. fetch tells whether the server may fetch n's URL.
func Next(n Notice, now time.Time, fetch bool) time.Time {
	age := now.Sub(n.SentAt)
	switch {
	case !n.EscalatedAt.IsZero():
		if !fetch || (!n.RemovedAt.IsZero() && now.Sub(n.RemovedAt) >= GoneFor) {
			return time.Time{}
		}
		return now.Add(clamp(age/4, time.Hour, 24*time.Hour))
	case n.Status == StatusRemoved:
		return time.Time{}
	case !fetch:
		if now.Before(n.DueAt) {
			return n.DueAt
		}
		return now // past the deadline and not escalated: at the next pass
	}
	gap := clamp(age/4, FirstCheck, 6*time.Hour)
	if n.Kind == "removal-order" && now.Before(n.DueAt) {
		gap = FirstCheck
	}
	if now.Before(n.DueAt) && now.Add(gap).After(n.DueAt) {
		return n.DueAt
	}
	return now.Add(gap)
}

func clamp(d, lo, hi time.Duration) time.Duration { return min(max(d, lo), hi) }

// fetch tells whether the scheduler may fetch n's URL.
func (s *Scheduler) fetch(n Notice) bool {
	if n.NeverFetch || strings.HasPrefix(n.Category, "minors.") || !fetchable(n.URL) || s.Client == nil {
		return false
	}
	return s.NeverFetch == nil || !s.NeverFetch(n.Category)
}

// RunOnce claims the due notices and checks them; it returns how many it
// took. A pass that finds nothing due costs one indexed read.
func (s *Scheduler) RunOnce(ctx context.Context) (int, error) {
	batch, lease, workers := s.Batch, s.Lease, s.Workers
	if batch <= 0 {
		batch = 50
	}
	if lease <= 0 {
		lease = 2 * time.Minute
	}
	if workers <= 0 {
		workers = 16
	}
	due, err := s.Store.ClaimNoticeChecks(ctx, s.now(), lease, batch)
	if err != nil {
		return 0, fmt.Errorf("claim notice checks: %w", err)
	}
	errs := make(chan error, len(due))
	sem := make(chan struct{}, workers)
	for _, n := range due {
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			errs <- s.checkOne(ctx, n)
		}()
	}
	var all []error
	for range due {
		if err := <-errs; err != nil {
			all = append(all, err)
		}
	}
	return len(due), errors.Join(all...)
}

// checkOne checks one claimed notice, escalates it when its deadline
// passed with its content not known to be gone, and saves it.
func (s *Scheduler) checkOne(ctx context.Context, n Notice) error {
	claimed, before := n.NextCheckAt, n
	fetch := s.fetch(n)
	if fetch {
		o, result := probe(ctx, s.Client, n.URL)
		apply(&n, o, result, s.now())
	}
	now := s.now()
	if n.EscalatedAt.IsZero() && n.Status != StatusRemoved && !now.Before(n.DueAt) {
		return s.escalate(ctx, n, now, fetch)
	}
	n.NextCheckAt = Next(n, now, fetch)
	save := func(ctx context.Context) error { return s.Store.SaveNoticeCheck(ctx, n, claimed) }
	var err error
	if what := change(before, n); what != "" {
		// A change of status or of what the checks show is recorded; a
		// check that saw the same as the last one moves the schedule and
		// the counter only, which the notice itself shows (at 100,000 open
		// notices, an entry per unchanged check would be 400,000 a day).
		err = audit.Within(ctx, audit.Entry{At: now, Actor: Actor, Action: "notice." + what, ObjectType: "case", ObjectID: n.CaseID,
			Detail: n.ID + " " + n.CheckResult}, save)
	} else {
		err = save(ctx)
	}
	if errors.Is(err, ErrClaimLost) {
		return nil // an analyst recorded it meanwhile: theirs stands
	}
	if err != nil {
		return fmt.Errorf("notice %s: %w", n.ID, err)
	}
	return nil
}

// change names what a check changed that the trail records, or "".
func change(before, after Notice) string {
	switch {
	case after.Status == StatusRemoved && before.Status != StatusRemoved:
		return "removed"
	case !after.EscalatedAt.IsZero() && before.RemovedAt.IsZero() && !after.RemovedAt.IsZero():
		return "gone"
	case !after.EscalatedAt.IsZero() && !before.RemovedAt.IsZero() && after.RemovedAt.IsZero():
		return "back"
	case after.Status != before.Status || after.CheckResult != before.CheckResult:
		return "check"
	}
	return ""
}

// escalate turns n into a pending blocking and delisting request, with
// the notice and its audit entry, in one transaction.
func (s *Scheduler) escalate(ctx context.Context, n Notice, now time.Time, fetch bool) error {
	n.Status, n.EscalatedAt = StatusEscalated, now
	n.NextCheckAt = Next(n, now, fetch)
	last := "none (the server does not fetch this category)"
	if !n.CheckedAt.IsZero() {
		last = n.CheckedAt.In(stats.Zone).Format(time.RFC3339) + ": " + n.CheckResult
	}
	// The reason names the notice as people know it (its kind, URL, host
	// and dates; the request keeps the notice's id for links): pages never
	// show internal ids.
	reason := fmt.Sprintf("Notice %s (%s) for %s, sent %s to %s: deadline %s passed with the content not known to be removed; last check %s",
		n.Kind, n.LegalBasis, n.URL, n.SentAt.In(stats.Zone).Format(time.RFC3339), n.Host, n.DueAt.In(stats.Zone).Format(time.RFC3339), last)
	r := blocking.Request{ID: uuid.NewString(), NoticeID: n.ID, CaseID: n.CaseID, URL: n.URL, Domain: blocking.DomainOf(n.URL),
		Category: n.Category, Reason: reason, RequestedAt: now, Batch: blocking.BatchOf(now), State: blocking.StatePending}
	err := audit.Within(ctx, audit.Entry{At: now, Actor: Actor, Action: "notice.escalate", ObjectType: "case", ObjectID: n.CaseID,
		Detail: n.ID + " " + r.ID}, func(ctx context.Context) error { return s.Store.EscalateNotice(ctx, n, r) })
	if errors.Is(err, ErrNotFound) {
		return nil // escalated already (another instance, after a lease ended)
	}
	if err != nil {
		return fmt.Errorf("escalate notice %s: %w", n.ID, err)
	}
	return nil
}

// Run checks what is due every interval until ctx ends. A full batch is
// followed at once by the next one.
func (s *Scheduler) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := s.RunOnce(ctx)
		if err != nil && s.Logger != nil && ctx.Err() == nil {
			s.Logger.Error("notice scheduler", "err", err)
		}
		batch := s.Batch
		if batch <= 0 {
			batch = 50
		}
		if n >= batch && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
