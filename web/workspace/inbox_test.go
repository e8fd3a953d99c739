package workspace

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/taxonomy"
)

// A destination's inbox says what is expected of it and by when, overdue
// first among what waits, and acknowledges in one action (issue 12).
func TestInboxSaysWhatIsExpected(t *testing.T) {
	e := newWSEnv(t)
	dest, _ := e.User("dest@vigie.test", account.RoleDestination, "ofac-fraud")
	cat, _ := taxonomy.Default().Lookup("fraud.scam")
	refer := func(title string, within time.Duration) casefile.Case {
		t.Helper()
		c, err := e.Cases.Create(bg, title, []string{e.Submit(report.Submission{Description: title})}, "setup")
		if err != nil {
			t.Fatal(err)
		}
		e.Cases.Qualify(bg, c.ID, "fraud.scam", cat.Legal[:1], "s", "normal", "setup")
		if _, err := e.Cases.Refer(bg, c.ID, []casefile.ReferralChoice{{Destination: "ofac-fraud", Delivered: true, AckWithin: within}}, []string{"ofac-fraud"}, "", "setup"); err != nil {
			t.Fatal(err)
		}
		got, _ := e.DB.CaseByID(bg, c.ID)
		return got
	}
	later := refer("Plus tard", 72*time.Hour)
	late := refer("En retard", -time.Hour)
	done := refer("Déjà suivie", time.Hour)
	if err := e.Cases.Acknowledge(bg, done.ID, "ofac-fraud", "dest@vigie.test"); err != nil {
		t.Fatal(err)
	}
	if err := e.Cases.ReportOutcome(bg, done.ID, "ofac-fraud", "enquête ouverte", "dest@vigie.test"); err != nil {
		t.Fatal(err)
	}

	d := e.session(dest)
	body := e.Do("GET", "/w/inbox", d, nil).Body.String()
	text := visibleText(body)
	iLate, iLater, iDone := strings.Index(text, late.Number), strings.Index(text, later.Number), strings.Index(text, done.Number)
	if iLate < 0 || iLater < 0 || iDone < 0 || !(iLate < iLater && iLater < iDone) {
		t.Errorf("inbox order: overdue %d, later %d, done %d; want overdue first, nothing expected last", iLate, iLater, iDone)
	}
	for _, want := range []string{"Accuser réception", "En retard", "Aucune"} {
		if !strings.Contains(text, want) {
			t.Errorf("inbox lacks %q", want)
		}
	}
	// One action: the row's button.
	if !strings.Contains(body, `action="/w/inbox/`+later.ID+`/acknowledge"`) {
		t.Fatal("no acknowledge button in the inbox row")
	}
	if w := e.Do("POST", "/w/inbox/"+later.ID+"/acknowledge", d, url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatalf("acknowledge from the inbox: %d", w.Code)
	}
	if got, _ := e.Cases.CaseFor(bg, later.ID, casefile.Reader{Destination: "ofac-fraud"}); got.Mine == nil || got.Mine.Status != casefile.ReferralAcknowledged {
		t.Errorf("after one action the referral is %+v", got.Mine)
	}
	// The case page puts the destination's own referral and its acts first.
	page := e.Do("GET", "/w/inbox/"+late.ID, d, nil).Body.String()
	if a, f := strings.Index(page, `id="acknowledge"`), strings.Index(page, `class="facts"`); a < 0 || a > f {
		t.Errorf("acknowledge comes after the case's facts (%d, %d)", a, f)
	}
	if strings.Contains(visibleText(page), "Transmise à") {
		t.Error("the destination's own case says whom it was referred to")
	}
}
