package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/access"
	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/removal"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/search"
	"github.com/vigie-platform/vigie/storage"
	"github.com/vigie-platform/vigie/triage"
)

// WorkspaceStore is what the analysts' workspace reads and writes.
type WorkspaceStore interface {
	triage.Store
	casefile.Store
	search.Store
	audit.Store
	audit.Reader
	account.Store
	report.BlobStore
	removal.Store
}

// sessionCookie names the workspace's session cookie; it is scoped to /w/.
const sessionCookie = "vigie_session"

// wsHandler serves a workspace route for a signed-in user.
type wsHandler func(w http.ResponseWriter, r *http.Request, u account.User)

// wsRoute is one workspace route and the permission it needs; the list is
// what the role × route test walks.
type wsRoute struct {
	Pattern    string
	Permission access.Permission
}

// ws registers a workspace route behind the one access check: a session,
// then the role's permission. Nothing else decides who may enter.
func (s *server) ws(mux *http.ServeMux, pattern string, perm access.Permission, h wsHandler) {
	s.wsRoutes = append(s.wsRoutes, wsRoute{Pattern: pattern, Permission: perm})
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
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
		if !access.Allowed(u.Role, perm) {
			s.audit(r, u.Email, "access.denied", "route", pattern, "")
			s.wsFail(w, r, u, http.StatusForbidden, "ws.err.forbidden")
			return
		}
		h(w, r, u)
	})
}

func (s *server) currentUser(r *http.Request) (account.User, error) {
	if s.Accounts == nil {
		return account.User{}, account.ErrNotFound
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return account.User{}, account.ErrNotFound
	}
	return s.Accounts.Authenticate(r.Context(), c.Value)
}

// audit records an act. A failure to record is logged loudly: the act has
// already happened, and the caller decides whether to go on (see mustAudit).
func (s *server) audit(r *http.Request, actor, action, objectType, objectID, detail string) error {
	if s.Workspace == nil {
		return nil
	}
	_, err := s.Workspace.AppendAudit(r.Context(), audit.Entry{At: time.Now(), Actor: actor, Action: action,
		ObjectType: objectType, ObjectID: objectID, Source: s.clientIP(r), Detail: detail})
	if err != nil {
		s.Logger.Error("audit append failed", "action", action, "object", objectID, "err", err)
	}
	return err
}

// mustAudit records a view of personal data before showing it: when the
// trail cannot take the entry, the data is not shown.
func (s *server) mustAudit(w http.ResponseWriter, r *http.Request, u account.User, action, objectType, objectID string) bool {
	if err := s.audit(r, u.Email, action, objectType, objectID, ""); err != nil {
		s.wsFail(w, r, u, http.StatusServiceUnavailable, "ws.err.unavailable")
		return false
	}
	return true
}

// wpage is what every workspace template receives.
type wpage struct {
	page
	User  account.User
	Can   map[string]bool
	Flash string
	Error string
	Data  any
}

func (s *server) newWPage(r *http.Request, u account.User, title string) wpage {
	p := wpage{page: s.newPage(r, title), User: u, Can: map[string]bool{}}
	for _, perm := range access.Permissions(u.Role) {
		p.Can[string(perm)] = true
	}
	if done := r.URL.Query().Get("done"); done != "" {
		if _, ok := wsui["ws.done."+done]; ok {
			p.Flash = p.T("ws.done." + done)
		}
	}
	return p
}

