package workspace

import (
	"errors"
	"net/http"
	"strings"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/problem"
	"github.com/vigie-platform/vigie/web"
)

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
	if !s.Allow(w, "login", s.ClientIP(r), s.Limits.Login) {
		p.Error = p.T("ws.login.slow")
		s.renderW(w, http.StatusTooManyRequests, "w_login", p)
		return
	}
	u, err := s.Accounts.Login(r.Context(), email, r.PostForm.Get("password"), strings.TrimSpace(r.PostForm.Get("code")))
	if errors.Is(err, account.ErrPasskeyNeeded) {
		s.passkeyStep(w, r, u, view.Next)
		return
	}
	if err != nil {
		// The account service has recorded the attempt in the trail.
		switch {
		case errors.Is(err, account.ErrThrottled):
			p.Error = p.T("ws.login.throttled")
			s.renderW(w, http.StatusTooManyRequests, "w_login", p)
		case errors.Is(err, account.ErrBadCredentials):
			p.Error = p.T("ws.login.bad")
			s.renderW(w, http.StatusUnauthorized, "w_login", p)
		default:
			s.wsErr(w, r, account.User{}, err)
		}
		return
	}
	s.signIn(w, r, u, view.Next)
}

// signIn opens the session of u, whose sign-in succeeded, and goes on to
// next: it ends the session the browser held, if any.
func (s *server) signIn(w http.ResponseWriter, r *http.Request, u account.User, next string) {
	token, err := s.Accounts.StartSession(account.WithUserAgent(r.Context(), r.UserAgent()), u.ID, s.sessionToken(r))
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	s.setSession(w, token)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *server) handleLogout(w http.ResponseWriter, r *http.Request, u account.User) {
	if token := s.sessionToken(r); token != "" {
		if err := s.Accounts.EndSession(r.Context(), token, u); err != nil {
			s.wsErr(w, r, u, err)
			return
		}
	}
	s.clearSession(w)
	seeOther(w, r, "/w/login", "")
}

type enrolView struct {
	Email  string
	Secret string // shown to be typed into an app; never posted back
	URI    string
	Token  string
}

func (s *server) handleEnrolForm(w http.ResponseWriter, r *http.Request) {
	s.enrolPage(w, r, "", http.StatusOK)
}

func (s *server) enrolPage(w http.ResponseWriter, r *http.Request, problem string, status int) {
	token := r.PathValue("token")
	if _, err := s.Accounts.EnrolmentUser(r.Context(), token); err != nil {
		s.wsFail(w, r, account.User{}, http.StatusNotFound, "ws.enrol.expired")
		return
	}
	u, secret, uri, err := s.Accounts.EnrolmentTOTP(r.Context(), token)
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
	if !s.Allow(w, "login", s.ClientIP(r), s.Limits.Login) {
		s.wsFail(w, r, account.User{}, http.StatusTooManyRequests, "ws.login.slow")
		return
	}
	pw := r.PostForm.Get("password")
	if pw != r.PostForm.Get("password2") {
		s.enrolPage(w, r, web.TranslatorFor(web.LangOf(r)).T("ws.enrol.mismatch"), http.StatusUnprocessableEntity)
		return
	}
	_, err := s.Accounts.CompleteEnrolment(r.Context(), r.PathValue("token"), pw, strings.TrimSpace(r.PostForm.Get("code")))
	if errors.Is(err, account.ErrNotFound) {
		s.wsFail(w, r, account.User{}, http.StatusNotFound, "ws.enrol.expired")
		return
	}
	if err != nil {
		msg := err.Error()
		if pr, ok := problem.As(err); ok {
			msg = pr.In(web.LangOf(r))
		}
		s.enrolPage(w, r, msg, http.StatusUnprocessableEntity)
		return
	}
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
	case account.RoleOversight:
		target = "/w/oversight"
	}
	seeOther(w, r, target, r.URL.Query().Get("done"))
}
