package api

import (
	"net/http"

	"github.com/vigie-platform/vigie/removal"
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

// handleAPIRemovalTimes answers the times to removal of the figures page
// as JSON: in all, per host and per network.
func (s *server) handleAPIRemovalTimes(w http.ResponseWriter, r *http.Request) {
	v, err := s.Figures.Read(r)
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, "invalid", err.Error(), nil)
		return
	}
	type line struct {
		Host          string `json:"host,omitempty"`
		Network       string `json:"network,omitempty"`
		Notices       int    `json:"notices"`
		Removed       int    `json:"removed"`
		MedianSeconds int64  `json:"median_seconds"`
		P90Seconds    int64  `json:"p90_seconds"`
	}
	of := func(t removal.Times) line {
		return line{Notices: t.Notices, Removed: t.Removed, MedianSeconds: int64(t.Median.Seconds()), P90Seconds: int64(t.P90.Seconds())}
	}
	all := of(v.RemovalTimes)
	out := struct {
		From string `json:"from"`
		To   string `json:"to"`
		line
		ByHost    []line `json:"by_host"`
		ByNetwork []line `json:"by_network"`
	}{From: v.From, To: v.To, line: all, ByHost: []line{}, ByNetwork: []line{}}
	for _, t := range v.ByHost {
		l := of(t.Times)
		l.Host = t.Key
		out.ByHost = append(out.ByHost, l)
	}
	for _, t := range v.ByNetwork {
		l := of(t.Times)
		l.Network = t.Key
		out.ByNetwork = append(out.ByNetwork, l)
	}
	writeJSON(w, http.StatusOK, out)
}

// handleXARFSchema serves the schema that mailed notices' X-ARF reports
// name as their Schema-URL.
func (s *server) handleXARFSchema(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/schema+json")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(removal.XARFSchema)
}
