package workspace

import (
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/account/passkeytest"
)

// between returns what lies in s between from and the next to.
func between(t *testing.T, s, from, to string) string {
	t.Helper()
	i := strings.Index(s, from)
	if i < 0 {
		t.Fatalf("%q not found in the page", from)
	}
	rest := s[i+len(from):]
	return rest[:strings.Index(rest, to)]
}

// passkey registers a passkey of u through the account service.
func (e *wsEnv) passkey(u account.User, a *passkeytest.Authenticator, name string) account.Passkey {
	e.T.Helper()
	handle, opts, err := e.s.Accounts.BeginPasskeyRegistration(bg, u)
	if err != nil {
		e.T.Fatal(err)
	}
	resp, err := a.Create(opts)
	if err != nil {
		e.T.Fatal(err)
	}
	p, err := e.s.Accounts.FinishPasskeyRegistration(bg, u, handle, name, string(resp))
	if err != nil {
		e.T.Fatal(err)
	}
	return p
}

func cookieOf(w *http.Response, name string) *http.Cookie {
	for _, c := range w.Cookies() {
		if c.Name == name && c.MaxAge >= 0 {
			return c
		}
	}
	return nil
}

// register goes through the passkeys page as a browser would: the page's
// options, the authenticator's answer, the form.
func (e *wsEnv) registerByPage(c *http.Cookie, a *passkeytest.Authenticator, name string) *http.Response {
	e.T.Helper()
	page := e.Do("GET", "/w/passkeys", c, nil)
	if page.Code != http.StatusOK {
		e.T.Fatalf("passkeys page: %d", page.Code)
	}
	body := page.Body.String()
	opts := html.UnescapeString(between(e.T, body, `data-options="`, `"`))
	handle := between(e.T, body, `name="handle" value="`, `"`)
	resp, err := a.Create([]byte(opts))
	if err != nil {
		e.T.Fatal(err)
	}
	return e.Do("POST", "/w/passkeys", c, url.Values{"handle": {handle}, "name": {name}, "response": {string(resp)}}).Result()
}

// TestPasskeySignInByPages: a user registers a passkey on their page,
// then signs in with password and passkey; the passkey step serves once,
// and its cookie is the only way to it.
func TestPasskeySignInByPages(t *testing.T) {
	e := newWSEnv(t)
	u, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	a := &passkeytest.Authenticator{Origin: account.DefaultOrigin, UserVerified: true}
	if w := e.registerByPage(e.session(u), a, "Office key"); w.StatusCode != http.StatusSeeOther || w.Header.Get("Location") != "/w/passkeys?done=passkey_added" {
		t.Fatalf("register: %d %s", w.StatusCode, w.Header.Get("Location"))
	}
	page := e.Do("GET", "/w/passkeys", e.session(u), nil).Body.String()
	if !strings.Contains(page, "Office key") || !strings.Contains(page, `src="/static/passkey.js"`) || !strings.Contains(page, "<noscript>") {
		t.Fatal("passkeys page lacks the new key, the script or the no-script message")
	}
	if len(e.Audited("passkey.add", itoa(u.ID))) != 1 {
		t.Error("registration not audited")
	}

	// The password alone opens the passkey step, not a session.
	rec := e.Do("POST", "/w/login", nil, url.Values{"email": {"ana@vigie.test"}, "password": {"correct horse battery"}, "next": {"/w/cases"}})
	w := rec.Result()
	step := cookieOf(w, loginStepCookie)
	if w.StatusCode != http.StatusOK || step == nil || cookieOf(w, SessionCookie) != nil || !step.HttpOnly || step.Path != "/w/login" {
		t.Fatalf("password step: %d %v", w.StatusCode, w.Cookies())
	}
	opts := html.UnescapeString(between(t, rec.Body.String(), `data-options="`, `"`))
	resp, err := a.Get([]byte(opts), "")
	if err != nil {
		t.Fatal(err)
	}
	// Without the step's cookie, the answer is worth nothing.
	if w := e.Do("POST", "/w/login/passkey", nil, url.Values{"response": {string(resp)}}); w.Code != http.StatusUnauthorized {
		t.Fatalf("answer without the step cookie: %d", w.Code)
	}
	done := e.Do("POST", "/w/login/passkey", step, url.Values{"response": {string(resp)}, "next": {"/w/cases"}}).Result()
	if done.StatusCode != http.StatusSeeOther || done.Header.Get("Location") != "/w/cases" || cookieOf(done, SessionCookie) == nil {
		t.Fatalf("passkey step: %d %s", done.StatusCode, done.Header.Get("Location"))
	}
	if cases := e.Do("GET", "/w/cases", cookieOf(done, SessionCookie), nil); cases.Code != http.StatusOK {
		t.Fatalf("signed in with a passkey, the cases page answers %d", cases.Code)
	}
	if w := e.Do("POST", "/w/login/passkey", step, url.Values{"response": {string(resp)}}); w.Code != http.StatusUnauthorized {
		t.Fatalf("step replayed: %d", w.Code)
	}
	if len(e.Audited("login", itoa(u.ID))) != 1 {
		t.Error("passkey sign-in not audited once")
	}
}

