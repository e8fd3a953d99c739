package workspace

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/account/passkeytest"
	"github.com/vigie-platform/vigie/advice"
	"github.com/vigie-platform/vigie/alert"
	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/bank"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/destination"
	"github.com/vigie-platform/vigie/export"
	"github.com/vigie-platform/vigie/removal"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/routing"
	"github.com/vigie-platform/vigie/safehttp"
	"github.com/vigie-platform/vigie/taxonomy"
	"github.com/vigie-platform/vigie/triage"
	"github.com/vigie-platform/vigie/web"
	"github.com/vigie-platform/vigie/web/portal"
	"github.com/vigie-platform/vigie/web/webtest"
)

// wsEnv is the workspace on a real SQLite store, with the public portal
// beside it (the figures page shows the times to removal).
type wsEnv struct {
	*webtest.Fixture
	s      *server
	routes []web.Route
}

var bg = context.Background()

func newWSEnv(t *testing.T) *wsEnv {
	t.Helper()
	f := webtest.New(t)
	rules, err := routing.Default(destination.Default())
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(f.Kit, Deps{Intake: f.Intake, Reports: f.DB, Index: f.DB, Accounts: f.Accounts, Cases: f.Cases, Triage: f.Triage, Workspace: f.DB,
		Banks: f.Banks, BankStore: f.DB,
		Destinations: destination.Default(), Routing: rules, Figures: f.Figures, Limits: web.DefaultLimits(),
		ExportNamespace: export.InstallationNamespace([]byte("workspace tests"))})
	mux := http.NewServeMux()
	routes := s.routes(mux)
	portal.Mount(mux, f.Kit, portal.Deps{Intake: f.Intake, Visits: f.Visits, Advice: advice.Default(),
		Altcha: f.Altcha, Figures: f.Figures, Limits: web.DefaultLimits()})
	f.Handler = f.Kit.Handler(mux)
	return &wsEnv{Fixture: f, s: s, routes: routes}
}

// session opens a session for a user without going through the form.
func (e *wsEnv) session(u account.User) *http.Cookie {
	e.T.Helper()
	token, err := e.Accounts.StartSession(bg, u.ID, "")
	if err != nil {
		e.T.Fatal(err)
	}
	return &http.Cookie{Name: SessionCookie, Value: token}
}

