package workspace

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/problem"
)

// Passkeys: the second step of a sign-in, and the page where a user
// registers, lists and removes their passkeys (and may drop TOTP).

// loginStepCookie carries the handle of a sign-in's passkey step, from the
// password to the passkey: only to /w/login, never readable by scripts.
const loginStepCookie = "vigie_login_step"

type passkeyStepView struct {
	Options     string // navigator.credentials.get options, JSON
	Next        string
	TOTPAllowed bool
}

// passkeyStep begins the passkey step of u's sign-in, whose password was
// right, and shows its page.
func (s *server) passkeyStep(w http.ResponseWriter, r *http.Request, u account.User, next string) {
	handle, options, err := s.Accounts.BeginPasskeyLogin(r.Context(), u)
	if err != nil {
		s.wsErr(w, r, account.User{}, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: loginStepCookie, Value: handle, Path: "/w/login", HttpOnly: true,
		Secure: !s.InsecureCookies, SameSite: http.SameSiteStrictMode, MaxAge: 300})
	w.Header().Set("Cache-Control", "no-store")
	p := s.newWPage(r, account.User{}, "ws.passkey.step.title")
	p.Data = passkeyStepView{Options: string(options), Next: next, TOTPAllowed: s.Accounts.TOTPAllowed(u, true)}
	s.renderW(w, http.StatusOK, "w_login_passkey", p)
}

func (s *server) handleLoginPasskey(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.wsFail(w, r, account.User{}, http.StatusBadRequest, "ws.err.form")
		return
	}
	if !s.Allow(w, "login", s.ClientIP(r), s.Limits.Login) {
		s.wsFail(w, r, account.User{}, http.StatusTooManyRequests, "ws.login.slow")
		return
	}
	var handle string
	if c, err := r.Cookie(loginStepCookie); err == nil {
		handle = c.Value
	}
	// The handle serves once, whatever the outcome.
	http.SetCookie(w, &http.Cookie{Name: loginStepCookie, Value: "", Path: "/w/login", HttpOnly: true,
		Secure: !s.InsecureCookies, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	next := safeNext(r.PostForm.Get("next"))
	u, err := s.Accounts.FinishSecondStep(r.Context(), handle, r.PostForm.Get("response"), strings.TrimSpace(r.PostForm.Get("code")))
	if err != nil {
		p := s.newWPage(r, account.User{}, "ws.login.title")
		p.Data = loginView{Next: next}
		switch {
		case errors.Is(err, account.ErrCeremonyExpiry):
			p.Error = p.T("ws.passkey.step.expired")
			s.renderW(w, http.StatusUnauthorized, "w_login", p)
		case errors.Is(err, account.ErrBadCredentials):
			p.Error = p.T("ws.passkey.step.bad")
			s.renderW(w, http.StatusUnauthorized, "w_login", p)
		default:
			s.wsErr(w, r, account.User{}, err)
		}
		return
	}
	s.signIn(w, r, u, next)
}

type passkeysView struct {
	Passkeys []account.Passkey
	HasTOTP  bool
	Required bool   // the role requires a passkey
	Missing  bool   // ... and the account has none yet
	Options  string // navigator.credentials.create options, JSON
	Handle   string
	Name     string
	// A TOTP seed offered to an account without one, kept on the server
	// under TOTPHandle.
	TOTPHandle, TOTPSecret, TOTPURI string
}

func (s *server) handlePasskeys(w http.ResponseWriter, r *http.Request, u account.User) {
	s.passkeysPage(w, r, u, "", "", http.StatusOK)
}

// passkeysPage shows u's passkeys and a fresh registration ceremony.
func (s *server) passkeysPage(w http.ResponseWriter, r *http.Request, u account.User, name, problemText string, status int) {
	keys, err := s.Accounts.Passkeys(r.Context(), u)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	handle, options, err := s.Accounts.BeginPasskeyRegistration(r.Context(), u)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	p := s.newWPage(r, u, "ws.passkeys.title")
	p.Error = problemText
	required := s.Accounts.PasskeyRequired(u.Role)
	view := passkeysView{Passkeys: keys, HasTOTP: u.TOTPSecret != "", Required: required, Missing: required && len(keys) == 0,
		Options: string(options), Handle: handle, Name: name}
	if !view.HasTOTP {
		if view.TOTPHandle, view.TOTPSecret, view.TOTPURI, err = s.Accounts.OfferTOTP(r.Context(), u); err != nil {
			s.wsErr(w, r, u, err)
			return
		}
	}
	p.Data = view
	s.renderW(w, status, "w_passkeys", p)
}

func (s *server) handlePasskeyAdd(w http.ResponseWriter, r *http.Request, u account.User) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		s.wsFail(w, r, u, http.StatusBadRequest, "ws.err.form")
		return
	}
	name := r.PostForm.Get("name")
	response := r.PostForm.Get("response")
	if response == "" {
		// The form went without the script: nothing was asked of an
		// authenticator.
		s.passkeysPage(w, r, u, name, s.newWPage(r, u, "").T("ws.passkeys.nojs"), http.StatusUnprocessableEntity)
		return
	}
	_, err := s.Accounts.FinishPasskeyRegistration(r.Context(), u, r.PostForm.Get("handle"), name, response)
	if pr, ok := problem.As(err); ok {
		s.passkeysPage(w, r, u, name, pr.In(s.newWPage(r, u, "").Lang), http.StatusUnprocessableEntity)
		return
	}
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	seeOther(w, r, "/w/passkeys", "passkey_added")
}

func (s *server) handlePasskeyRemove(w http.ResponseWriter, r *http.Request, u account.User) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.wsFail(w, r, u, http.StatusNotFound, "ws.err.notfound")
		return
	}
	if err := s.Accounts.RemovePasskey(r.Context(), u, id); err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	seeOther(w, r, "/w/passkeys", "passkey_removed")
}

func (s *server) handleTOTPRemove(w http.ResponseWriter, r *http.Request, u account.User) {
	if err := s.Accounts.RemoveTOTP(r.Context(), u); err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	seeOther(w, r, "/w/passkeys", "totp_removed")
}

func (s *server) handleTOTPAdd(w http.ResponseWriter, r *http.Request, u account.User) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		s.wsFail(w, r, u, http.StatusBadRequest, "ws.err.form")
		return
	}
	err := s.Accounts.AddTOTP(r.Context(), u, r.PostForm.Get("totp_handle"), strings.TrimSpace(r.PostForm.Get("code")))
	if pr, ok := problem.As(err); ok {
		s.passkeysPage(w, r, u, "", pr.In(s.newWPage(r, u, "").Lang), http.StatusUnprocessableEntity)
		return
	}
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	seeOther(w, r, "/w/passkeys", "totp_added")
}

// passkeySetup names the routes an account that must register a passkey
// may still use; guard sends it to the passkeys page from any other.
var passkeySetup = map[string]bool{
	"GET /w/passkeys":  true,
	"POST /w/passkeys": true,
	"POST /w/logout":   true,
}
