// Package portal is Vigie's public portal (HTML): the home page, the
// guided diagnosis that sends people to the right door, the report form
// and its confirmation, the follow-up page, the prevention advice, the
// figures, the pages a public service must publish (legal notice,
// privacy, accessibility, contact) and the entry point other sites embed. routes.go lists every route; all are open to
// anyone.
package portal

import (
	"embed"
	"net/http"

	"github.com/vigie-platform/vigie/advice"
	"github.com/vigie-platform/vigie/altcha"
	"github.com/vigie-platform/vigie/diagnosis"
	"github.com/vigie-platform/vigie/installation"
	"github.com/vigie-platform/vigie/news"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/taxonomy"
	"github.com/vigie-platform/vigie/visit"
	"github.com/vigie-platform/vigie/web"
	"github.com/vigie-platform/vigie/web/figures"
)

//go:embed templates/*.html
var templateFS embed.FS

// Deps is what the portal needs.
type Deps struct {
	Intake *report.Intake
	Visits *visit.Counter
	Altcha *altcha.Service
	// Advice holds the prevention articles.
	Advice  *advice.Library
	Figures *figures.Reader
	Limits  web.Limits
	// News, when set, offers reporters news by e-mail and serves the
	// unsubscribe pages; nil when no SMTP server is configured.
	News *news.Service
	// NextSteps are the steps given with a receipt, per category (nil:
	// the embedded default).
	NextSteps *taxonomy.NextSteps
	// PublicURL is the platform's public address, for the follow-up link
	// of a receipt's QR code; empty: the request's host.
	PublicURL string
	// Diagnosis routes people to the right door before the form; nil
	// means the embedded default.
	Diagnosis *diagnosis.Config
	// Installation fills the legal pages, the home page's order and the
	// origins that may frame /embed; nil means the embedded default.
	Installation *installation.Info
}

func (s *server) nextSteps() *taxonomy.NextSteps {
	if s.NextSteps == nil {
		return taxonomy.DefaultNextSteps()
	}
	return s.NextSteps
}

type server struct {
	*web.Kit
	Deps
	pages web.Pages
}

// Mount registers the portal's routes on mux.
func Mount(mux *http.ServeMux, kit *web.Kit, d Deps) {
	if d.Diagnosis == nil {
		d.Diagnosis = diagnosis.Default(d.Intake.Taxonomy())
	}
	if d.Installation == nil {
		d.Installation = installation.Default()
	}
	s := &server{Kit: kit, Deps: d, pages: kit.Pages("layout", parsePages())}
	s.routes(mux)
}
