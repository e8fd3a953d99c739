package workspace

import (
	"net/http"
	"strconv"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/problem"
	"github.com/vigie-platform/vigie/removal"
	"github.com/vigie-platform/vigie/stats"
	"github.com/vigie-platform/vigie/web"
)

// transparencyView is the yearly transparency report's page.
type transparencyView struct {
	removal.YearReport
	Years []int
	// Labels name the categories for people.
	Labels map[string]string
	// Actions are the report's columns.
	Actions                 []string
	OrdersMedian, OrdersP90 string
}

// reportYear reads the year asked for (Paris's current year by default):
// from the first the platform can have notices to the next one.
func reportYear(r *http.Request) (int, error) {
	this := time.Now().In(stats.Zone).Year()
	v := r.URL.Query().Get("year")
	if v == "" {
		return this, nil
	}
	y, err := strconv.Atoi(v)
	if err != nil || y < 2000 || y > this+1 {
		return 0, problem.New("transparency.year", v)
	}
	return y, nil
}

func (s *server) yearReport(r *http.Request) (removal.YearReport, error) {
	y, err := reportYear(r)
	if err != nil {
		return removal.YearReport{}, err
	}
	from, to := removal.YearBounds(y)
	notices, err := s.Workspace.NoticesSent(r.Context(), from, to)
	if err != nil {
		return removal.YearReport{}, err
	}
	return removal.Report(y, notices), nil
}

// handleTransparency shows the year's notices by provider, content type
// and action taken, and the removal orders with their timing. Counts only:
// the page is not audited as a read of personal data; its CSV, an export,
// is.
func (s *server) handleTransparency(w http.ResponseWriter, r *http.Request, u account.User) {
	rep, err := s.yearReport(r)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	p := s.newWPage(r, u, "ws.transparency.title")
	v := transparencyView{YearReport: rep, Labels: map[string]string{}, Actions: removal.Actions, OrdersMedian: "—", OrdersP90: "—"}
	for y := time.Now().In(stats.Zone).Year(); y >= 2024; y-- {
		v.Years = append(v.Years, y)
	}
	for _, l := range rep.ByCategory {
		v.Labels[l.Key] = web.CategoryLabel(s.Intake.Taxonomy(), l.Key, p.Lang)
	}
	if rep.Orders.Removed > 0 {
		v.OrdersMedian, v.OrdersP90 = p.Duration(rep.Orders.Median), p.Duration(rep.Orders.P90)
	}
	p.Data = v
	s.renderW(w, http.StatusOK, "w_transparency", p)
}

// handleTransparencyCSV sends the report as CSV (RFC 4180, CRLF).
func (s *server) handleTransparencyCSV(w http.ResponseWriter, r *http.Request, u account.User) {
	rep, err := s.yearReport(r)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	if !s.mustAudit(w, r, u, "transparency.export", "report", strconv.Itoa(rep.Year), "csv") {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="vigie-transparency-`+strconv.Itoa(rep.Year)+`.csv"`)
	if err := rep.WriteCSV(w); err != nil {
		s.Logger.Error("transparency csv", "err", err)
	}
}
