package portal

import "net/http"

// routes lists every route of the public portal; none needs an account or
// a token. Its static files are served by web/server, for the workspace
// too.
func (s *server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", s.handleHome)
	mux.HandleFunc("GET /report", s.handleReportForm)
	mux.HandleFunc("POST /report", s.handleReportSubmit)
	mux.HandleFunc("GET /follow-up", s.handleFollowUpForm)
	mux.HandleFunc("GET /advice", s.handleAdviceIndex)
	mux.HandleFunc("GET /advice/{category}", s.handleAdvice)
	mux.HandleFunc("GET /figures", s.handleFigures)
	mux.HandleFunc("GET /figures.csv", s.handleFiguresCSV)
	mux.HandleFunc("POST /follow-up", s.handleFollowUpSubmit)
	mux.HandleFunc("POST /follow-up/receipt.pdf", s.handleReceiptPDF)
	mux.HandleFunc("GET /news/stop", s.handleNewsStopForm)
	mux.HandleFunc("POST /news/stop", s.handleNewsStop)
	mux.HandleFunc("GET /diagnosis", s.handleDiagnosis)
	mux.HandleFunc("GET /mentions-legales", s.handleLegal)
	mux.HandleFunc("GET /confidentialite", s.handlePrivacy)
	mux.HandleFunc("GET /accessibilite", s.handleAccessibility)
	mux.HandleFunc("GET /contact", s.handleContact)
	// The one page other sites may frame (installation's frame_ancestors).
	mux.HandleFunc("GET /embed", s.handleEmbed)
}
