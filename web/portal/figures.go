package portal

import (
	"encoding/csv"
	"net/http"
	"strconv"
)

// handleFigures shows the public figures page.
func (s *server) handleFigures(w http.ResponseWriter, r *http.Request) {
	s.Visits.Observe(r)
	v, err := s.Figures.Read(r)
	if err != nil {
		p := s.newPage(r, "fig.title")
		p.General = p.Problem(err)
		s.render(w, http.StatusBadRequest, "figures", p)
		return
	}
	p := s.newPage(r, "fig.title")
	p.Data = v
	s.render(w, http.StatusOK, "figures", p)
}

// handleFiguresCSV sends the figures' table as CSV.
func (s *server) handleFiguresCSV(w http.ResponseWriter, r *http.Request) {
	v, err := s.Figures.Read(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="vigie-figures.csv"`)
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // RFC 4180: records end with CRLF
	cw.Write([]string{"period", "visits", "reports", "cases", "referrals"})
	for _, l := range v.Table {
		cw.Write([]string{l.Bucket, strconv.FormatInt(l.Visits, 10), strconv.FormatInt(l.Reports, 10), strconv.FormatInt(l.Cases, 10), strconv.FormatInt(l.Referrals, 10)})
	}
	cw.Flush()
}