// TestRequiredPasskey: with passkeys required of a role, an account of it
// that signed in with TOTP reaches only the passkeys page until it has
// one; once it has one, TOTP alone no longer signs it in.
func TestRequiredPasskey(t *testing.T) {
	e := newWSEnv(t)
	p := account.DefaultPolicy()
	p.Passkeys.Require = []account.Role{account.RoleSupervisor}
	e.s.Accounts = account.NewService(e.DB, p, e.Clock.Now)
	sup, secret := e.User("sup@vigie.test", account.RoleSupervisor, "")
	ana, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")

	login := func() *http.Response {
		e.Clock.Add(30 * time.Second)
		code, _ := totp.GenerateCode(secret, e.Clock.Now())
		return e.Do("POST", "/w/login", nil, url.Values{"email": {"sup@vigie.test"}, "password": {"correct horse battery"}, "code": {code}}).Result()
	}
	w := login()
	c := cookieOf(w, SessionCookie)
	if w.StatusCode != http.StatusSeeOther || c == nil {
		t.Fatalf("TOTP sign-in without a passkey yet: %d", w.StatusCode)
	}
	for _, tc := range []struct {
		method, path string
		want         int
		location     string
	}{
		{"GET", "/w/queue", http.StatusSeeOther, "/w/passkeys"},
		{"GET", "/w/stats", http.StatusSeeOther, "/w/passkeys"},
		{"POST", "/w/queue/next", http.StatusForbidden, ""},
		{"POST", "/w/totp/remove", http.StatusForbidden, ""},
		{"GET", "/w/passkeys", http.StatusOK, ""},
	} {
		var form url.Values
		if tc.method == "POST" {
			form = url.Values{}
		}
		w := e.Do(tc.method, tc.path, c, form)
		if w.Code != tc.want || w.Header().Get("Location") != tc.location {
			t.Errorf("%s %s before a passkey: %d %q, want %d %q", tc.method, tc.path, w.Code, w.Header().Get("Location"), tc.want, tc.location)
		}
	}
	if !strings.Contains(e.Do("GET", "/w/passkeys", c, nil).Body.String(), `id="passkey-required"`) {
		t.Error("the passkeys page does not say a passkey is required")
	}
	// The analyst's role requires nothing.
	if w := e.Do("GET", "/w/queue", e.session(ana), nil); w.Code != http.StatusOK {
		t.Errorf("analyst's queue: %d", w.Code)
	}

	a := &passkeytest.Authenticator{Origin: account.DefaultOrigin}
	if w := e.registerByPage(c, a, "key"); w.StatusCode != http.StatusSeeOther {
		t.Fatalf("register: %d", w.StatusCode)
	}
	if w := e.Do("GET", "/w/queue", c, nil); w.Code != http.StatusOK {
		t.Fatalf("queue once registered: %d", w.Code)
	}
	// Now TOTP alone is refused, with the same answer as a wrong code.
	if w := login(); w.StatusCode != http.StatusUnauthorized || cookieOf(w, SessionCookie) != nil {
		t.Fatalf("TOTP sign-in of a required passkey account: %d", w.StatusCode)
	}
	// Nor may the account drop its last passkey, though it has TOTP.
	keys, _ := e.s.Accounts.Passkeys(bg, sup)
	if w := e.Do("POST", "/w/passkeys/"+itoa(keys[0].ID)+"/remove", c, url.Values{}); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("removing the required last passkey: %d", w.Code)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestPasskeyPagesWithoutScript: a form sent without the script (no
// answer) says that JavaScript is needed, and the pages say it too.
func TestPasskeyPagesWithoutScript(t *testing.T) {
	e := newWSEnv(t)
	u, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	w := e.Do("POST", "/w/passkeys", e.session(u), url.Values{"name": {"key"}, "handle": {"x"}})
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "JavaScript") {
		t.Fatalf("registration without the script: %d", w.Code)
	}
	e.passkey(u, &passkeytest.Authenticator{Origin: account.DefaultOrigin}, "key")
	step := e.Do("POST", "/w/login", nil, url.Values{"email": {"ana@vigie.test"}, "password": {"correct horse battery"}, "lang": {"en"}}).Body.String()
	noscript := between(t, step, "<noscript>", "</noscript>")
	if !strings.Contains(noscript, "JavaScript is off") || !strings.Contains(noscript, "authenticator app") {
		t.Fatalf("passkey step without script says %q", noscript)
	}
	if !strings.Contains(step, `name="code"`) {
		t.Fatal("the passkey step offers no TOTP fallback to an account that may use it")
	}
}

// TestTOTPBackByPage: a passkey-only account takes TOTP up again on its
// page; the seed is the one the page showed, kept by the server, and a
// seed posted by the client is ignored.
func TestTOTPBackByPage(t *testing.T) {
	e := newWSEnv(t)
	u, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	e.passkey(u, &passkeytest.Authenticator{Origin: account.DefaultOrigin}, "key")
	c := e.session(u)
	if w := e.Do("POST", "/w/totp/remove", c, url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatalf("remove TOTP: %d", w.Code)
	}
	page := e.Do("GET", "/w/passkeys", c, nil).Body.String()
	if strings.Contains(page, `name="secret"`) {
		t.Fatal("the TOTP form carries the seed")
	}
	handle := between(t, page, `name="totp_handle" value="`, `"`)
	chosen := "AAAAAAAA"
	chosenCode, _ := totp.GenerateCode(chosen, e.Clock.Now())
	if w := e.Do("POST", "/w/totp", c, url.Values{"totp_handle": {handle}, "secret": {chosen}, "code": {chosenCode}}); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("chosen seed: %d", w.Code)
	}
	page = e.Do("GET", "/w/passkeys", c, nil).Body.String()
	secret := between(t, page, `<code id="totp-secret">`, `<`)
	handle = between(t, page, `name="totp_handle" value="`, `"`)
	code, _ := totp.GenerateCode(secret, e.Clock.Now())
	if w := e.Do("POST", "/w/totp", c, url.Values{"totp_handle": {handle}, "code": {code}}); w.Code != http.StatusSeeOther {
		t.Fatalf("add TOTP: %d %s", w.Code, w.Body.String())
	}
	if got, _ := e.DB.UserByID(bg, u.ID); got.TOTPSecret != secret {
		t.Fatalf("TOTP seed after adding: %q, want the one shown", got.TOTPSecret)
	}
}