// TestRoleRouteTable walks every workspace route with every role. The
// expected table is written out here, apart from package access, so that
// a change to either shows up as a failure.
func TestRoleRouteTable(t *testing.T) {
	e := newWSEnv(t)
	var wsRoutes []web.Route // behind a role: sign-in, enrolment and not-found are public
	for _, r := range e.routes {
		if r.Need != web.Public {
			wsRoutes = append(wsRoutes, r)
		}
	}
	all := []account.Role{account.RoleAdmin, account.RoleSupervisor, account.RoleAnalyst, account.RoleAuditor, account.RoleDestination, account.RoleOversight}
	staff := []account.Role{account.RoleSupervisor, account.RoleAnalyst}
	want := map[string][]account.Role{
		"GET /w/{$}":                            all,
		"POST /w/logout":                        all,
		"GET /w/me":                             all,
		"GET /w/help":                           all,
		"POST /w/me/password":                   all,
		"POST /w/me/sessions/{sid}/end":         all,
		"POST /w/me/sessions/end-others":        all,
		"GET /w/passkeys":                       all,
		"POST /w/passkeys":                      all,
		"POST /w/passkeys/{id}/remove":          all,
		"POST /w/totp":                          all,
		"POST /w/totp/remove":                   all,
		"GET /w/queue":                          staff,
		"POST /w/queue/next":                    staff,
		"POST /w/queue/decide":                  staff,
		"POST /w/queue/assign":                  {account.RoleSupervisor},
		"GET /w/reports/{id}":                   staff,
		"GET /w/reports/{id}/attachments/{sha}": staff,
		"GET /w/cases":                          staff,
		"POST /w/cases":                         staff,
		"GET /w/cases/{id}":                     staff,
		"POST /w/cases/{id}/qualify":            staff,
		"POST /w/cases/{id}/refer":              staff,
		"POST /w/cases/{id}/close":              staff,
		"POST /w/cases/{id}/reopen":             staff,
		"POST /w/cases/{id}/notes":              staff,
		"POST /w/cases/{id}/reports":            staff,
		"POST /w/cases/{id}/remove":             staff,
		"POST /w/cases/{id}/merge":              staff,
		"POST /w/cases/{id}/split":              staff,
		"GET /w/search":                         staff,
		"GET /w/alerts":                         staff,
		"POST /w/alerts/{id}/close":             staff,
		"GET /w/audit":                          {account.RoleAuditor},
		"GET /w/users":                          {account.RoleAdmin},
		"POST /w/users":                         {account.RoleAdmin},
		"POST /w/users/{id}/disable":            {account.RoleAdmin},
		"GET /w/inbox":                          {account.RoleDestination},
		"GET /w/inbox/{id}":                     {account.RoleDestination},
		"POST /w/cases/{id}/facts":              staff,
		"GET /w/stats":                          {account.RoleSupervisor},
		"GET /w/dashboard":                      {account.RoleSupervisor},
		"GET /w/cases/{id}/export/{format}":     staff,
		"POST /w/cases/{id}/notices":            staff,
		"POST /w/cases/{id}/trace":              staff,
		"POST /w/notices/{nid}/record":          staff,
		"POST /w/notices/{nid}/check":           staff,
		"POST /w/inbox/{id}/acknowledge":        {account.RoleDestination},
		"POST /w/inbox/{id}/outcome":            {account.RoleDestination},
		// Banks of known content (issue 14).
		"GET /w/banks":                                    {account.RoleAdmin, account.RoleSupervisor},
		"POST /w/banks/import":                            {account.RoleAdmin, account.RoleSupervisor},
		"POST /w/banks/{name}/enable":                     {account.RoleAdmin, account.RoleSupervisor},
		"POST /w/banks/{name}/disable":                    {account.RoleAdmin, account.RoleSupervisor},
		"POST /w/banks/{name}/withdraw":                   {account.RoleAdmin, account.RoleSupervisor},
		"GET /w/banks/{name}/export/{format}":             {account.RoleAdmin, account.RoleSupervisor},
		"POST /w/reports/{id}/attachments/{sha}/open":     staff,
		"POST /w/reports/{id}/attachments/{sha}/classify": staff,
		"GET /w/waves/{id}":                               staff,
		"POST /w/waves/{id}/decide":                       staff,
		// Oversight of blocking requests (issue 15, part 3): the
		// qualified person alone; admins see the batches' counts.
		"GET /w/oversight":                       {account.RoleAdmin, account.RoleOversight},
		"GET /w/oversight/{week}":                {account.RoleOversight},
		"POST /w/oversight/{week}/review":        {account.RoleOversight},
		"POST /w/oversight/requests/{id}/review": {account.RoleOversight},
		// The yearly transparency report (issue 15, part 7).
		"GET /w/transparency":     {account.RoleAdmin, account.RoleSupervisor, account.RoleAuditor},
		"GET /w/transparency.csv": {account.RoleAdmin, account.RoleSupervisor, account.RoleAuditor},
	}
	for _, r := range wsRoutes {
		if _, ok := want[r.Pattern]; !ok {
			t.Errorf("route %s is not in the role × route table: add it", r.Pattern)
		}
	}
	if len(wsRoutes) != len(want) {
		t.Errorf("%d routes registered, %d in the table", len(wsRoutes), len(want))
	}

	png := webtest.TinyPNG()
	rep := e.Submit(report.Submission{Description: "objet du test", URLs: []string{"https://hebergeur.example/x"}, Attachments: []report.Upload{{Filename: "a.png", Content: png}}})
	stored, _ := e.DB.ReportByID(bg, rep)
	sha := stored.Attachments[0].SHA256
	for i := 0; i < 40; i++ {
		e.Submit(report.Submission{Description: fmt.Sprintf("file %d", i)})
	}
	c, err := e.Cases.Create(bg, "Fiche du test", []string{rep}, "setup")
	if err != nil {
		t.Fatal(err)
	}
	cat, _ := taxonomy.Default().Lookup("fraud.scam")
	if _, err := e.Cases.Qualify(bg, c.ID, "fraud.scam", cat.Legal[:1], "synthèse", "normal", "setup"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Cases.Refer(bg, c.ID, []casefile.ReferralChoice{{Destination: "ofac-fraud", Delivered: true, AckWithin: time.Hour}}, []string{"ofac-fraud"}, "", "setup"); err != nil {
		t.Fatal(err)
	}
	notice, err := (&removal.Service{Store: e.DB}).Send(bg, c.ID, []string{"https://hebergeur.example/x"}, "https://hebergeur.example/x", "Hébergeur", "notice", "setup")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Banks.Import(bg, "setup", bank.Import{Name: "liste", Source: "test"}); err != nil {
		t.Fatal(err)
	}
	blockReq := e.escalate(notice, "req-route-table")
	waveID, _ := e.makeWave(2)
	users := map[account.Role]account.User{}
	for _, role := range all {
		users[role], _ = e.User(string(role)+"@vigie.test", role, "ofac-fraud")
	}
	victim, _ := e.User("victim@vigie.test", account.RoleAnalyst, "")
	passkeyOf := map[account.Role]int64{}
	for _, role := range all {
		passkeyOf[role] = e.passkey(users[role], &passkeytest.Authenticator{Origin: account.DefaultOrigin}, "key").ID
	}

	// Each role closes an alert of its own.
	alertOf := map[account.Role]int64{}
	for _, role := range all {
		now := time.Now()
		if _, err := e.DB.RaiseAlert(bg, alert.Alert{Kind: alert.KindIdentifier, Subject: "test:" + string(role), Label: string(role), LastHour: 10, TriggerAt: now, RaisedAt: now}, now); err != nil {
			t.Fatal(err)
		}
		open, err := e.DB.OpenAlerts(bg, 1)
		if err != nil || len(open) != 1 {
			t.Fatal(open, err)
		}
		alertOf[role] = open[0].ID
	}

	path := func(pattern string) (string, string) {
		method, p, _ := strings.Cut(pattern, " ")
		p = strings.TrimSuffix(p, "{$}")
		p = strings.ReplaceAll(p, "{sha}", sha)
		p = strings.ReplaceAll(p, "{format}", "stix")
		p = strings.ReplaceAll(p, "{nid}", notice.ID)
		p = strings.ReplaceAll(p, "{name}", "liste")
		p = strings.ReplaceAll(p, "{week}", blockReq.Batch)
		switch {
		case strings.HasPrefix(p, "/w/reports/"):
			p = strings.ReplaceAll(p, "{id}", rep)
		case strings.HasPrefix(p, "/w/users/"):
			p = strings.ReplaceAll(p, "{id}", fmt.Sprint(victim.ID))
		case strings.HasPrefix(p, "/w/waves/"):
			p = strings.ReplaceAll(p, "{id}", fmt.Sprint(waveID))
		case strings.HasPrefix(p, "/w/oversight/"):
			p = strings.ReplaceAll(p, "{id}", blockReq.ID)
		default:
			p = strings.ReplaceAll(p, "{id}", c.ID)
		}
		return method, p
	}
	for _, r := range wsRoutes {
		method, p := path(r.Pattern)
		for _, role := range all {
			allowed := slices.Contains(want[r.Pattern], role)
			var form url.Values
			if method == http.MethodPost {
				form = url.Values{}
			}
			if r.Pattern == "POST /w/passkeys/{id}/remove" {
				p = fmt.Sprintf("/w/passkeys/%d/remove", passkeyOf[role])
			}
			if r.Pattern == "POST /w/alerts/{id}/close" {
				p = fmt.Sprintf("/w/alerts/%d/close", alertOf[role])
			}
			cookie := e.session(users[role])
			// A session is named by its token's hash: the user's own.
			w := e.Do(method, strings.ReplaceAll(p, "{sid}", hex.EncodeToString(account.HashToken(cookie.Value))), cookie, form)
			switch {
			case !allowed && w.Code != http.StatusForbidden:
				t.Errorf("%s as %s: %d, want 403", r.Pattern, role, w.Code)
			case allowed && (w.Code == http.StatusForbidden || w.Code == http.StatusUnauthorized || w.Code == http.StatusNotFound || w.Code >= 500):
				t.Errorf("%s as %s: %d, want it allowed", r.Pattern, role, w.Code)
			}
		}
		// Without a session: pages send to the login form, actions are refused.
		w := e.Do(method, p, nil, url.Values{})
		if method == http.MethodGet && (w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/w/login?next=")) {
			t.Errorf("%s anonymous: %d %s", r.Pattern, w.Code, w.Header().Get("Location"))
		}
		if method == http.MethodPost && w.Code != http.StatusUnauthorized {
			t.Errorf("%s anonymous: %d, want 401", r.Pattern, w.Code)
		}
	}
	if len(e.Audited("access.denied", "")) == 0 {
		t.Error("denied accesses were not audited")
	}
}

// TestObjectAccess: guessing an id reveals nothing, and a destination sees
// only the cases referred to it.
func TestObjectAccess(t *testing.T) {
	e := newWSEnv(t)
	analyst, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	dest, _ := e.User("dest@vigie.test", account.RoleDestination, "ofac-fraud")
	other, _ := e.User("other@vigie.test", account.RoleDestination, "ofmin")
	rep := e.Submit(report.Submission{Description: "a", Attachments: []report.Upload{{Filename: "a.png", Content: webtest.TinyPNG()}}})
	rep2 := e.Submit(report.Submission{Description: "b", Attachments: []report.Upload{{Filename: "b.txt", Content: []byte("texte")}}})
	st2, _ := e.DB.ReportByID(bg, rep2)
	c, _ := e.Cases.Create(bg, "Fiche", []string{rep}, "setup")
	cat, _ := taxonomy.Default().Lookup("fraud.scam")
	e.Cases.Qualify(bg, c.ID, "fraud.scam", cat.Legal[:1], "s", "normal", "setup")
	e.Cases.Refer(bg, c.ID, []casefile.ReferralChoice{{Destination: "ofac-fraud", Delivered: true, AckWithin: time.Hour}}, []string{"ofac-fraud"}, "", "setup")
	uncited, _ := e.Cases.Create(bg, "Autre", []string{rep2}, "setup")

	ana, d, o := e.session(analyst), e.session(dest), e.session(other)
	cases := []struct {
		name   string
		cookie *http.Cookie
		path   string
		want   int
	}{
		{"unknown report", ana, "/w/reports/01234567-89ab-7def-8123-456789abcdef", 404},
		{"unknown case", ana, "/w/cases/01234567-89ab-7def-8123-456789abcdef", 404},
		{"another report's attachment", ana, "/w/reports/" + rep + "/attachments/" + st2.Attachments[0].SHA256, 404},
		{"made-up attachment", ana, "/w/reports/" + rep + "/attachments/" + strings.Repeat("a", 64), 404},
		{"destination, its case", d, "/w/inbox/" + c.ID, 200},
		{"destination, a case not referred to it", d, "/w/inbox/" + uncited.ID, 404},
		{"destination, unknown case", d, "/w/inbox/nope", 404},
		{"another destination", o, "/w/inbox/" + c.ID, 404},
		{"destination, the analysts' case page", d, "/w/cases/" + c.ID, 403},
		{"destination, a report", d, "/w/reports/" + rep, 403},
	}
	for _, tc := range cases {
		if w := e.Do("GET", tc.path, tc.cookie, nil); w.Code != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, w.Code, tc.want)
		}
	}
	// Acting on another destination's case changes nothing of it.
	for _, act := range []struct {
		path string
		form url.Values
	}{
		{"/w/inbox/" + c.ID + "/acknowledge", url.Values{}},
		{"/w/inbox/" + c.ID + "/outcome", url.Values{"outcome": {"investigation_opened"}}},
		{"/w/inbox/" + uncited.ID + "/acknowledge", url.Values{}},
	} {
		if w := e.Do("POST", act.path, o, act.form); w.Code != http.StatusNotFound {
			t.Errorf("another destination POST %s: %d, want 404", act.path, w.Code)
		}
	}
	if got, _ := e.Cases.CaseFor(bg, c.ID, casefile.Reader{Destination: "ofac-fraud"}); got.Mine == nil || got.Mine.Status == casefile.ReferralAcknowledged || got.Mine.Outcome != "" {
		t.Errorf("another destination changed the referral: %+v", got.Mine)
	}
	inbox := e.Do("GET", "/w/inbox", d, nil).Body.String()
	if !strings.Contains(inbox, c.ID) || strings.Contains(inbox, uncited.ID) {
		t.Error("the destination's inbox does not list exactly its cases")
	}
	if w := e.Do("GET", "/w/inbox", o, nil); strings.Contains(w.Body.String(), c.ID) {
		t.Error("another destination's inbox lists the case")
	}
}

