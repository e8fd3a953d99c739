package workspace

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/alert"
)

// TestAlertsBannerPageAndClose: an open alert shows as a banner on every
// staff page and on the alerts page; closing it is audited and takes it
// off both.
func TestAlertsBannerPageAndClose(t *testing.T) {
	e := newWSEnv(t)
	ana, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	c := e.session(ana)
	if page := e.Do("GET", "/w/queue", c, nil).Body.String(); strings.Contains(page, `id="alert-banner"`) {
		t.Fatal("a banner without any alert")
	}
	now := time.Now()
	if _, err := e.DB.RaiseAlert(bg, alert.Alert{Kind: alert.KindIdentifier, Subject: "iban:FR76", Label: "FR76<b>x</b>", LastHour: 14, Baseline: 0.5,
		TriggerAt: now.Add(-20 * time.Second), RaisedAt: now}, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	e.s.alerts.forget()
	for _, path := range []string{"/w/queue", "/w/cases", "/w/search"} {
		page := e.Do("GET", path, c, nil).Body.String()
		if !strings.Contains(page, `id="alert-banner"`) || !strings.Contains(visibleText(page), "1 alerte ouverte") {
			t.Errorf("%s shows no alert banner", path)
		}
	}
	page := e.Do("GET", "/w/alerts", c, nil).Body.String()
	assertNoMarkup(t, "alerts page", page)
	text := strings.Join(strings.Fields(visibleText(page)), " ")
	for _, want := range []string{"FR76<b>x</b> 14 0,5", "(20 s après le signalement qui a franchi le seuil)"} {
		if !strings.Contains(text, want) {
			t.Errorf("the alerts page does not say %q:\n%s", want, text)
		}
	}
	// A wave's alert leads to the wave's page.
	if _, err := e.DB.RaiseAlert(bg, alert.Alert{Kind: alert.KindWave, Subject: "wave:7", Label: "7", LastHour: 30, TriggerAt: now, RaisedAt: now}, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if page := e.Do("GET", "/w/alerts", c, nil).Body.String(); !strings.Contains(page, `href="/w/waves/7"`) || !strings.Contains(visibleText(page), "Vague n°7") {
		t.Error("a wave's alert does not lead to the wave")
	}
	open, _ := e.DB.OpenAlerts(bg, 10)
	open = open[len(open)-1:] // the identifier's alert, raised first
	w := e.Do("POST", "/w/alerts/"+itoa(open[0].ID)+"/close", c, url.Values{})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("close: %d %s", w.Code, w.Body.String())
	}
	if got := e.Audited("alert.close", itoa(open[0].ID)); len(got) != 1 || got[0].Actor != "ana@vigie.test" {
		t.Errorf("closing was audited as %+v", got)
	}
	if page := e.Do("GET", "/w/queue", c, nil).Body.String(); !strings.Contains(visibleText(page), "1 alerte ouverte") {
		t.Error("the banner does not count the one alert left")
	}
	if page := e.Do("GET", "/w/alerts", c, nil).Body.String(); strings.Contains(page, "FR76&lt;b&gt;x") {
		t.Error("the closed alert is still listed")
	}
	if w := e.Do("POST", "/w/alerts/"+itoa(open[0].ID)+"/close", c, url.Values{}); w.Code != http.StatusNotFound {
		t.Errorf("closing again: %d, want 404", w.Code)
	}
}
