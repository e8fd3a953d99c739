package workspace

import (
	"context"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/vigie-platform/vigie/account"
)

func TestOwnAccountPage(t *testing.T) {
	e := newWSEnv(t)
	ana, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	bob, _ := e.User("bob@vigie.test", account.RoleAnalyst, "")
	here, elsewhere, bobs := e.session(ana), e.session(ana), e.session(bob)

	page := e.Do("GET", "/w/me", here, nil)
	body := page.Body.String()
	if page.Code != http.StatusOK || strings.Count(body, `/end" class="inline"`) != 2 || !strings.Contains(body, "ce navigateur") {
		t.Fatalf("own sessions page: %d\n%s", page.Code, body)
	}
	if strings.Contains(body, hex.EncodeToString(account.HashToken(bobs.Value))) {
		t.Error("another user's session is listed")
	}

	// A mistake re-renders the page with the problem next to its field.
	for _, tc := range []struct {
		name  string
		form  url.Values
		field string
	}{
		{"wrong current password", url.Values{"current": {"nope"}, "password": {"lune verte sur le toit"}, "confirm": {"lune verte sur le toit"}}, "current-error"},
		{"weak new password", url.Values{"current": {"correct horse battery"}, "password": {"password1234"}, "confirm": {"password1234"}}, "password-error"},
		{"confirmation differs", url.Values{"current": {"correct horse battery"}, "password": {"lune verte sur le toit"}, "confirm": {"autre chose"}}, "confirm-error"},
	} {
		w := e.Do("POST", "/w/me/password", here, tc.form)
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `id="`+tc.field+`"`) || !strings.Contains(w.Body.String(), `aria-invalid="true"`) {
			t.Errorf("%s: %d, want 422 with %s", tc.name, w.Code, tc.field)
		}
	}
	ok := e.Do("POST", "/w/me/password", here, url.Values{"current": {"correct horse battery"}, "password": {"lune verte sur le toit"}, "confirm": {"lune verte sur le toit"}})
	if ok.Code != http.StatusSeeOther || !strings.Contains(ok.Header().Get("Location"), "done=password") {
		t.Fatalf("password change: %d %s", ok.Code, ok.Header().Get("Location"))
	}
	if w := e.Do("GET", "/w/queue", elsewhere, nil); w.Code != http.StatusSeeOther {
		t.Errorf("the other session still opens the queue after a password change: %d", w.Code)
	}
	if w := e.Do("GET", "/w/queue", here, nil); w.Code != http.StatusOK {
		t.Errorf("the session that changed the password was ended: %d", w.Code)
	}
	if len(e.Audited("user.password_changed", "")) != 1 {
		t.Error("password change not audited")
	}

	// Ending sessions: one's own by name, never another user's.
	third := e.session(ana)
	if w := e.Do("POST", "/w/me/sessions/"+hex.EncodeToString(account.HashToken(bobs.Value))+"/end", here, url.Values{}); w.Code != http.StatusNotFound {
		t.Errorf("ending another user's session: %d, want 404", w.Code)
	}
	if w := e.Do("GET", "/w/queue", bobs, nil); w.Code != http.StatusOK {
		t.Errorf("another user's session was ended: %d", w.Code)
	}
	if w := e.Do("POST", "/w/me/sessions/"+hex.EncodeToString(account.HashToken(third.Value))+"/end", here, url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatalf("ending a session: %d", w.Code)
	}
	if w := e.Do("GET", "/w/queue", third, nil); w.Code != http.StatusSeeOther {
		t.Errorf("an ended session still opens the queue: %d", w.Code)
	}
	fourth := e.session(ana)
	if w := e.Do("POST", "/w/me/sessions/end-others", here, url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatalf("ending the other sessions: %d", w.Code)
	}
	if w := e.Do("GET", "/w/queue", fourth, nil); w.Code != http.StatusSeeOther {
		t.Errorf("\"end all other sessions\" left one open: %d", w.Code)
	}
	if w := e.Do("GET", "/w/queue", here, nil); w.Code != http.StatusOK {
		t.Errorf("\"end all other sessions\" ended this one: %d", w.Code)
	}
}

type fakeMailer struct {
	mu   sync.Mutex
	sent []struct{ to, subject, body string }
}

func (m *fakeMailer) SendText(_ context.Context, to, subject, body string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, struct{ to, subject, body string }{to, subject, body})
	return nil
}

// An administrator never sees an activation link: it goes to the person by
// e-mail, or the operator makes it on the server (issue 13, finding 15).
func TestAdminNeverSeesActivationLinks(t *testing.T) {
	e := newWSEnv(t)
	admin, _ := e.User("admin@vigie.test", account.RoleAdmin, "")
	c := e.session(admin)
	enrolLink := regexp.MustCompile(`/w/enrol/[A-Za-z0-9_-]{20,}`)

	w := e.Do("POST", "/w/users", c, url.Values{"email": {"sup@vigie.test"}, "role": {"supervisor"}})
	if w.Code != http.StatusCreated || enrolLink.MatchString(w.Body.String()) || !strings.Contains(w.Body.String(), "vigie user link --email sup@vigie.test") {
		t.Fatalf("without a mailer: %d, page shows a link or no way to make one:\n%s", w.Code, w.Body.String())
	}

	mail := &fakeMailer{}
	e.s.Mailer, e.s.PublicURL = mail, "https://vigie.example.org"
	w = e.Do("POST", "/w/users", c, url.Values{"email": {"ana@vigie.test"}, "role": {"analyst"}})
	if w.Code != http.StatusCreated || enrolLink.MatchString(w.Body.String()) {
		t.Fatalf("with a mailer: %d, page shows a link", w.Code)
	}
	if len(mail.sent) != 1 || mail.sent[0].to != "ana@vigie.test" {
		t.Fatalf("mails: %+v", mail.sent)
	}
	link := regexp.MustCompile(`https://vigie\.example\.org(/w/enrol/[A-Za-z0-9_-]{43})`).FindStringSubmatch(mail.sent[0].body)
	if link == nil {
		t.Fatalf("the mail carries no link on the public address: %q", mail.sent[0].body)
	}
	if w := e.Do("GET", link[1], nil, nil); w.Code != http.StatusOK {
		t.Errorf("the mailed link does not open the enrolment page: %d", w.Code)
	}
	// The request's Host, which the requester writes, never makes the link.
	r := e.Do("POST", "/w/users", c, url.Values{"email": {"bob@vigie.test"}, "role": {"analyst"}})
	if r.Code != http.StatusCreated || strings.Contains(mail.sent[len(mail.sent)-1].body, "example.com") {
		t.Errorf("link built on the request's host: %q", mail.sent[len(mail.sent)-1].body)
	}
}
