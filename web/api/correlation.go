package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/vigie-platform/vigie/apitoken"
	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/web"
)

// Bounds of a page of report ids (web.RelatedPerValue and the cluster's
// bounds are the workspace's too).
const (
	defaultPage = 100
	maxPage     = 1000
)

func pageSize(w http.ResponseWriter, r *http.Request) (int, bool) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return defaultPage, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPage {
		writeAPIError(w, http.StatusBadRequest, "invalid", "Bad limit.", map[string]string{"limit": "A whole number from 1 to 1000."})
		return 0, false
	}
	return n, true
}

// recordRead appends a token's read of the index to the audit trail before
// anything is looked up: every lookup is recorded, a miss included (it
// tells that no report names a value), and when the trail cannot take the
// entry the read is refused.
func (s *server) recordRead(w http.ResponseWriter, r *http.Request, tok apitoken.Token, action, objectType, objectID string) bool {
	if s.Audit == nil {
		s.indexUnavailable(w, errors.New("no audit trail to record the read"))
		return false
	}
	_, err := s.Audit.AppendAudit(r.Context(), audit.Entry{At: time.Now(), Actor: "token:" + tok.Name, Action: action,
		ObjectType: objectType, ObjectID: objectID, Source: audit.SourceFrom(r.Context())})
	if err != nil {
		s.indexUnavailable(w, err)
		return false
	}
	return true
}

func (s *server) indexUnavailable(w http.ResponseWriter, err error) {
	s.Logger.Error("index", "err", err)
	w.Header().Set("Retry-After", "5")
	writeAPIError(w, http.StatusServiceUnavailable, "unavailable", "The index cannot be read right now; retry.", nil)
}

// handleAPIIndicator answers GET /api/v1/indicators/{type}/{value} (or
// ?value=, handier for URLs): the value's count, first and last seen, and a
// page of the reports naming it. Any spelling of the value works: it is
// normalised first.
func (s *server) handleAPIIndicator(w http.ResponseWriter, r *http.Request, tok apitoken.Token) {
	t, err := indicator.ParseType(r.PathValue("type"))
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, "invalid", "Unknown indicator type.", map[string]string{"type": err.Error()})
		return
	}
	raw := r.PathValue("value")
	if q := r.URL.Query().Get("value"); q != "" {
		raw = q
	}
	value, err := indicator.Normalise(t, raw, indicator.DefaultOptions)
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, "invalid", "The value is not a valid "+string(t)+".", map[string]string{"value": err.Error()})
		return
	}
	limit, ok := pageSize(w, r)
	if !ok || !s.recordRead(w, r, tok, "indicator.read", "indicator", string(t)+":"+value) {
		return
	}
	info, err := s.Index.Indicator(r.Context(), t, value)
	if errors.Is(err, correlate.ErrNotFound) {
		writeAPIError(w, http.StatusNotFound, "not_found", "No report names this value.", nil)
		return
	}
	if err != nil {
		s.indexUnavailable(w, err)
		return
	}
	ids, next, err := s.Index.IndicatorReports(r.Context(), t, value, r.URL.Query().Get("cursor"), limit)
	if errors.Is(err, correlate.ErrBadCursor) {
		writeAPIError(w, http.StatusBadRequest, "invalid", "Bad cursor.", map[string]string{"cursor": "Use the next_cursor of a previous page."})
		return
	}
	if err != nil {
		s.indexUnavailable(w, err)
		return
	}
	if ids == nil {
		ids = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"type": info.Type, "value": info.Value, "count": info.Count,
		"first_seen": info.FirstSeen, "last_seen": info.LastSeen, "flagged": info.Flagged,
		"reports": ids, "next_cursor": next,
	})
}

// handleAPIRelated answers GET /api/v1/reports/{id}/related: the report's
// identifiers with their counts, the reports sharing them, and the
// proposed case (cluster) around it.
func (s *server) handleAPIRelated(w http.ResponseWriter, r *http.Request, tok apitoken.Token) {
	id := r.PathValue("id")
	if !s.recordRead(w, r, tok, "report.related", "report", id) {
		return
	}
	if _, err := s.Reports.ReportByID(r.Context(), id); err != nil {
		if errors.Is(err, report.ErrNotFound) {
			writeAPIError(w, http.StatusNotFound, "not_found", "No such report.", nil)
			return
		}
		s.indexUnavailable(w, err)
		return
	}
	infos, err := s.Index.ReportIndicators(r.Context(), id)
	if err != nil {
		s.indexUnavailable(w, err)
		return
	}
	related, err := correlate.RelatedReports(r.Context(), s.Index, id, web.RelatedPerValue)
	if err != nil {
		s.indexUnavailable(w, err)
		return
	}
	cluster, err := correlate.ClusterOf(r.Context(), s.Index, id, web.ClusterMaxReports, web.ClusterMaxValueCount)
	if err != nil {
		s.indexUnavailable(w, err)
		return
	}
	if infos == nil {
		infos = []correlate.Info{}
	}
	if related == nil {
		related = []correlate.Related{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"report_id": id, "indicators": infos, "related": related, "cluster": cluster})
}
