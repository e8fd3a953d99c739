// Package retention removes personal data once a category's retention
// period has run out: the report is kept as a row (category, dates,
// status), so figures stay, but its text, URLs, reporter, attachments,
// identifiers and search entry are deleted. Reports in a case still open
// are kept until the case is closed; a closed case loses its own free
// text (title, summary, notes) once the same period has run since it
// last changed.
package retention

import (
	"context"
	"fmt"
	"time"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/taxonomy"
)

// Store purges reports and records each run.
type Store interface {
	Purger
	audit.Store
}

// Purger is what a store offers for purging.
type Purger interface {
	// ExpiredReports lists up to limit reports of category created before
	// cutoff, not yet purged, and in no open case.
	ExpiredReports(ctx context.Context, category string, cutoff time.Time, limit int) ([]string, error)
	// PurgeReports removes the personal data of reports, atomically, and
	// returns the attachment hashes no report refers to any more.
	PurgeReports(ctx context.Context, ids []string, at time.Time) (orphanBlobs []string, err error)
	DeleteBlob(ctx context.Context, sha256Hex string) error
	// ExpiredCases lists up to limit closed cases of category ("" for
	// cases closed unqualified) last changed before cutoff, not yet purged.
	ExpiredCases(ctx context.Context, category string, cutoff time.Time, limit int) ([]string, error)
	// PurgeCases removes the free text of cases (title, summary, history
	// details, search entry), atomically.
	PurgeCases(ctx context.Context, ids []string, at time.Time) error
}

// Result says what a run did, per category.
type Result struct {
	Purged     map[string]int
	Blobs      int
	DryRun     bool
	Candidates map[string]int
	// Cases purged (or, in a dry run, to purge), all categories together.
	Cases int
}

// Total is the number of reports purged (or, in a dry run, to purge).
func (r Result) Total() int {
	n := 0
	m := r.Purged
	if r.DryRun {
		m = r.Candidates
	}
	for _, v := range m {
		n += v
	}
	return n
}

// Purge runs once over every category and records the run in the audit
// trail (actor names who asked: "cli:…" or "vigie" for the daily job).
func Purge(ctx context.Context, s Store, tax *taxonomy.Taxonomy, now time.Time, dryRun bool, actor string) (Result, error) {
	return PurgeProgress(ctx, s, tax, now, dryRun, actor, nil)
}

// PurgeProgress is Purge telling progress, when not nil, how many reports
// it has purged so far after each batch (for a person at a terminal).
func PurgeProgress(ctx context.Context, s Store, tax *taxonomy.Taxonomy, now time.Time, dryRun bool, actor string, progress func(reports int)) (Result, error) {
	res := Result{Purged: map[string]int{}, Candidates: map[string]int{}, DryRun: dryRun}
	for _, c := range tax.Categories() {
		cutoff := now.Add(-c.Retention())
		for {
			ids, err := s.ExpiredReports(ctx, c.Code, cutoff, 500)
			if err != nil {
				return res, err
			}
			if len(ids) == 0 {
				break
			}
			if dryRun {
				res.Candidates[c.Code] += len(ids)
				if len(ids) < 500 {
					break
				}
				// A dry run cannot page by purging: count the rest at once.
				more, err := s.ExpiredReports(ctx, c.Code, cutoff, 1<<30)
				if err != nil {
					return res, err
				}
				res.Candidates[c.Code] = len(more)
				break
			}
			blobs, err := s.PurgeReports(ctx, ids, now)
			if err != nil {
				return res, err
			}
			for _, sha := range blobs {
				if err := s.DeleteBlob(ctx, sha); err != nil {
					return res, err
				}
				res.Blobs++
			}
			res.Purged[c.Code] += len(ids)
			if progress != nil {
				progress(res.Total())
			}
		}
	}
	// Closed cases, once their category's period has run since their last
	// change; a case closed before it was qualified keeps the default.
	codes := []string{""}
	for _, c := range tax.Categories() {
		codes = append(codes, c.Code)
	}
	for _, code := range codes {
		c, _ := tax.Lookup(code) // "" is no category: the default period
		cutoff := now.Add(-c.Retention())
		batch := 500
		if dryRun {
			batch = 1 << 30 // a dry run cannot page by purging: count them at once
		}
		for {
			ids, err := s.ExpiredCases(ctx, code, cutoff, batch)
			if err != nil {
				return res, err
			}
			res.Cases += len(ids)
			if len(ids) == 0 || dryRun {
				break
			}
			if err := s.PurgeCases(ctx, ids, now); err != nil {
				return res, err
			}
		}
	}
	if !dryRun && (res.Total() > 0 || res.Cases > 0) {
		detail := fmt.Sprintf(`{"reports":%d,"attachments":%d,"cases":%d}`, res.Total(), res.Blobs, res.Cases)
		if _, err := s.AppendAudit(ctx, audit.Entry{At: now, Actor: actor, Action: "retention.purge", ObjectType: "reports", Source: "vigie", Detail: detail}); err != nil {
			return res, fmt.Errorf("purged but not audited: %w", err)
		}
	}
	return res, nil
}

// Run purges once a day until ctx ends.
func Run(ctx context.Context, s Store, tax *taxonomy.Taxonomy, logf func(Result, error)) {
	t := time.NewTicker(24 * time.Hour)
	defer t.Stop()
	for {
		res, err := Purge(ctx, s, tax, time.Now(), false, "vigie")
		if logf != nil && ctx.Err() == nil {
			logf(res, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