func (e *wsEnv) login(email, secret string) *httptest.ResponseRecorder {
	e.T.Helper()
	e.Clock.Add(30 * time.Second) // a fresh TOTP step: a code is accepted once
	code, err := totp.GenerateCode(secret, e.Clock.Now())
	if err != nil {
		e.T.Fatal(err)
	}
	return e.Do("POST", "/w/login", nil, url.Values{"email": {email}, "password": {"correct horse battery"}, "code": {code}, "next": {"/w/queue"}})
}

func sessionOf(t *testing.T, w *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name == SessionCookie {
			return c
		}
	}
	t.Fatalf("no session cookie (status %d)", w.Code)
	return nil
}

func TestLoginSessionCookieAndLogout(t *testing.T) {
	e := newWSEnv(t)
	_, secret := e.User("ana@vigie.test", account.RoleAnalyst, "")
	w := e.login("ana@vigie.test", secret)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/w/queue" {
		t.Fatalf("login: %d %s", w.Code, w.Header().Get("Location"))
	}
	c := sessionOf(t, w)
	// __Host-: Secure, the whole host, no Domain, so that no sub-domain or
	// plain-HTTP page can plant or overwrite it.
	if !strings.HasPrefix(c.Name, "__Host-") || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Domain != "" {
		t.Errorf("session cookie flags: %+v", c)
	}
	if len(e.Audited("login", "")) != 1 {
		t.Error("login not audited")
	}
	if w := e.Do("GET", "/w/queue", c, nil); w.Code != 200 {
		t.Fatalf("queue after login: %d", w.Code)
	}
	if w := e.Do("POST", "/w/logout", c, url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatalf("logout: %d", w.Code)
	}
	if w := e.Do("GET", "/w/queue", c, nil); w.Code != http.StatusSeeOther {
		t.Fatalf("queue after logout: %d, want a redirect to login", w.Code)
	}
	// An open redirect through next= is refused.
	e.Clock.Add(30 * time.Second)
	code, _ := totp.GenerateCode(secret, e.Clock.Now())
	w = e.Do("POST", "/w/login", nil, url.Values{"email": {"ana@vigie.test"}, "password": {"correct horse battery"}, "code": {code}, "next": {"//evil.example/w/"}})
	if w.Header().Get("Location") != "/w/" {
		t.Errorf("next=//evil.example went to %q", w.Header().Get("Location"))
	}
}

