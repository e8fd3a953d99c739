// Package workspace is Vigie's staff workspace (HTML under /w/): the
// triage queue, reports, cases, routing and referrals, removal notices,
// search, the audit trail, accounts and the destinations' inbox.
// routes.go lists every route with the permission it needs; guard is the
// one access check in front of them.
package workspace

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/vigie-platform/vigie/access"
	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/alert"
	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/bank"
	"github.com/vigie-platform/vigie/blocking"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/destination"
	"github.com/vigie-platform/vigie/hosting"
	"github.com/vigie-platform/vigie/linkgraph"
	"github.com/vigie-platform/vigie/problem"
	"github.com/vigie-platform/vigie/removal"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/routing"
	"github.com/vigie-platform/vigie/search"
	"github.com/vigie-platform/vigie/storage"
	"github.com/vigie-platform/vigie/triage"
	"github.com/vigie-platform/vigie/wave"
	"github.com/vigie-platform/vigie/web"
	"github.com/vigie-platform/vigie/web/figures"
)

//go:embed templates/*.html
var templateFS embed.FS

// Store is what the analysts' workspace reads and writes.
type Store interface {
	triage.Store
	casefile.Store
	search.Store
	audit.Store
	audit.Reader
	account.Store
	report.BlobStore
	removal.Store
	alert.Store
	wave.Store
	hosting.Store
	blocking.OversightStore
}

// Deps is what the workspace needs; without Accounts the workspace is
// closed.
type Deps struct {
	Intake    *report.Intake
	Reports   report.Store
	Index     correlate.Store
	Accounts  *account.Service
	Cases     *casefile.Service
	Triage    *triage.Service
	Workspace Store
	// Routing: the destination registry, the rules and how hosting facts
	// are found. Without Routing, cases get no proposal.
	Destinations *destination.Registry
	Routing      *routing.Rules
	Gatherer     routing.Gatherer
	// Checker fetches reported URLs for removal checks (an SSRF-guarded
	// client); nil turns checks off.
	Checker *http.Client
	// Hosting traces a case's URLs to their host and abuse contact; nil
	// turns the trace off.
	Hosting *hosting.Service
	// Figures serves the supervisors' dashboard.
	Figures *figures.Reader
	Limits  web.Limits
	// InsecureCookies drops the Secure flag of the session cookie, for a
	// workspace served over plain HTTP other than on localhost.
	InsecureCookies bool
	// Mailer sends new accounts their activation link, built on PublicURL
	// (the workspace's address as people reach it). Without both, the
	// operator makes links on the server (vigie user link).
	Mailer    Mailer
	PublicURL string
	// ExportNamespace makes the ids of STIX and MISP exports
	// (export.InstallationNamespace); without it those exports fail.
	ExportNamespace uuid.UUID
	// Banks of known content (issue 14): their service, and the store's
	// matches of reports' media. Without them the pages are off and
	// reports show no matches.
	Banks     *bank.Service
	BankStore bank.Store
}

// Mailer sends a plain-text e-mail.
type Mailer interface {
	SendText(ctx context.Context, to, subject, body string) error
}

type server struct {
	*web.Kit
	Deps
	pages   web.Pages
	summary summaryCache
	alerts  alertCount
	// background counts the traces started after a referral (tests wait
	// for them).
	background sync.WaitGroup
}

func newServer(kit *web.Kit, d Deps) *server {
	return &server{Kit: kit, Deps: d, pages: kit.Pages("wlayout", parsePages())}
}

// Mount registers the workspace's routes on mux and returns them with the
// permission each needs.
func Mount(mux web.Mux, kit *web.Kit, d Deps) []web.Route {
	return newServer(kit, d).routes(mux)
}

var pageNames = []string{"w_error", "w_login", "w_enrol", "w_queue", "w_report", "w_cases", "w_case", "w_search", "w_audit", "w_users", "w_inbox", "w_me", "w_login_passkey", "w_passkeys", "w_help", "w_dashboard", "w_alerts", "w_banks", "w_wave", "w_confirm", "w_oversight", "w_oversight_batch", "w_transparency"}

// lineOf carries a page into the partial that names one report.
type lineOf struct {
	P    wpage
	Item triage.Item
}

// graphOf carries a page into the partial that draws a link graph.
type graphOf struct {
	P  wpage
	ID string
	G  linkgraph.Graph
}

