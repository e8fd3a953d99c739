package correlate

import (
	"context"
	"sort"
)

// RelatedReports lists the reports that share at least one identifier
// with reportID, most shared first. Flagged values do not relate anything,
// and each value contributes at most perValue reports, so one popular
// identifier cannot flood the answer.
func RelatedReports(ctx context.Context, s Store, reportID string, perValue int) ([]Related, error) {
	infos, err := s.ReportIndicators(ctx, reportID)
	if err != nil {
		return nil, err
	}
	byReport := map[string]*Related{}
	var order []string
	for _, info := range infos {
		if info.Flagged != "" {
			continue
		}
		ids, _, err := s.IndicatorReports(ctx, info.Type, info.Value, "", perValue+1)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if id == reportID {
				continue
			}
			r, ok := byReport[id]
			if !ok {
				r = &Related{ReportID: id}
				byReport[id] = r
				order = append(order, id)
			}
			r.Shared = append(r.Shared, SharedIdentity{Type: info.Type, Value: info.Value})
		}
	}
	out := make([]Related, 0, len(order))
	for _, id := range order {
		out = append(out, *byReport[id])
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].Shared) > len(out[j].Shared) })
	return out, nil
}

// Cluster is a proposed case: reports connected through shared identifiers.
type Cluster struct {
	Reports []string         `json:"reports"`
	Links   []SharedIdentity `json:"links"` // the identifiers that connect them
	// Truncated is true when the cluster reached its size bound.
	Truncated bool `json:"truncated"`
}

// ClusterOf walks from reportID through shared identifiers, breadth first.
// It is bounded twice: values seen in more than maxValueReports reports
// are not followed (one common value must not merge everything), and the
// walk stops at maxReports.
func ClusterOf(ctx context.Context, s Store, reportID string, maxReports int, maxValueReports int64) (Cluster, error) {
	seen := map[string]bool{reportID: true}
	followed := map[SharedIdentity]bool{}
	c := Cluster{Reports: []string{reportID}}
	queue := []string{reportID}
	for len(queue) > 0 {
		current := queue[0]
		queue = queue[1:]
		infos, err := s.ReportIndicators(ctx, current)
		if err != nil {
			return c, err
		}
		for _, info := range infos {
			key := SharedIdentity{Type: info.Type, Value: info.Value}
			if info.Flagged != "" || info.Count < 2 || info.Count > maxValueReports || followed[key] {
				continue
			}
			followed[key] = true
			ids, _, err := s.IndicatorReports(ctx, info.Type, info.Value, "", int(maxValueReports))
			if err != nil {
				return c, err
			}
			linked := false
			for _, id := range ids {
				if seen[id] {
					linked = linked || id != current
					continue
				}
				if len(c.Reports) >= maxReports {
					c.Truncated = true
					break
				}
				seen[id] = true
				linked = true
				c.Reports = append(c.Reports, id)
				queue = append(queue, id)
			}
			if linked {
				c.Links = append(c.Links, key)
			}
		}
		if c.Truncated {
			break
		}
	}
	return c, nil
}