func TestLoginBruteForce(t *testing.T) {
	e := newWSEnv(t)
	_, secret := e.User("ana@vigie.test", account.RoleAnalyst, "")
	e.s.Limits.Login.PerSecond, e.s.Limits.Login.Burst = 1000, 1000 // the per-account throttle first
	from := func(addr, email, password, code string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/w/login", strings.NewReader(url.Values{"email": {email}, "password": {password}, "code": {code}, "next": {"/w/queue"}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.RemoteAddr = addr + ":4444"
		w := httptest.NewRecorder()
		e.Handler.ServeHTTP(w, r)
		return w
	}
	// A known and an unknown account get the same answers, and the same
	// throttle after five attempts from one address.
	var answers [2][]string
	for k, email := range []string{"ana@vigie.test", "nobody@vigie.test"} {
		for i := 0; i < 6; i++ {
			w := from("198.51.100.66", email, fmt.Sprintf("guess %d guess", i), "123456")
			answers[k] = append(answers[k], fmt.Sprintf("%d %v", w.Code, strings.Contains(w.Body.String(), "incorrect")))
		}
	}
	if fmt.Sprint(answers[0]) != fmt.Sprint(answers[1]) {
		t.Fatalf("a known and an unknown account are told apart:\n%v\n%v", answers[0], answers[1])
	}
	if answers[0][4] != "401 true" || answers[0][5] != "429 false" {
		t.Fatalf("answers %v, want five 401 then a 429", answers[0])
	}
	code, err := totp.GenerateCode(secret, e.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if w := from("198.51.100.66", "ana@vigie.test", "correct horse battery", code); w.Code != http.StatusTooManyRequests || !strings.Contains(w.Body.String(), "Trop de tentatives pour ce compte") {
		t.Fatalf("the right password from the throttled address: %d", w.Code)
	}
	// The analyst, from their own address, is not locked out by a stranger.
	if w := from("192.0.2.10", "ana@vigie.test", "correct horse battery", code); w.Code != http.StatusSeeOther {
		t.Fatalf("the analyst from another address: %d", w.Code)
	}
	if got := len(e.Audited("login.failed", "")); got != 10 {
		t.Errorf("%d failed logins audited, want 10", got)
	}
	if got := len(e.Audited("login.throttled", "")); got != 3 {
		t.Errorf("%d throttled logins audited, want 3", got)
	}

	// Per address: many accounts tried from one address are slowed down.
	e.s.Limits.Login.PerSecond, e.s.Limits.Login.Burst = 10.0/60, 10
	var last int
	for i := 0; i < 12; i++ {
		last = e.Do("POST", "/w/login", nil, url.Values{"email": {fmt.Sprintf("u%d@vigie.test", i)}, "password": {"x"}, "code": {"1"}}).Code
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("12 attempts in a row from one address: last %d, want 429", last)
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	e := newWSEnv(t)
	u, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	e.Submit(report.Submission{Description: "x"})
	r := httptest.NewRequest("POST", "/w/queue/next", strings.NewReader(""))
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	r.Header.Set("Origin", "https://evil.example")
	r.AddCookie(e.session(u))
	w := httptest.NewRecorder()
	e.Handler.ServeHTTP(w, r)
	if w.Code != http.StatusForbidden {
		t.Fatalf("cross-site POST: %d, want 403", w.Code)
	}
	if items, _ := e.DB.Queue(bg, e.queueAll()); items[0].Assignee != "" {
		t.Fatal("the cross-site request took a report")
	}
	// Same origin passes.
	r = httptest.NewRequest("POST", "/w/queue/next", strings.NewReader(""))
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.AddCookie(e.session(u))
	w = httptest.NewRecorder()
	e.Handler.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("same-origin POST: %d", w.Code)
	}
}

func (e *wsEnv) queueAll() triage.Filter { return triage.Filter{States: triage.States} }

var payloads = []string{`<script>alert(1)</script>`, `<img src=x onerror=alert(2)>`, `javascript:alert(3)`}

// TestAnalystJourneyOverHTTP: take a report, read it, make a case, qualify,
// refer, close; every view audited, the reporter sees the case's state,
// and attacker text stays text.
func TestAnalystJourneyOverHTTP(t *testing.T) {
	e := newWSEnv(t)
	_, secret := e.User("ana@vigie.test", account.RoleAnalyst, "")
	desc := "Faux conseiller " + strings.Join(payloads, " ") + " IBAN FR7630006000011234567890189"
	ack, err := e.Intake.Submit(bg, report.Submission{Category: "fraud.scam", Description: desc, Urgent: true, Anonymous: true,
		URLs: []string{"https://faux-conseiller.example/<script>alert(4)</script>"}, Channel: report.ChannelWeb,
		Attachments: []report.Upload{{Filename: `<img src=x onerror=alert(6)>.png`, Content: webtest.TinyPNG()}}})
	if err != nil {
		t.Fatal(err)
	}
	twin := e.Submit(report.Submission{Description: "même IBAN FR76 3000 6000 0112 3456 7890 189"})
	e.Link()
	c := sessionOf(t, e.login("ana@vigie.test", secret))

	queue := e.Do("GET", "/w/queue", c, nil).Body.String()
	assertNoMarkup(t, "queue", queue)
	if len(e.Audited("queue.view", "")) != 1 {
		t.Error("queue view not audited")
	}
	if !strings.Contains(queue, ack.Receipt) {
		t.Fatal("the queue does not list the report")
	}
	w := e.Do("POST", "/w/queue/next", c, url.Values{})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/w/reports/"+ack.ID {
		t.Fatalf("take next: %d %s (want the urgent report)", w.Code, w.Header().Get("Location"))
	}
	page := e.Do("GET", "/w/reports/"+ack.ID, c, nil)
	body := page.Body.String()
	if page.Code != 200 {
		t.Fatalf("report page: %d", page.Code)
	}
	assertNoMarkup(t, "report page", body)
	for _, want := range []string{"FR7630006000011234567890189", twin, `class="preview blurred"`, "Attribué"} {
		if !strings.Contains(body, want) {
			t.Errorf("report page lacks %q", want)
		}
	}
	if strings.Contains(body, `href="javascript:`) || strings.Contains(body, `href="https://faux-conseiller`) {
		t.Error("a reported URL became a link")
	}
	if csp := page.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if len(e.Audited("report.view", ack.ID)) != 1 {
		t.Error("report view not audited")
	}
	revealed := e.Do("GET", "/w/reports/"+ack.ID+"?reveal="+mustSHA(t, e, ack.ID), c, nil).Body.String()
	if strings.Contains(revealed, `class="preview blurred"`) || !strings.Contains(revealed, `class="preview"`) {
		t.Error("reveal did not unblur the image")
	}
	dl := e.Do("GET", "/w/reports/"+ack.ID+"/attachments/"+mustSHA(t, e, ack.ID), c, nil)
	if dl.Code != 200 || dl.Header().Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(dl.Header().Get("Content-Disposition"), "attachment;") || strings.Contains(dl.Header().Get("Content-Disposition"), "onerror") {
		t.Errorf("download: %d %v", dl.Code, dl.Header())
	}
	if len(e.Audited("attachment.download", ack.ID+"/"+mustSHA(t, e, ack.ID))) != 1 {
		t.Error("download not audited")
	}

	w = e.Do("POST", "/w/cases", c, url.Values{"report": {ack.ID, twin}, "title": {"Faux conseiller <b>bancaire</b>"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("create case: %d %s", w.Code, w.Body.String())
	}
	caseURL := strings.Split(w.Header().Get("Location"), "?")[0]
	caseID := strings.TrimPrefix(caseURL, "/w/cases/")
	cat, _ := taxonomy.Default().Lookup("fraud.scam")
	steps := []struct {
		path string
		form url.Values
		code int
	}{
		{"/qualify", url.Values{"category": {"fraud.scam"}, "legal": {"Code pénal art. 999"}, "summary": {"x"}, "priority": {"high"}}, 422},
		{"/qualify", url.Values{"category": {"fraud.scam"}, "legal": cat.Legal[:1], "summary": {"Escroquerie <script>alert(7)</script>"}, "priority": {"high"}}, 303},
		{"/notes", url.Values{"note": {"<img src=x onerror=alert(8)>"}}, 303},
		{"/refer", url.Values{"destination": {"interpol"}}, 422},
		{"/refer", url.Values{"destination": {"nowhere"}, "reason": {"x"}}, 422},
		{"/refer", url.Values{"destination": {"ofac-fraud"}}, 303},
		{"/close", url.Values{"outcome": {"nonsense"}}, 422},
		{"/close", url.Values{"outcome": {"action-taken"}, "reason": {"interpellation"}}, 303},
	}
	for _, s := range steps {
		if w := e.Do("POST", caseURL+s.path, c, s.form); w.Code != s.code {
			t.Fatalf("%s: %d, want %d: %s", s.path, w.Code, s.code, w.Body.String())
		}
	}
	casePage := e.Do("GET", caseURL, c, nil).Body.String()
	assertNoMarkup(t, "case page", casePage)
	for _, want := range []string{"Close", "Suites données", "OFAC — groupe des escroqueries", "&lt;img src=x onerror=alert(8)&gt;"} {
		if !strings.Contains(casePage, want) {
			t.Errorf("case page lacks %q", want)
		}
	}
	if st, _ := e.Intake.FollowUp(bg, ack.Receipt, ack.FollowUpSecret); st != report.StatusClosed {
		t.Errorf("reporter sees %q, want closed", st)
	}
	for _, action := range []string{"case.create", "case.qualify", "case.note", "case.refer", "case.close", "case.view"} {
		if len(e.Audited(action, "")) == 0 && len(e.Audited(action, caseID)) == 0 {
			t.Errorf("%s not audited", action)
		}
	}

	// Search finds the case by its note and the report by its words and identifier.
	found := e.Do("GET", "/w/search?q=FR76+3000+6000+0112+3456+7890+189", c, nil).Body.String()
	if !strings.Contains(found, ack.Receipt) || !strings.Contains(found, "iban") {
		t.Error("search by identifier did not find the report")
	}
	if found := e.Do("GET", "/w/search?q=conseiller", c, nil).Body.String(); !strings.Contains(found, ack.Receipt) || !strings.Contains(found, caseID) {
		t.Error("full-text search did not find the report and the case")
	}
	verify, err := audit.Verify(bg, e.DB)
	if err != nil || verify.Entries < 10 {
		t.Fatalf("audit chain: %+v %v", verify, err)
	}
}

func mustSHA(t *testing.T, e *wsEnv, id string) string {
	t.Helper()
	r, err := e.DB.ReportByID(bg, id)
	if err != nil || len(r.Attachments) == 0 {
		t.Fatalf("attachment of %s: %v", id, err)
	}
	return r.Attachments[0].SHA256
}

// assertNoMarkup fails when attacker text reached the page as markup.
func assertNoMarkup(t *testing.T, where, body string) {
	t.Helper()
	for _, bad := range []string{"<script>alert", "<img src=x onerror", "<b>bancaire"} {
		if strings.Contains(body, bad) {
			t.Errorf("%s: %q appears unescaped", where, bad)
		}
	}
	// The one script is the layout's own file of shortcuts.
	if strings.Contains(strings.Replace(body, `<script src="/static/keys.js" defer></script>`, "", 1), "<script") {
		t.Errorf("%s: holds a script element", where)
	}
}

func TestEnrolmentLink(t *testing.T) {
	e := newWSEnv(t)
	u, err := e.Accounts.AddUser(bg, "new@vigie.test", account.RoleAnalyst, "", "admin@vigie.test")
	if err != nil {
		t.Fatal(err)
	}
	token, _ := e.Accounts.StartEnrolment(bg, u.ID)
	page := e.Do("GET", "/w/enrol/"+token, nil, nil)
	if page.Code != 200 {
		t.Fatalf("enrol page: %d", page.Code)
	}
	body := page.Body.String()
	if strings.Contains(body, `name="secret"`) {
		t.Fatal("the enrolment form carries the seed")
	}
	secret := between(t, body, `<code id="totp-secret">`, `<`)
	if again := between(t, e.Do("GET", "/w/enrol/"+token, nil, nil).Body.String(), `<code id="totp-secret">`, `<`); again != secret {
		t.Fatalf("the seed changed on a second view: %q, %q", secret, again)
	}
	// A seed chosen by the client (40 zero bits), with a right code for
	// it, enrols nothing: the server's seed is the only one.
	chosen := "AAAAAAAA"
	chosenCode, _ := totp.GenerateCode(chosen, e.Clock.Now())
	forged := url.Values{"password": {"a long enough passphrase"}, "password2": {"a long enough passphrase"}, "secret": {chosen}, "code": {chosenCode}}
	if w := e.Do("POST", "/w/enrol/"+token, nil, forged); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("chosen seed: %d", w.Code)
	}
	if got, _ := e.DB.UserByID(bg, u.ID); got.Enrolled() || got.TOTPSecret == chosen {
		t.Fatalf("enrolled with a chosen seed: %+v", got)
	}
	code, _ := totp.GenerateCode(secret, e.Clock.Now())
	form := url.Values{"password": {"a long enough passphrase"}, "password2": {"a long enough passphrase"}, "code": {code}}
	mismatch := url.Values{"password": {"a long enough passphrase"}, "password2": {"another one entirely"}, "code": {code}}
	if w := e.Do("POST", "/w/enrol/"+token, nil, mismatch); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("mismatched passwords: %d", w.Code)
	}
	if w := e.Do("POST", "/w/enrol/"+token, nil, form); w.Code != http.StatusSeeOther {
		t.Fatalf("enrol: %d %s", w.Code, w.Body.String())
	}
	if w := e.Do("GET", "/w/enrol/"+token, nil, nil); w.Code != http.StatusNotFound {
		t.Fatalf("spent link: %d", w.Code)
	}
	e.Clock.Add(30 * time.Second)
	code, _ = totp.GenerateCode(secret, e.Clock.Now())
	w := e.Do("POST", "/w/login", nil, url.Values{"email": {"new@vigie.test"}, "password": {"a long enough passphrase"}, "code": {code}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("login after enrolment: %d", w.Code)
	}
}

// TestDestinationAcknowledgesAndReportsOutcome: the destination's user
// acts on its own referral only; the analysts see the outcome.
func TestDestinationAcknowledgesAndReportsOutcome(t *testing.T) {
	e := newWSEnv(t)
	analyst, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	dest, _ := e.User("fraude@ofac.test", account.RoleDestination, "ofac-fraud")
	other, _ := e.User("mineurs@ofmin.test", account.RoleDestination, "ofmin")
	rep := e.Submit(report.Submission{Description: "faux conseiller <script>alert(1)</script>"})
	c, _ := e.Cases.Create(bg, "Fiche", []string{rep}, "ana@vigie.test")
	ana := e.session(analyst)
	cat, _ := taxonomy.Default().Lookup("fraud.scam")
	for _, step := range []struct {
		path string
		form url.Values
	}{
		{"/qualify", url.Values{"category": {"fraud.scam"}, "legal": cat.Legal[:1], "summary": {"s"}, "priority": {"normal"}}},
		{"/facts", url.Values{"departement": {"69"}, "country": {"fr"}}},
		{"/refer", url.Values{"destination": {"ofac-fraud", "local-police-69"}}},
	} {
		if w := e.Do("POST", "/w/cases/"+c.ID+step.path, ana, step.form); w.Code != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", step.path, w.Code, w.Body.String())
		}
	}
	if w := e.Do("POST", "/w/cases/"+c.ID+"/facts", ana, url.Values{"departement": {"100"}}); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("unknown département: %d", w.Code)
	}
	page := e.Do("GET", "/w/cases/"+c.ID, ana, nil).Body.String()
	for _, want := range []string{"victim-in-a-departement", "scams", "Police, département 69", "Remise"} {
		if !strings.Contains(page, want) {
			t.Errorf("case page lacks %q", want)
		}
	}
	d, o := e.session(dest), e.session(other)
	if w := e.Do("POST", "/w/inbox/"+c.ID+"/acknowledge", o, url.Values{}); w.Code != http.StatusNotFound {
		t.Errorf("another destination acknowledged: %d", w.Code)
	}
	inbox := e.Do("GET", "/w/inbox/"+c.ID, d, nil).Body.String()
	assertNoMarkup(t, "destination's case page", inbox)
	if !strings.Contains(inbox, `id="acknowledge"`) {
		t.Fatal("no acknowledge button for the destination")
	}
	if w := e.Do("POST", "/w/inbox/"+c.ID+"/acknowledge", d, url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatalf("acknowledge: %d", w.Code)
	}
	if w := e.Do("POST", "/w/inbox/"+c.ID+"/outcome", d, url.Values{"outcome": {""}}); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("empty outcome: %d", w.Code)
	}
	if w := e.Do("POST", "/w/inbox/"+c.ID+"/outcome", d, url.Values{"outcome": {"Enquête ouverte <b>x</b>"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("outcome: %d", w.Code)
	}
	got, _ := e.DB.CaseByID(bg, c.ID)
	var mine, local casefile.Referral
	for _, r := range got.Referrals {
		switch r.Destination {
		case "ofac-fraud":
			mine = r
		case "local-police-69":
			local = r
		}
	}
	if mine.Status != casefile.ReferralOutcome || mine.Outcome != "Enquête ouverte <b>x</b>" || mine.Rule != "scams" {
		t.Errorf("destination's referral: %+v", mine)
	}
	if local.Status != casefile.ReferralDelivered || local.Rule != "victim-in-a-departement" {
		t.Errorf("the other referral changed: %+v", local)
	}
	page = e.Do("GET", "/w/cases/"+c.ID, ana, nil).Body.String()
	if !strings.Contains(page, "Enquête ouverte &lt;b&gt;x&lt;/b&gt;") || !strings.Contains(page, "Suite connue") {
		t.Error("the analysts do not see the outcome")
	}
	if len(e.Audited("referral.acknowledge", c.ID)) != 1 || len(e.Audited("referral.outcome", c.ID)) != 1 {
		t.Error("destination acts not audited")
	}
}

func TestCaseExports(t *testing.T) {
	e := newWSEnv(t)
	analyst, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	rep := e.Submit(report.Submission{Description: "Virement sur FR76 3000 6000 0112 3456 7890 189", URLs: []string{"https://faux.example/p"}})
	e.Link()
	c, _ := e.Cases.Create(bg, "Fiche", []string{rep}, "ana")
	ana := e.session(analyst)
	for format, ctype := range map[string]string{"stix": "application/stix+json;version=2.1", "misp": "application/json", "csv": "text/csv; charset=utf-8", "summary": "text/plain; charset=utf-8"} {
		w := e.Do("GET", "/w/cases/"+c.ID+"/export/"+format, ana, nil)
		if w.Code != 200 || w.Header().Get("Content-Type") != ctype || !strings.Contains(w.Header().Get("Content-Disposition"), "attachment") {
			t.Errorf("%s: %d %v", format, w.Code, w.Header())
		}
		if !strings.Contains(w.Body.String(), "faux.example") {
			t.Errorf("%s lacks the case's URL", format)
		}
		if len(e.Audited("case.export."+format, c.ID)) != 1 {
			t.Errorf("%s export not audited", format)
		}
		if format == "stix" || format == "misp" {
			// Ids are the installation's and the objects': a second
			// download is the same document, which consumers update.
			if again := e.Do("GET", "/w/cases/"+c.ID+"/export/"+format, ana, nil); again.Body.String() != w.Body.String() {
				t.Errorf("%s: two downloads of the same case differ", format)
			}
		}
	}
	if w := e.Do("GET", "/w/cases/"+c.ID+"/export/pdf", ana, nil); w.Code != 404 {
		t.Errorf("unknown format: %d", w.Code)
	}
}

func TestRemovalNoticesOverHTTP(t *testing.T) {
	e := newWSEnv(t)
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) }))
	defer host.Close()
	e.s.Checker = safehttp.NewClient(safehttp.Options{AllowLoopback: true})
	analyst, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	ana := e.session(analyst)
	terror := e.Submit(report.Submission{Category: "terrorism.apology", Description: "vidéo", URLs: []string{host.URL + "/v/1"}})
	minors := e.Submit(report.Submission{Category: "minors.abuse-material", Description: "forum", URLs: []string{host.URL + "/m/1"}})
	ct, _ := e.Cases.Create(bg, "Vidéo", []string{terror}, "ana")
	cm, _ := e.Cases.Create(bg, "Forum", []string{minors}, "ana")
	if w := e.Do("POST", "/w/cases/"+ct.ID+"/notices", ana, url.Values{"url": {host.URL + "/v/1"}, "kind": {"removal-order"}, "host": {"Hébergeur <b>SAS</b>"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("send: %d %s", w.Code, w.Body.String())
	}
	if w := e.Do("POST", "/w/cases/"+ct.ID+"/notices", ana, url.Values{"url": {"https://elsewhere.example/"}, "kind": {"removal-order"}, "host": {"x"}}); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("URL outside the case: %d", w.Code)
	}
	notices, _ := e.DB.CaseNotices(bg, ct.ID)
	if len(notices) != 1 || notices[0].DueAt.Sub(notices[0].SentAt) != time.Hour {
		t.Fatalf("notices: %+v", notices)
	}
	if w := e.Do("POST", "/w/notices/"+notices[0].ID+"/check", ana, url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatalf("check: %d", w.Code)
	}
	page := e.Do("GET", "/w/cases/"+ct.ID, ana, nil).Body.String()
	if !strings.Contains(page, "410 Gone") || !strings.Contains(page, "Hébergeur &lt;b&gt;SAS&lt;/b&gt;") || !strings.Contains(page, "Retiré") {
		t.Error("the case page does not show the checked notice")
	}
	e.Do("POST", "/w/cases/"+cm.ID+"/notices", ana, url.Values{"url": {host.URL + "/m/1"}, "kind": {"administrative"}, "host": {"Forum host"}})
	mn, _ := e.DB.CaseNotices(bg, cm.ID)
	if w := e.Do("POST", "/w/notices/"+mn[0].ID+"/check", ana, url.Values{}); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("a minors URL was fetched: %d", w.Code)
	} else if body := w.Body.String(); !strings.Contains(body, `href="#form-notice"`) || !strings.Contains(body, `id="case-status"`) {
		// The refusal is said on the case page, at its notices: no dead end.
		t.Errorf("the refused check does not show the case page again:\n%s", visibleText(body))
	}
	if strings.Contains(e.Do("GET", "/w/cases/"+cm.ID, ana, nil).Body.String(), "/check") {
		t.Error("the minors case offers a check")
	}
	if w := e.Do("POST", "/w/notices/"+mn[0].ID+"/record", ana, url.Values{"removed": {"yes"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("record: %d", w.Code)
	}
	if len(e.Audited("notice.send", ct.ID)) != 1 || len(e.Audited("notice.check", ct.ID)) != 1 || len(e.Audited("notice.record", cm.ID)) != 1 {
		t.Error("notice acts not audited")
	}
	figures := e.Do("GET", "/figures", nil, nil).Body.String()
	if !strings.Contains(figures, "Contenus retirés après demande</th><td>2 — délai médian") {
		t.Error("the figures do not show removal times")
	}
}

// A new sign-in in a browser ends the session that browser held: whoever
// kept the old cookie cannot use it again (issue 13, finding 8).
func TestLoginEndsTheBrowsersEarlierSession(t *testing.T) {
	e := newWSEnv(t)
	_, secret := e.User("ana@vigie.test", account.RoleAnalyst, "")
	old := sessionOf(t, e.login("ana@vigie.test", secret))
	e.Clock.Add(time.Minute) // the next TOTP step
	code, err := totp.GenerateCode(secret, e.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	w := e.Do("POST", "/w/login", old, url.Values{"email": {"ana@vigie.test"}, "password": {"correct horse battery"}, "code": {code}, "next": {"/w/queue"}})
	fresh := sessionOf(t, w)
	if fresh.Value == old.Value {
		t.Fatal("the new sign-in kept the old session token")
	}
	if w := e.Do("GET", "/w/queue", old, nil); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/w/login") {
		t.Fatalf("the earlier session after a new sign-in: %d %s", w.Code, w.Header().Get("Location"))
	}
	if w := e.Do("GET", "/w/queue", fresh, nil); w.Code != http.StatusOK {
		t.Fatalf("the new session: %d", w.Code)
	}
}
