package workspace

import (
	"context"
	"fmt"

	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/linkgraph"
	"github.com/vigie-platform/vigie/web"
)

// caseGraphReports bounds the reports whose identifiers a case's picture
// reads: one index read each.
const caseGraphReports = 60

func identifierKey(t indicator.Type, value string) string { return string(t) + ":" + value }

// reportGraph pictures a report, its identifiers and the related reports
// through the identifiers they share.
func (s *server) reportGraph(p web.Page, v reportView) linkgraph.Graph {
	b := linkgraph.NewBuilder()
	b.Report(v.Report.ID, v.Report.Receipt, p.Link("/w/reports/"+v.Report.ID), true)
	for _, info := range v.Identifiers {
		b.Tie(v.Report.ID, identifierKey(info.Type, info.Value), info.Value, info.Flagged != "")
	}
	for _, rel := range v.Related {
		if rel.Item.ID == "" {
			continue
		}
		b.Report(rel.Item.ID, rel.Item.Receipt, p.Link("/w/reports/"+rel.Item.ID), false)
		for _, sh := range rel.Shared {
			b.Tie(rel.Item.ID, identifierKey(sh.Type, sh.Value), sh.Value, false)
		}
	}
	return b.Graph()
}

// caseGraph pictures a case's reports and the identifiers that tie two or
// more of them; values too common to link are gathered into one node.
func (s *server) caseGraph(ctx context.Context, p web.Page, reports []caseReport) (linkgraph.Graph, error) {
	b := linkgraph.NewBuilder()
	type tie struct {
		report string
		info   correlate.Info
	}
	var ties []tie
	carriers := map[string]int{}
	reports = reports[:min(len(reports), caseGraphReports)]
	ids := make([]string, len(reports))
	for i, r := range reports {
		ids[i] = r.ID
	}
	byReport, err := s.Index.ReportsIndicators(ctx, ids)
	if err != nil {
		return linkgraph.Graph{}, fmt.Errorf("identifiers of the case's reports: %w", err)
	}
	for _, r := range reports {
		b.Report(r.ID, r.Receipt, p.Link("/w/reports/"+r.ID), false)
		for _, info := range byReport[r.ID] {
			ties = append(ties, tie{r.ID, info})
			carriers[identifierKey(info.Type, info.Value)]++
		}
	}
	for _, t := range ties {
		key := identifierKey(t.info.Type, t.info.Value)
		if t.info.Flagged != "" {
			b.Tie(t.report, key, t.info.Value, true)
		} else if carriers[key] >= 2 {
			b.Tie(t.report, key, t.info.Value, false)
		}
	}
	return b.Graph(), nil
}
