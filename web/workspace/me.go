package workspace

import (
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/problem"
)

// A user's own account: their sessions, which they can end, and their
// password, which they can change.

type sessionRow struct {
	ID        string // hex of the token's hash: names the session in forms, opens nothing
	Browser   string
	Source    string
	CreatedAt time.Time
	LastSeen  time.Time
	Current   bool
}

type meView struct {
	Sessions []sessionRow
	// Problems of the password form, by field (current, password, confirm).
	Problems map[string]string
}

// Err is the problem of one field of the password form, if any.
func (v meView) Err(field string) string { return v.Problems[field] }

func (s *server) handleMe(w http.ResponseWriter, r *http.Request, u account.User) {
	s.mePage(w, r, u, nil, http.StatusOK)
}

func (s *server) mePage(w http.ResponseWriter, r *http.Request, u account.User, problems map[string]string, status int) {
	sessions, err := s.Accounts.Sessions(r.Context(), u)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	current := account.HashToken(s.sessionToken(r))
	rows := make([]sessionRow, 0, len(sessions))
	for _, sess := range sessions {
		rows = append(rows, sessionRow{ID: hex.EncodeToString(sess.TokenHash), Browser: describeBrowser(sess.UserAgent), Source: sess.Source,
			CreatedAt: sess.CreatedAt, LastSeen: sess.LastSeen, Current: string(sess.TokenHash) == string(current)})
	}
	p := s.newWPage(r, u, "ws.me.title")
	p.Data = meView{Sessions: rows, Problems: problems}
	if len(problems) > 0 {
		p.Error = p.T("ws.me.password.failed")
	}
	s.renderW(w, status, "w_me", p)
}

func (s *server) handlePasswordChange(w http.ResponseWriter, r *http.Request, u account.User) {
	if !s.parseWSForm(w, r, u) {
		return
	}
	err := s.Accounts.ChangePassword(r.Context(), u, r.PostForm.Get("current"), r.PostForm.Get("password"), r.PostForm.Get("confirm"), s.sessionToken(r))
	if err == nil {
		seeOther(w, r, "/w/me", "password")
		return
	}
	lang := s.newWPage(r, u, "ws.me.title").Lang
	if errors.Is(err, account.ErrThrottled) {
		s.mePage(w, r, u, map[string]string{"current": s.newWPage(r, u, "").T("ws.login.throttled")}, http.StatusTooManyRequests)
		return
	}
	pr, ok := problem.As(err)
	if !ok {
		s.wsErr(w, r, u, err)
		return
	}
	// Each problem is said next to the field that can fix it.
	field := "password"
	switch pr.Code {
	case "account.password_wrong":
		field = "current"
	case "account.password_mismatch":
		field = "confirm"
	}
	s.mePage(w, r, u, map[string]string{field: pr.In(lang)}, http.StatusUnprocessableEntity)
}

func (s *server) handleSessionEnd(w http.ResponseWriter, r *http.Request, u account.User) {
	if !s.parseWSForm(w, r, u) {
		return
	}
	hash, err := hex.DecodeString(r.PathValue("sid"))
	if err != nil || len(hash) == 0 {
		s.wsFail(w, r, u, http.StatusNotFound, "ws.err.notfound")
		return
	}
	if err := s.Accounts.EndUserSession(r.Context(), u, hash); err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	if string(hash) == string(account.HashToken(s.sessionToken(r))) {
		s.clearSession(w)
		seeOther(w, r, "/w/login", "")
		return
	}
	seeOther(w, r, "/w/me", "session_ended")
}

func (s *server) handleOtherSessionsEnd(w http.ResponseWriter, r *http.Request, u account.User) {
	if !s.parseWSForm(w, r, u) {
		return
	}
	if err := s.Accounts.EndOtherSessions(r.Context(), u, s.sessionToken(r)); err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	seeOther(w, r, "/w/me", "sessions_ended")
}

// describeBrowser names a browser and its system from what it says of
// itself, so that a person recognises their own devices; an unknown
// description is shown as it came, cut short.
func describeBrowser(ua string) string {
	if ua == "" {
		return "?"
	}
	browser := ""
	for _, b := range []struct{ marker, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chromium/", "Chromium"},
		{"Chrome/", "Chrome"}, {"Safari/", "Safari"}, {"curl/", "curl"},
	} {
		if strings.Contains(ua, b.marker) {
			browser = b.name
			break
		}
	}
	system := ""
	for _, o := range []struct{ marker, name string }{
		{"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.marker) {
			system = o.name
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + " · " + system
	case browser != "":
		return browser
	case system != "":
		return system
	}
	if len([]rune(ua)) > 60 {
		return string([]rune(ua)[:60]) + "…"
	}
	return ua
}
