package api

import (
	"net/http"

	"github.com/vigie-platform/vigie/web/figures"
)

// handleAPIStats answers the figures page's numbers as JSON.
func (s *server) handleAPIStats(w http.ResponseWriter, r *http.Request) {
	v, err := s.Figures.Read(r)
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, "invalid", err.Error(), nil)
		return
	}
	type cat struct {
		Category string `json:"category"`
		Reports  int64  `json:"reports"`
		Cases    int64  `json:"cases"`
	}
	type dest struct {
		Destination string `json:"destination"`
		Referrals   int64  `json:"referrals"`
	}
	out := struct {
		From            string               `json:"from"`
		To              string               `json:"to"`
		Period          string               `json:"period"`
		Visits          int64                `json:"visits"`
		Reports         int64                `json:"reports"`
		Cases           int64                `json:"cases"`
		ReferralsFrance int64                `json:"referrals_france"`
		ReferralsAbroad int64                `json:"referrals_abroad"`
		ByCategory      []cat                `json:"by_category"`
		ByDestination   []dest               `json:"by_destination"`
		Series          []figures.BucketLine `json:"series"`
	}{From: v.From, To: v.To, Period: v.Period, Visits: v.Visits, Reports: v.Reports, Cases: v.Cases, ReferralsFrance: v.France, ReferralsAbroad: v.Abroad, Series: v.Table}
	for _, c := range v.ByCategory {
		out.ByCategory = append(out.ByCategory, cat{c.Key, c.Reports, c.Cases})
	}
	for _, d := range v.ByDest {
		out.ByDestination = append(out.ByDestination, dest{d.Key, d.Referrals})
	}
	writeJSON(w, http.StatusOK, out)
}
