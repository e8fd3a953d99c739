package workspace

import (
	"cmp"
	"net/http"
	"slices"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/triage"
)

// dashboardView is the supervisors' operational overview.
type dashboardView struct {
	triage.Overview
	Labels       map[string]string // category code → label in the page's language
	LateReferral []lateReferral
	AgeColumns   []string
	OpenAlerts   int
}

type lateReferral struct {
	Destination string
	Late        int
}

// handleDashboard shows what waits, how old it is against the target
// times, who holds what, and which services are late to acknowledge: what
// a supervisor steers the day by. The figures for the public are /w/stats.
func (s *server) handleDashboard(w http.ResponseWriter, r *http.Request, u account.User) {
	now := time.Now()
	waiting, err := s.Workspace.Waiting(r.Context())
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	late, err := s.Workspace.LateReferrals(r.Context(), now)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	openAlerts, err := s.Workspace.CountOpenAlerts(r.Context())
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	tax := s.Intake.Taxonomy()
	p := s.newWPage(r, u, "ws.dash.title")
	v := dashboardView{
		Overview:   triage.Summarise(waiting, now, func(c string) time.Duration { return tax.Target(c, false) }),
		Labels:     map[string]string{},
		OpenAlerts: openAlerts,
	}
	for _, c := range v.Categories {
		v.Labels[c.Category] = s.categoryLabel(c.Category, p.Lang)
	}
	for code, n := range late {
		name := code
		if d, ok := s.Destinations.Lookup(code); ok {
			name = d.Name.In(p.Lang)
		}
		v.LateReferral = append(v.LateReferral, lateReferral{Destination: name, Late: n})
	}
	slices.SortFunc(v.LateReferral, func(a, b lateReferral) int {
		return cmp.Or(cmp.Compare(b.Late, a.Late), cmp.Compare(a.Destination, b.Destination))
	})
	prev := time.Duration(0)
	for _, bound := range triage.AgeBuckets {
		v.AgeColumns = append(v.AgeColumns, p.T("ws.dash.age.range", p.Duration(prev), p.Duration(bound)))
		prev = bound
	}
	v.AgeColumns = append(v.AgeColumns, p.T("ws.dash.age.over", p.Duration(prev)))
	p.Data = v
	s.renderW(w, http.StatusOK, "w_dashboard", p)
}