// itemsOf carries a page into a partial that lists reports.
type itemsOf struct {
	P     wpage
	Items []triage.Item
}

// parsePages parses the workspace's pages in its layout; "w_figures" is
// the figures page of web/figures inside the workspace.
func parsePages() map[string]*template.Template {
	funcs := template.FuncMap{
		"wrap":  func(p wpage, items []triage.Item) itemsOf { return itemsOf{p, items} },
		"line":  func(p wpage, it triage.Item) lineOf { return lineOf{p, it} },
		"graph": func(p wpage, id string, g linkgraph.Graph) graphOf { return graphOf{P: p, ID: id, G: g} },
	}
	page := func(name string, fsys fs.FS, file string) *template.Template {
		t := template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/w_layout.html", "templates/w_partials.html"))
		return template.Must(t.ParseFS(fsys, file))
	}
	out := map[string]*template.Template{"w_figures": page("figures", figures.Template, "figures.html")}
	for _, name := range pageNames {
		out[name] = page(name, templateFS, "templates/"+name+".html")
	}
	return out
}

// The session cookie's name. With the __Host- prefix the browser only
// keeps it when it is Secure, for the whole host and set by the host
// itself: no sibling sub-domain and no plain-HTTP page can plant or
// overwrite it. Without the Secure flag (--insecure-cookies) the prefix
// is not allowed, and the plain name is scoped to /w/.
const (
	SessionCookie         = "__Host-vigie_session"
	InsecureSessionCookie = "vigie_session"
)

func (s *server) sessionCookieName() (name, path string) {
	if s.InsecureCookies {
		return InsecureSessionCookie, "/w/"
	}
	return SessionCookie, "/"
}

// sessionToken is the session token the browser sent, or "".
func (s *server) sessionToken(r *http.Request) string {
	name, _ := s.sessionCookieName()
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

func (s *server) setSession(w http.ResponseWriter, token string) {
	name, path := s.sessionCookieName()
	http.SetCookie(w, &http.Cookie{Name: name, Value: token, Path: path, HttpOnly: true, Secure: !s.InsecureCookies,
		SameSite: http.SameSiteStrictMode, MaxAge: int(s.Accounts.Policy().AbsoluteLimit / time.Second)})
}

func (s *server) clearSession(w http.ResponseWriter) {
	name, path := s.sessionCookieName()
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: path, HttpOnly: true, Secure: !s.InsecureCookies,
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
}

// wsHandler serves a workspace route for a signed-in user.
type wsHandler func(w http.ResponseWriter, r *http.Request, u account.User)

// guard is the one access check in front of every workspace route but
// sign-in and enrolment: a session, then the role's permission that the
// route declares in routes.go. Nothing else decides who may enter.
func (s *server) guard(pattern string, perm access.Permission, h wsHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		u, err := s.currentUser(r)
		if err != nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/w/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.wsFail(w, r, account.User{}, http.StatusUnauthorized, "ws.err.signin")
			return
		}
		// An account whose role requires a passkey and that has none yet
		// (it signed in with TOTP) may only register one.
		if !passkeySetup[pattern] {
			missing, err := s.Accounts.NeedsPasskey(r.Context(), u)
			if err != nil {
				s.wsErr(w, r, u, err)
				return
			}
			if missing {
				if r.Method == http.MethodGet {
					seeOther(w, r, "/w/passkeys", "")
					return
				}
				s.wsFail(w, r, u, http.StatusForbidden, "ws.passkeys.required")
				return
			}
		}
		if !access.Allowed(u.Role, perm) {
			if s.mustAudit(w, r, u, "access.denied", "route", pattern, "") {
				s.wsFail(w, r, u, http.StatusForbidden, "ws.err.forbidden")
			}
			return
		}
		h(w, r, u)
	}
}

func (s *server) currentUser(r *http.Request) (account.User, error) {
	if s.Accounts == nil {
		return account.User{}, account.ErrNotFound
	}
	token := s.sessionToken(r)
	if token == "" {
		return account.User{}, account.ErrNotFound
	}
	return s.Accounts.Authenticate(r.Context(), token)
}

