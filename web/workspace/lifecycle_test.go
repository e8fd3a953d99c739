package workspace

import (
	"bytes"
	"encoding/csv"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/removal"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/stats"
	"github.com/vigie-platform/vigie/web"
)

// The notice form mails a notice whose host is an address (queued, not
// sent in the request), freezes never-fetch for a minors case, and the
// case page shows the lifecycle in both languages.
func TestNoticeLifecycleOnTheCasePage(t *testing.T) {
	e := newWSEnv(t)
	analyst, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	ana := e.session(analyst)
	fraud := e.Submit(report.Submission{Category: "fraud.scam", Description: "faux site", URLs: []string{"https://boutique.example.fr/p"}})
	minors := e.Submit(report.Submission{Category: "minors.abuse-material", Description: "forum", URLs: []string{"https://img.kids.example/m/1"}})
	cf, _ := e.Cases.Create(bg, "Boutique", []string{fraud}, "ana")
	cm, _ := e.Cases.Create(bg, "Forum", []string{minors}, "ana")
	for _, c := range []struct{ id, url, host string }{{cf.ID, "https://boutique.example.fr/p", "abuse@hebergeur.example"}, {cm.ID, "https://img.kids.example/m/1", "abuse@kids.example"}} {
		w := e.Do("POST", "/w/cases/"+c.id+"/notices", ana, url.Values{"url": {c.url}, "host": {c.host}, "kind": {"administrative"}})
		if w.Code != http.StatusSeeOther {
			t.Fatalf("send: %d %s", w.Code, w.Body)
		}
	}
	nf, _ := e.DB.CaseNotices(bg, cf.ID)
	nm, _ := e.DB.CaseNotices(bg, cm.ID)
	if len(nf) != 1 || nf[0].Recipient != "abuse@hebergeur.example" || nf[0].MailNextAt.IsZero() || !nf[0].MailedAt.IsZero() || nf[0].NeverFetch || nf[0].NextCheckAt.IsZero() {
		t.Fatalf("fraud notice: %+v", nf)
	}
	if len(nm) != 1 || !nm[0].NeverFetch || !nm[0].NextCheckAt.Equal(nm[0].DueAt) || nm[0].Category != "minors.abuse-material" {
		t.Fatalf("minors notice: %+v", nm)
	}
	n := nf[0]
	n.MailError, n.MailAttempts, n.Checks, n.CheckResult = "421 busy", 2, 3, "not confirmed: no answer (timeout)"
	n.Status, n.EscalatedAt, n.RemovedAt = removal.StatusEscalated, time.Now(), time.Now()
	if err := e.DB.UpdateNotice(bg, n); err != nil {
		t.Fatal(err)
	}
	if err := e.DB.SaveNoticeMail(bg, n); err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string][]string{
		"fr": {"Suivi", "Envoi à abuse@hebergeur.example en échec, nouvel essai le", "421 busy", "3 vérification(s)", "non confirmé", "Escaladée le", "contenu disparu depuis le"},
		"en": {"Follow-up", "Mail to abuse@hebergeur.example failed, next try on", "3 check(s)", "not confirmed", "Escalated on", "content gone since"},
	} {
		page := e.Do("GET", "/w/cases/"+cf.ID+"?lang="+lang, ana, nil).Body.String()
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("%s case page lacks %q", lang, w)
			}
		}
	}
	page := e.Do("GET", "/w/cases/"+cm.ID+"?lang=en", ana, nil).Body.String()
	for _, w := range []string{"Mail to abuse@kids.example waiting", "never fetched by the server (minors)", "Next check on"} {
		if !strings.Contains(page, w) {
			t.Errorf("minors case page lacks %q", w)
		}
	}
}

