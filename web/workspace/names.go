package workspace

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/problem"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/triage"
)

// People work with receipts (VG-…) and case numbers (F-2026-…); internal
// ids stay in URLs and forms' hidden values, never in what a page says.

var internalID = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// maxCaseLookups bounds the case numbers looked up for one page's history.
const maxCaseLookups = 20

// peopleNames replaces the internal ids written in history lines with the
// receipts and case numbers people know them by; an id that names neither
// stays as it is.
func (s *server) peopleNames(ctx context.Context, details []*string) error {
	seen := map[string]bool{}
	var ids []string
	for _, d := range details {
		for _, id := range internalID.FindAllString(*d, -1) {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	names := map[string]string{}
	items, err := s.Workspace.TriageItems(ctx, ids)
	if err != nil {
		return err
	}
	for _, it := range items {
		names[it.ID] = it.Receipt
	}
	// The ids that name no report may name cases: their numbers in one
	// read, without their reports (a campaign's case holds thousands).
	var rest []string
	for _, id := range ids {
		if names[id] == "" && len(rest) < maxCaseLookups {
			rest = append(rest, id)
		}
	}
	if len(rest) > 0 {
		cases, err := s.Workspace.ListCases(ctx, casefile.Filter{IDs: rest, Limit: len(rest)})
		if err != nil {
			return err
		}
		for _, c := range cases {
			names[c.ID] = c.Number
		}
	}
	for _, d := range details {
		*d = internalID.ReplaceAllStringFunc(*d, func(id string) string {
			if n := names[id]; n != "" {
				return n
			}
			return id
		})
	}
	return nil
}

// reportRefs turns what an analyst typed or checked to name reports, their
// receipts (any case) or internal ids, into ids; a receipt that names no
// report is a problem that says which.
func (s *server) reportRefs(ctx context.Context, refs []string) ([]string, error) {
	out := make([]string, 0, len(refs))
	for _, ref := range refs {
		receipt := report.NormaliseReceipt(ref)
		if receipt == "" || !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(ref)), "VG") {
			out = append(out, ref)
			continue
		}
		r, err := s.Reports.ReportByReceipt(ctx, receipt)
		if errors.Is(err, report.ErrNotFound) {
			return nil, problem.New("report.unknown_receipt", receipt)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r.ID)
	}
	return out, nil
}

// itemsByID reads report lines for a page, keyed by id.
func (s *server) itemsByID(ctx context.Context, ids []string) (map[string]triage.Item, error) {
	items, err := s.Workspace.TriageItems(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]triage.Item, len(items))
	for _, it := range items {
		out[it.ID] = it
	}
	return out, nil
}