// mustAudit records a read (a view of personal data, a search, a refused
// route) before anything is shown: when the trail cannot take the entry,
// the page says the service is unavailable and shows nothing. Changes are
// not recorded here but by the services that make them, in the change's
// own transaction.
func (s *server) mustAudit(w http.ResponseWriter, r *http.Request, u account.User, action, objectType, objectID, detail string) bool {
	_, err := s.Workspace.AppendAudit(r.Context(), audit.Entry{At: time.Now(), Actor: u.Email, Action: action,
		ObjectType: objectType, ObjectID: objectID, Source: audit.SourceFrom(r.Context()), Detail: detail})
	if err != nil {
		s.Logger.Error("audit append failed", "action", action, "object", objectID, "err", err)
		s.wsFail(w, r, u, http.StatusServiceUnavailable, "ws.err.unavailable")
		return false
	}
	return true
}

// wpage is what every workspace template receives: the shared page, the
// signed-in user and what their role may do.
type wpage struct {
	web.Page
	User  account.User
	Can   map[string]bool
	Flash string
	Error string
	// OpenAlerts counts the alerts nobody has closed, for the banner.
	OpenAlerts int
}

func (s *server) newWPage(r *http.Request, u account.User, title string) wpage {
	p := wpage{Page: web.NewPage(r, title, s.Intake.Taxonomy()), User: u, Can: map[string]bool{}}
	for _, perm := range access.Permissions(u.Role) {
		p.Can[string(perm)] = true
	}
	if p.Can[string(access.Triage)] {
		p.OpenAlerts = s.alerts.get(r.Context(), s.Workspace.CountOpenAlerts)
	}
	if done := r.URL.Query().Get("done"); done != "" {
		if web.IsWorkspaceKey("ws.done." + done) {
			p.Flash = p.T("ws.done." + done)
		}
	}
	return p
}

func (s *server) renderW(w http.ResponseWriter, status int, name string, p wpage) {
	s.pages.Render(w, status, name, p)
}

// wsFail shows an error page with a fixed, translated message.
func (s *server) wsFail(w http.ResponseWriter, r *http.Request, u account.User, status int, key string) {
	p := s.newWPage(r, u, "ws.error.title")
	p.Error = p.T(key)
	s.renderW(w, status, "w_error", p)
}

// wsErr maps a domain error to a page, once for the whole workspace.
func (s *server) wsErr(w http.ResponseWriter, r *http.Request, u account.User, err error) {
	pr, isProblem := problem.As(err)
	switch {
	case errors.Is(err, removal.ErrNotFound):
		s.wsFail(w, r, u, http.StatusNotFound, "ws.err.notfound")
	case errors.Is(err, report.ErrNotFound), errors.Is(err, casefile.ErrNotFound), errors.Is(err, account.ErrNotFound), errors.Is(err, bank.ErrNotFound), errors.Is(err, wave.ErrNotFound):
		s.wsFail(w, r, u, http.StatusNotFound, "ws.err.notfound")
	case errors.Is(err, casefile.ErrReportInCase):
		s.wsFail(w, r, u, http.StatusConflict, "ws.err.incase")
	case errors.Is(err, casefile.ErrClosed):
		s.wsFail(w, r, u, http.StatusConflict, "ws.err.closed")
	case errors.Is(err, account.ErrPasskeysOff):
		s.Logger.Error("workspace", "route", r.Pattern, "err", err)
		s.wsFail(w, r, u, http.StatusServiceUnavailable, "ws.passkeys.off")
	case errors.Is(err, triage.ErrNothingToTake):
		s.wsFail(w, r, u, http.StatusNotFound, "ws.err.empty")
	case isProblem:
		p := s.newWPage(r, u, "ws.error.title")
		p.Error = pr.In(p.Lang)
		s.renderW(w, http.StatusUnprocessableEntity, "w_error", p)
	default:
		s.Logger.Error("workspace", "route", r.Pattern, "err", err)
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, storage.ErrUnavailable) || errors.Is(err, audit.ErrUnwritten) {
			w.Header().Set("Retry-After", "5")
			s.wsFail(w, r, u, http.StatusServiceUnavailable, "ws.err.unavailable")
			return
		}
		s.wsFail(w, r, u, http.StatusInternalServerError, "ws.err.internal")
	}
}

// seeOther ends a POST with a redirect (and a fixed flash key).
func seeOther(w http.ResponseWriter, r *http.Request, path, done string) {
	u := path
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	if done != "" {
		u += sep + "done=" + done
		sep = "&"
	}
	if web.LangOf(r) == "en" {
		u += sep + "lang=en"
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
}