// The yearly report: supervisors, admins and auditors read it, analysts
// do not; its CSV ends records with CRLF and its download is audited.
func TestTransparencyReport(t *testing.T) {
	e := newWSEnv(t)
	year := time.Now().In(stats.Zone).Year()
	from, _ := removal.YearBounds(year)
	sent := from.Add(time.Hour)
	for i, n := range []removal.Notice{
		{Kind: "removal-order", Recipient: "abuse@ovh.net", Category: "terrorism.propaganda", Status: removal.StatusRemoved, RemovedAt: sent.Add(40 * time.Minute)},
		{Kind: "removal-order", Recipient: "abuse@ovh.net", Category: "terrorism.propaganda", Status: removal.StatusEscalated},
		{Kind: "notice", Host: "<b>Hébergeur</b>", Category: "fraud.scam", Status: removal.StatusSent},
		{Kind: "notice", Host: "Ancien", Category: "fraud.scam", Status: removal.StatusRemoved, SentAt: from.Add(-time.Hour)}, // last year in Paris
	} {
		n.ID, n.CaseID, n.URL, n.LegalBasis, n.Actor = "n"+strconv.Itoa(i), "c", "https://x.example/", "l", "ana"
		if n.SentAt.IsZero() {
			n.SentAt = sent
		}
		n.DueAt = n.SentAt.Add(time.Hour)
		if n.Host == "" {
			n.Host = n.Recipient
		}
		if err := e.DB.CreateNotice(bg, n); err != nil {
			t.Fatal(err)
		}
	}
	analyst, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	if w := e.Do("GET", "/w/transparency", e.session(analyst), nil); w.Code != http.StatusForbidden {
		t.Errorf("an analyst reads the report: %d", w.Code)
	}
	for _, role := range []account.Role{account.RoleSupervisor, account.RoleAdmin, account.RoleAuditor} {
		u, _ := e.User(string(role)+"@vigie.test", role, "")
		c := e.session(u)
		page := e.Do("GET", "/w/transparency?lang=en", c, nil)
		body := page.Body.String()
		if page.Code != 200 {
			t.Fatalf("%s: %d", role, page.Code)
		}
		label := web.CategoryLabel(e.Intake.Taxonomy(), "terrorism.propaganda", "en")
		for _, want := range []string{"Yearly transparency report", "ovh.net", "&lt;b&gt;Hébergeur&lt;/b&gt;", "Removal orders (TCO Regulation)", "Removed within the hour", "40 min", template.HTMLEscapeString(label)} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the report page lacks %q", role, want)
			}
		}
		if strings.Contains(body, "Ancien") {
			t.Errorf("a notice of last year (Paris) is in this year's report")
		}
	}
	sup, _ := e.DB.UserByEmail(bg, "supervisor@vigie.test")
	// The supervisors' figures show the times to removal per host.
	stats := e.Do("GET", "/w/stats?lang=en", e.session(sup), nil).Body.String()
	for _, want := range []string{`id="removal-by-host"`, `<th scope="row">ovh.net</th><td class="num">2</td><td class="num">1</td><td class="num">40 min</td>`, `id="removal-by-network"`} {
		if !strings.Contains(stats, want) {
			t.Errorf("the figures page lacks %q", want)
		}
	}
	w := e.Do("GET", "/w/transparency.csv?year="+strconv.Itoa(year), e.session(sup), nil)
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	raw := w.Body.String()
	if strings.Count(raw, "\n") == 0 || strings.Count(raw, "\r\n") != strings.Count(raw, "\n") {
		t.Errorf("CSV records do not end with CRLF: %q", raw)
	}
	recs, err := csv.NewReader(bytes.NewReader(w.Body.Bytes())).ReadAll()
	if err != nil || len(recs) < 4 || recs[1][0] != "total" || recs[1][2] != "3" {
		t.Errorf("csv: %v %v", recs, err)
	}
	if len(e.Audited("transparency.export", strconv.Itoa(year))) != 1 {
		t.Error("the CSV download is not audited")
	}
	if w := e.Do("GET", "/w/transparency?year=1999", e.session(sup), nil); w.Code == 200 {
		t.Error("year 1999 answered")
	}
}
