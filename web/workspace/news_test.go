package workspace

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/advice"
	"github.com/vigie-platform/vigie/delivery"
	"github.com/vigie-platform/vigie/delivery/smtptest"
	"github.com/vigie-platform/vigie/destination"
	"github.com/vigie-platform/vigie/news"
	"github.com/vigie-platform/vigie/routing"
	"github.com/vigie-platform/vigie/web"
	"github.com/vigie-platform/vigie/web/portal"
	"github.com/vigie-platform/vigie/web/webtest"
)

var (
	doneReceipt = regexp.MustCompile(`<code id="receipt">(VG-[0-9A-Z]{4}-[0-9A-Z]{4})</code>`)
	doneSecret  = regexp.MustCompile(`<code id="secret">([0-9A-Z-]{29})</code>`)
	stopLink    = regexp.MustCompile(`http://vigie\.test(/news/stop\?\S+)`)
)

// TestReporterNewsWhenReferred: a reporter who ticked the consent box is
// written to, through a real SMTP conversation, when an analyst takes and
// then refers their report; the message says the status and gives the
// follow-up link, never the secret nor the report's content; its
// unsubscribe link works, is audited, and nothing more is sent.
func TestReporterNewsWhenReferred(t *testing.T) {
	f := webtest.New(t)
	rules, err := routing.Default(destination.Default())
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(f.Kit, Deps{Intake: f.Intake, Reports: f.DB, Index: f.DB, Accounts: f.Accounts, Cases: f.Cases, Triage: f.Triage, Workspace: f.DB,
		Destinations: destination.Default(), Routing: rules, Figures: f.Figures, Limits: web.DefaultLimits()})
	mux := http.NewServeMux()
	s.routes(mux)
	key, err := f.DB.Key(bg, "news")
	if err != nil {
		t.Fatal(err)
	}
	tokens := news.NewTokens(key)
	portal.Mount(mux, f.Kit, portal.Deps{Intake: f.Intake, Visits: f.Visits, Advice: advice.Default(), Altcha: f.Altcha, Figures: f.Figures,
		Limits: web.DefaultLimits(), News: &news.Service{Store: f.DB, Tokens: tokens}})
	f.Handler = f.Kit.Handler(mux)
	e := &wsEnv{Fixture: f, s: s}
	sink := smtptest.Start(t)
	worker := &news.Worker{Store: f.DB, Tokens: tokens, BaseURL: "http://vigie.test", Compose: portal.NewsMessage,
		Mailer: delivery.Email{Addr: sink.Addr, From: "vigie@vigie.test"}}
	send := func() []string {
		t.Helper()
		if _, err := worker.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		return sink.Take()
	}

	description := "Faux conseiller bancaire, IBAN FR7630006000011234567890189"
	form := e.Do("GET", "/report?category=fraud.scam", nil, nil).Body.String()
	if !strings.Contains(form, `id="notify"`) || strings.Contains(form, `id="notify" name="notify" value="1" checked`) {
		t.Fatal("the form does not offer news, or ticks the box for the reporter")
	}
	done := e.Do("POST", "/report", nil, url.Values{"category": {"fraud.scam"}, "description": {description},
		"name": {"Camille Durand"}, "email": {"camille@exemple.fr"}, "notify": {"1"}, "submission_id": {"news-1"}})
	page := done.Body.String()
	rm, sm := doneReceipt.FindStringSubmatch(page), doneSecret.FindStringSubmatch(page)
	if done.Code != 200 || rm == nil || sm == nil || !strings.Contains(page, `id="news-on"`) {
		t.Fatalf("confirmation: %d\n%s", done.Code, page)
	}
	receipt, secret := rm[1], sm[1]
	if got := send(); len(got) != 0 {
		t.Fatalf("a message before any change: %q", got)
	}

	// The analyst takes the report, makes a case and refers it.
	_, totpSecret := e.User("ana@vigie.test", account.RoleAnalyst, "")
	c := sessionOf(t, e.login("ana@vigie.test", totpSecret))
	if w := e.Do("POST", "/w/queue/next", c, url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatalf("take next: %d", w.Code)
	}
	ack, err := f.DB.ReportByReceipt(bg, receipt)
	if err != nil {
		t.Fatal(err)
	}
	w := e.Do("POST", "/w/cases", c, url.Values{"report": {ack.ID}, "title": {"Faux conseiller"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("create case: %d", w.Code)
	}
	caseURL := strings.Split(w.Header().Get("Location"), "?")[0]
	for _, step := range []struct {
		path string
		form url.Values
	}{
		{"/qualify", url.Values{"category": {"fraud.scam"}, "legal": {"Code pénal art. 313-1"}, "summary": {"Escroquerie"}, "priority": {"high"}}},
		{"/refer", url.Values{"destination": {"ofac-fraud"}}},
	} {
		if w := e.Do("POST", caseURL+step.path, c, step.form); w.Code != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", step.path, w.Code, w.Body.String())
		}
	}

	msgs := send()
	if len(msgs) != 2 {
		t.Fatalf("got %d messages, want 2 (analysing, referred): %q", len(msgs), msgs)
	}
	if !strings.Contains(msgs[0], "En cours d'analyse") {
		t.Errorf("first message is not about the analysis:\n%s", msgs[0])
	}
	referred := msgs[1]
	for _, want := range []string{"To: camille@exemple.fr", receipt, "Transmis au service compétent.", "http://vigie.test/follow-up?receipt=" + receipt} {
		if !strings.Contains(referred, want) {
			t.Errorf("the referral message lacks %q:\n%s", want, referred)
		}
	}
	for _, never := range []string{secret, strings.ReplaceAll(secret, "-", ""), "FR7630006000011234567890189", "Faux conseiller", "Camille", "ofac", "OFAC"} {
		if strings.Contains(referred, never) {
			t.Errorf("the message gives away %q:\n%s", never, referred)
		}
	}

	// One link, one button.
	m := stopLink.FindStringSubmatch(referred)
	if m == nil {
		t.Fatalf("no unsubscribe link:\n%s", referred)
	}
	confirm := e.Do("GET", m[1], nil, nil)
	cpage := confirm.Body.String()
	if confirm.Code != 200 || !strings.Contains(cpage, `action="/news/stop"`) || !strings.Contains(cpage, `name="token"`) {
		t.Fatalf("unsubscribe page: %d\n%s", confirm.Code, cpage)
	}
	if sub, _ := f.DB.Subscribed(bg, receipt); !sub {
		t.Fatal("opening the link (as a mail scanner would) unsubscribed")
	}
	link, _ := url.Parse(m[1])
	stop := e.Do("POST", "/news/stop", nil, url.Values{"receipt": {link.Query().Get("receipt")}, "token": {link.Query().Get("token")}})
	if stop.Code != 200 || !strings.Contains(stop.Body.String(), `id="stopped"`) {
		t.Fatalf("unsubscribe: %d\n%s", stop.Code, stop.Body.String())
	}
	if len(e.Audited("news.stop", receipt)) != 1 {
		t.Error("unsubscribing is not audited")
	}
	// A forged token does nothing.
	if w := e.Do("POST", "/news/stop", nil, url.Values{"receipt": {receipt}, "token": {"AAAAAAAAAAAAAAAAAAAAAA"}}); w.Code != 404 {
		t.Errorf("forged token: %d", w.Code)
	}
	if w := e.Do("POST", caseURL+"/close", c, url.Values{"outcome": {"action-taken"}, "reason": {"fin"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("close: %d", w.Code)
	}
	if got := send(); len(got) != 0 {
		t.Fatalf("a message after unsubscribing: %q", got)
	}
}
