package web

import (
	"io/fs"
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes lists every route of the server.
func (s *server) routes(mux *http.ServeMux) {
	static, _ := fs.Sub(staticFS, "static")

	// Public portal (HTML).
	mux.HandleFunc("GET /{$}", s.handleHome)
	mux.HandleFunc("GET /report", s.handleReportForm)
	mux.HandleFunc("POST /report", s.handleReportSubmit)
	mux.HandleFunc("GET /follow-up", s.handleFollowUpForm)
	mux.HandleFunc("POST /follow-up", s.handleFollowUpSubmit)
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))

	// Reporting API (JSON).
	mux.HandleFunc("GET /api/openapi.json", s.handleOpenAPI)
	mux.HandleFunc("POST /api/v1/reports", s.handleAPICreateReport)
	mux.HandleFunc("POST /api/v1/reports/batch", s.handleAPICreateBatch)
	mux.HandleFunc("POST /api/v1/follow-up", s.handleAPIFollowUp)
	mux.HandleFunc("GET /api/v1/altcha/challenge", s.handleAPIAltchaChallenge)
	mux.HandleFunc("GET /api/v1/indicators/{type}", s.handleAPIIndicator)
	mux.HandleFunc("GET /api/v1/indicators/{type}/{value...}", s.handleAPIIndicator)
	mux.HandleFunc("GET /api/v1/reports/{id}/related", s.handleAPIRelated)
	mux.HandleFunc("/api/", s.handleAPINotFound)

	// Operations.
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /readyz", s.handleReadyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.Metrics, promhttp.HandlerOpts{}))

	mux.HandleFunc("/", s.handleNotFound)
}
