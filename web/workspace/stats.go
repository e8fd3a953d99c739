package workspace

import (
	"net/http"

	"github.com/vigie-platform/vigie/account"
)

// handleStatsDashboard is the figures page for supervisors.
func (s *server) handleStatsDashboard(w http.ResponseWriter, r *http.Request, u account.User) {
	v, err := s.Figures.Read(r)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	v.Supervisor = true
	p := s.newWPage(r, u, "fig.dashboard")
	p.Data = v
	s.renderW(w, http.StatusOK, "w_figures", p)
}
