package web

import (
	"io/fs"

	"github.com/vigie-platform/vigie/access"
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
	mux.HandleFunc("GET /advice", s.handleAdviceIndex)
	mux.HandleFunc("GET /advice/{category}", s.handleAdvice)
	mux.HandleFunc("GET /figures", s.handleFigures)
	mux.HandleFunc("GET /figures.csv", s.handleFiguresCSV)
	mux.HandleFunc("POST /follow-up", s.handleFollowUpSubmit)
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))

	// Reporting API (JSON).
	mux.HandleFunc("GET /api/openapi.json", s.handleOpenAPI)
	mux.HandleFunc("POST /api/v1/reports", s.handleAPICreateReport)
	mux.HandleFunc("POST /api/v1/reports/batch", s.handleAPICreateBatch)
	mux.HandleFunc("POST /api/v1/follow-up", s.handleAPIFollowUp)
	mux.HandleFunc("GET /api/v1/altcha/challenge", s.handleAPIAltchaChallenge)
	mux.HandleFunc("GET /api/v1/stats", s.handleAPIStats)
	mux.HandleFunc("GET /api/v1/indicators/{type}", s.handleAPIIndicator)
	mux.HandleFunc("GET /api/v1/indicators/{type}/{value...}", s.handleAPIIndicator)
	mux.HandleFunc("GET /api/v1/reports/{id}/related", s.handleAPIRelated)
	mux.HandleFunc("/api/", s.handleAPINotFound)

	// Workspace (HTML). Every route but login and enrolment goes through
	// s.ws, which checks the session and the role's permission.
	mux.HandleFunc("GET /w/login", s.handleLoginForm)
	mux.HandleFunc("POST /w/login", s.handleLogin)
	mux.HandleFunc("GET /w/enrol/{token}", s.handleEnrolForm)
	mux.HandleFunc("POST /w/enrol/{token}", s.handleEnrol)
	s.ws(mux, "GET /w/{$}", access.Signed, s.handleWorkspaceHome)
	s.ws(mux, "POST /w/logout", access.Signed, s.handleLogout)
	s.ws(mux, "GET /w/queue", access.Triage, s.handleQueue)
	s.ws(mux, "POST /w/queue/next", access.Triage, s.handleTakeNext)
	s.ws(mux, "POST /w/queue/decide", access.Triage, s.handleBulkDecide)
	s.ws(mux, "POST /w/queue/assign", access.Reassign, s.handleReassign)
	s.ws(mux, "GET /w/reports/{id}", access.ReadReports, s.handleReportView)
	s.ws(mux, "GET /w/reports/{id}/attachments/{sha}", access.ReadReports, s.handleAttachment)
	s.ws(mux, "GET /w/cases", access.Cases, s.handleCaseList)
	s.ws(mux, "POST /w/cases", access.Cases, s.handleCaseCreate)
	s.ws(mux, "GET /w/cases/{id}", access.Cases, s.handleCaseView)
	s.routesCases(mux)   // POST /w/cases/{id}/qualify|close|reopen|notes|reports|remove|merge|split
	s.routesRouting(mux) // POST /w/cases/{id}/refer|facts, POST /w/inbox/{id}/acknowledge|outcome
	s.routesNotices(mux) // POST /w/cases/{id}/notices, POST /w/notices/{nid}/record|check
	s.ws(mux, "GET /w/search", access.Search, s.handleSearch)
	s.ws(mux, "GET /w/stats", access.Stats, s.handleStatsDashboard)
	s.ws(mux, "GET /w/audit", access.ReadAudit, s.handleAuditViewer)
	s.ws(mux, "GET /w/users", access.Users, s.handleUsers)
	s.ws(mux, "POST /w/users", access.Users, s.handleUserAdd)
	s.ws(mux, "POST /w/users/{id}/disable", access.Users, s.handleUserDisable)
	s.ws(mux, "GET /w/inbox", access.Inbox, s.handleInbox)
	s.ws(mux, "GET /w/inbox/{id}", access.Inbox, s.handleInboxCase)
	mux.HandleFunc("/w/", s.handleNotFound)

	// Operations.
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /readyz", s.handleReadyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.Metrics, promhttp.HandlerOpts{}))

	mux.HandleFunc("/", s.handleNotFound)
}