func (s *server) renderW(w http.ResponseWriter, status int, name string, p wpage) {
	var buf bytes.Buffer
	if err := s.templates[name].ExecuteTemplate(&buf, "wlayout", p); err != nil {
		s.Logger.Error("render", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// wsFail shows an error page with a fixed, translated message.
func (s *server) wsFail(w http.ResponseWriter, r *http.Request, u account.User, status int, key string) {
	p := s.newWPage(r, u, "ws.error.title")
	p.Error = p.T(key)
	s.renderW(w, status, "w_error", p)
}

// wsErr maps a domain error to a page, once for the whole workspace.
func (s *server) wsErr(w http.ResponseWriter, r *http.Request, u account.User, err error) {
	var inv *casefile.InvalidError
	var ninv *removal.InvalidError
	switch {
	case errors.Is(err, removal.ErrNotFound):
		s.wsFail(w, r, u, http.StatusNotFound, "ws.err.notfound")
	case errors.As(err, &ninv):
		p := s.newWPage(r, u, "ws.error.title")
		p.Error = p.problem(ninv)
		s.renderW(w, http.StatusUnprocessableEntity, "w_error", p)
	case errors.Is(err, report.ErrNotFound), errors.Is(err, casefile.ErrNotFound), errors.Is(err, account.ErrNotFound):
		s.wsFail(w, r, u, http.StatusNotFound, "ws.err.notfound")
	case errors.Is(err, casefile.ErrReportInCase):
		s.wsFail(w, r, u, http.StatusConflict, "ws.err.incase")
	case errors.Is(err, casefile.ErrClosed):
		s.wsFail(w, r, u, http.StatusConflict, "ws.err.closed")
	case errors.Is(err, triage.ErrNothingToTake):
		s.wsFail(w, r, u, http.StatusNotFound, "ws.err.empty")
	case errors.As(err, &inv), errors.Is(err, errInvalidInput):
		p := s.newWPage(r, u, "ws.error.title")
		p.Error = p.problem(err)
		s.renderW(w, http.StatusUnprocessableEntity, "w_error", p)
	default:
		s.Logger.Error("workspace", "route", r.Pattern, "err", err)
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, storage.ErrUnavailable) {
			w.Header().Set("Retry-After", "5")
			s.wsFail(w, r, u, http.StatusServiceUnavailable, "ws.err.unavailable")
			return
		}
		s.wsFail(w, r, u, http.StatusInternalServerError, "ws.err.internal")
	}
}

// errInvalidInput wraps a form problem the user can fix.
var errInvalidInput = errors.New("invalid input")

type inputError struct {
	format string
	args   []any
}

func (e inputError) Error() string            { return fmt.Sprintf(e.format, e.args...) }
func (e inputError) Is(target error) bool     { return target == errInvalidInput }
func (e inputError) Message() (string, []any) { return e.format, e.args }

// badInput is a form problem the user can fix; format is English and is
// translated through problemsFR.
func badInput(format string, args ...any) error { return inputError{format, args} }

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
	if langOf(r) == "en" {
		u += sep + "lang=en"
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
}

// Login and enrolment.

type loginView struct {
	Email string
	Next  string
}

// safeNext keeps a post-login redirect inside the workspace.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/w/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/w/"
	}
	return next
}

func (s *server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	p := s.newWPage(r, account.User{}, "ws.login.title")
	p.Data = loginView{Next: safeNext(r.URL.Query().Get("next"))}
	s.renderW(w, http.StatusOK, "w_login", p)
}

func (s *server) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.wsFail(w, r, account.User{}, http.StatusBadRequest, "ws.err.form")
		return
	}
	p := s.newWPage(r, account.User{}, "ws.login.title")
	email := strings.TrimSpace(r.PostForm.Get("email"))
	view := loginView{Email: email, Next: safeNext(r.PostForm.Get("next"))}
	p.Data = view
	if !s.allow(w, "login", s.clientIP(r), s.Limits.Login) {
		p.Error = p.T("ws.login.slow")
		s.renderW(w, http.StatusTooManyRequests, "w_login", p)
		return
	}
	u, err := s.Accounts.Login(r.Context(), email, r.PostForm.Get("password"), strings.TrimSpace(r.PostForm.Get("code")))
	if err != nil {
		actor := email
		if len(actor) > 254 {
			actor = actor[:254]
		}
		switch {
		case errors.Is(err, account.ErrLocked):
			s.audit(r, actor, "login.locked", "user", "", "")
			p.Error = p.T("ws.login.locked")
			s.renderW(w, http.StatusForbidden, "w_login", p)
		case errors.Is(err, account.ErrBadCredentials):
			s.audit(r, actor, "login.failed", "user", "", "")
			p.Error = p.T("ws.login.bad")
			s.renderW(w, http.StatusUnauthorized, "w_login", p)
		default:
			s.wsErr(w, r, account.User{}, err)
		}
		return
	}
	token, err := s.Accounts.StartSession(r.Context(), u.ID)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	s.audit(r, u.Email, "login", "user", itoa(int(u.ID)), "")
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/w/", HttpOnly: true,
		Secure: !s.InsecureCookies, SameSite: http.SameSiteStrictMode, MaxAge: int(s.Accounts.Policy().AbsoluteLimit / time.Second)})
	http.Redirect(w, r, view.Next, http.StatusSeeOther)
}

func (s *server) handleLogout(w http.ResponseWriter, r *http.Request, u account.User) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.Accounts.EndSession(r.Context(), c.Value)
	}
	s.audit(r, u.Email, "logout", "user", itoa(int(u.ID)), "")
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/w/", HttpOnly: true, Secure: !s.InsecureCookies,
		SameSite: http.SameSiteStrictMode, MaxAge: -1})
	seeOther(w, r, "/w/login", "")
}

type enrolView struct {
	Email  string
	Secret string
	URI    string
	Token  string
}

func (s *server) handleEnrolForm(w http.ResponseWriter, r *http.Request) {
	s.enrolPage(w, r, "", http.StatusOK)
}

func (s *server) enrolPage(w http.ResponseWriter, r *http.Request, problem string, status int) {
	token := r.PathValue("token")
	u, err := s.Accounts.EnrolmentUser(r.Context(), token)
	if err != nil {
		s.wsFail(w, r, account.User{}, http.StatusNotFound, "ws.enrol.expired")
		return
	}
	secret, uri, err := s.Accounts.NewTOTPSecret(u.Email)
	if err != nil {
		s.wsErr(w, r, account.User{}, err)
		return
	}
	p := s.newWPage(r, account.User{}, "ws.enrol.title")
	p.Error = problem
	p.Data = enrolView{Email: u.Email, Secret: secret, URI: uri, Token: token}
	s.renderW(w, status, "w_enrol", p)
}

func (s *server) handleEnrol(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.wsFail(w, r, account.User{}, http.StatusBadRequest, "ws.err.form")
		return
	}
	if !s.allow(w, "login", s.clientIP(r), s.Limits.Login) {
		s.wsFail(w, r, account.User{}, http.StatusTooManyRequests, "ws.login.slow")
		return
	}
	pw := r.PostForm.Get("password")
	if pw != r.PostForm.Get("password2") {
		s.enrolPage(w, r, translator{langOf(r)}.T("ws.enrol.mismatch"), http.StatusUnprocessableEntity)
		return
	}
	u, err := s.Accounts.CompleteEnrolment(r.Context(), r.PathValue("token"), pw, r.PostForm.Get("secret"), strings.TrimSpace(r.PostForm.Get("code")))
	if errors.Is(err, account.ErrNotFound) {
		s.wsFail(w, r, account.User{}, http.StatusNotFound, "ws.enrol.expired")
		return
	}
	if err != nil {
		s.enrolPage(w, r, err.Error(), http.StatusUnprocessableEntity)
		return
	}
	s.audit(r, u.Email, "user.enrolled", "user", itoa(int(u.ID)), "")
	seeOther(w, r, "/w/login", "enrolled")
}

// handleWorkspaceHome sends each role to its main page.
func (s *server) handleWorkspaceHome(w http.ResponseWriter, r *http.Request, u account.User) {
	target := "/w/queue"
	switch u.Role {
	case account.RoleAdmin:
		target = "/w/users"
	case account.RoleAuditor:
		target = "/w/audit"
	case account.RoleDestination:
		target = "/w/inbox"
	}
	seeOther(w, r, target, r.URL.Query().Get("done"))
}
