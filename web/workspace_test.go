package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/advice"
	"github.com/vigie-platform/vigie/altcha"
	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/destination"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/removal"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/routing"
	"github.com/vigie-platform/vigie/safehttp"
	"github.com/vigie-platform/vigie/sqlite"
	"github.com/vigie-platform/vigie/taxonomy"
	"github.com/vigie-platform/vigie/triage"
	"github.com/vigie-platform/vigie/visit"
)

// testClock is a settable clock shared by the server's services.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// wsEnv is a workspace on a real SQLite store.
type wsEnv struct {
	t        *testing.T
	db       *sqlite.DB
	s        *server
	h        http.Handler
	clock    *testClock
	intake   *report.Intake
	accounts *account.Service
	cases    *casefile.Service
}

var bg = context.Background()

func newWSEnv(t *testing.T) *wsEnv {
	t.Helper()
	db, err := sqlite.Open(bg, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := &testClock{t: time.Now()}
	intake := report.NewIntake(db, db, taxonomy.Default(), []byte("k"), nil)
	accounts := account.NewService(db, account.DefaultPolicy(), clock.now)
	cases := casefile.NewService(db, taxonomy.Default(), nil)
	rules, err := routing.Default(destination.Default())
	if err != nil {
		t.Fatal(err)
	}
	s, h := newServer(Deps{Intake: intake, Reports: db, Index: db, Tokens: db, Accounts: accounts, Cases: cases, Workspace: db,
		Destinations: destination.Default(), Routing: rules, Stats: db, Visits: visit.NewCounter(db, nil, nil), Advice: advice.Default(),
		Altcha: altcha.New([]byte("pow-key"), 5000, 10*time.Minute, db, nil),
		Limits: DefaultLimits()})
	return &wsEnv{t: t, db: db, s: s, h: h, clock: clock, intake: intake, accounts: accounts, cases: cases}
}

// user makes an enrolled account and returns it with its TOTP secret.
func (e *wsEnv) user(email string, role account.Role, destination string) (account.User, string) {
	e.t.Helper()
	u, err := e.accounts.AddUser(bg, email, role, destination)
	if err != nil {
		e.t.Fatal(err)
	}
	secret, _, _ := e.accounts.NewTOTPSecret(email)
	if err := e.accounts.SetCredentials(bg, u.ID, "correct horse battery", secret); err != nil {
		e.t.Fatal(err)
	}
	return u, secret
}

// session opens a session for a user without going through the form.
func (e *wsEnv) session(u account.User) *http.Cookie {
	e.t.Helper()
	token, err := e.accounts.StartSession(bg, u.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return &http.Cookie{Name: sessionCookie, Value: token}
}

func (e *wsEnv) do(method, path string, c *http.Cookie, form url.Values) *httptest.ResponseRecorder {
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	r := httptest.NewRequest(method, path, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c != nil {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func (e *wsEnv) submit(sub report.Submission) string {
	e.t.Helper()
	if sub.Category == "" {
		sub.Category = "fraud.scam"
	}
	sub.Anonymous, sub.Channel, sub.TokenName = true, report.ChannelAPI, "t"
	ack, err := e.intake.Submit(bg, sub)
	if err != nil {
		e.t.Fatal(err)
	}
	return ack.ID
}

func (e *wsEnv) link() {
	e.t.Helper()
	l := correlate.NewLinker(e.db, correlate.DefaultWarningList(), indicator.DefaultOptions, nil)
	for {
		n, err := l.LinkOnce(bg, 100)
		if err != nil {
			e.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

func (e *wsEnv) audited(action, objectID string) []audit.Entry {
	e.t.Helper()
	got, err := e.db.FindAudit(bg, audit.Filter{Action: action, ObjectID: objectID})
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

func tinyPNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// TestRoleRouteTable walks every workspace route with every role. The
// expected table is written out here, apart from package access, so that
// a change to either shows up as a failure.
func TestRoleRouteTable(t *testing.T) {
	e := newWSEnv(t)
	all := []account.Role{account.RoleAdmin, account.RoleSupervisor, account.RoleAnalyst, account.RoleAuditor, account.RoleDestination}
	staff := []account.Role{account.RoleSupervisor, account.RoleAnalyst}
	want := map[string][]account.Role{
		"GET /w/{$}":                            all,
		"POST /w/logout":                        all,
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
		"GET /w/audit":                          {account.RoleAuditor},
		"GET /w/users":                          {account.RoleAdmin},
		"POST /w/users":                         {account.RoleAdmin},
		"POST /w/users/{id}/disable":            {account.RoleAdmin},
		"GET /w/inbox":                          {account.RoleDestination},
		"GET /w/inbox/{id}":                     {account.RoleDestination},
		"POST /w/cases/{id}/facts":              staff,
		"GET /w/stats":                          {account.RoleSupervisor},
		"GET /w/cases/{id}/export/{format}":     staff,
		"POST /w/cases/{id}/notices":            staff,
		"POST /w/notices/{nid}/record":          staff,
		"POST /w/notices/{nid}/check":           staff,
		"POST /w/inbox/{id}/acknowledge":        {account.RoleDestination},
		"POST /w/inbox/{id}/outcome":            {account.RoleDestination},
	}
	for _, r := range e.s.wsRoutes {
		if _, ok := want[r.Pattern]; !ok {
			t.Errorf("route %s is not in the role × route table: add it", r.Pattern)
		}
	}
	if len(e.s.wsRoutes) != len(want) {
		t.Errorf("%d routes registered, %d in the table", len(e.s.wsRoutes), len(want))
	}

	png := tinyPNG()
	rep := e.submit(report.Submission{Description: "objet du test", URLs: []string{"https://hebergeur.example/x"}, Attachments: []report.Upload{{Filename: "a.png", Content: png}}})
	stored, _ := e.db.ReportByID(bg, rep)
	sha := stored.Attachments[0].SHA256
	for i := 0; i < 40; i++ {
		e.submit(report.Submission{Description: fmt.Sprintf("file %d", i)})
	}
	c, err := e.cases.Create(bg, "Fiche du test", []string{rep}, "setup")
	if err != nil {
		t.Fatal(err)
	}
	cat, _ := taxonomy.Default().Lookup("fraud.scam")
	if _, err := e.cases.Qualify(bg, c.ID, "fraud.scam", cat.Legal[:1], "synthèse", "normal", "setup"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cases.Refer(bg, c.ID, []casefile.ReferralChoice{{Destination: "ofac-fraud", Delivered: true, AckWithin: time.Hour}}, []string{"ofac-fraud"}, "", "setup"); err != nil {
		t.Fatal(err)
	}
	notice, err := (&removal.Service{Store: e.db}).Send(bg, c.ID, []string{"https://hebergeur.example/x"}, "https://hebergeur.example/x", "Hébergeur", "notice", "setup")
	if err != nil {
		t.Fatal(err)
	}
	users := map[account.Role]account.User{}
	for _, role := range all {
		users[role], _ = e.user(string(role)+"@vigie.test", role, "ofac-fraud")
	}
	victim, _ := e.user("victim@vigie.test", account.RoleAnalyst, "")

	path := func(pattern string) (string, string) {
		method, p, _ := strings.Cut(pattern, " ")
		p = strings.TrimSuffix(p, "{$}")
		p = strings.ReplaceAll(p, "{sha}", sha)
		p = strings.ReplaceAll(p, "{format}", "stix")
		p = strings.ReplaceAll(p, "{nid}", notice.ID)
		switch {
		case strings.HasPrefix(p, "/w/reports/"):
			p = strings.ReplaceAll(p, "{id}", rep)
		case strings.HasPrefix(p, "/w/users/"):
			p = strings.ReplaceAll(p, "{id}", fmt.Sprint(victim.ID))
		default:
			p = strings.ReplaceAll(p, "{id}", c.ID)
		}
		return method, p
	}
	for _, r := range e.s.wsRoutes {
		method, p := path(r.Pattern)
		for _, role := range all {
			allowed := slices.Contains(want[r.Pattern], role)
			var form url.Values
			if method == http.MethodPost {
				form = url.Values{}
			}
			w := e.do(method, p, e.session(users[role]), form)
			switch {
			case !allowed && w.Code != http.StatusForbidden:
				t.Errorf("%s as %s: %d, want 403", r.Pattern, role, w.Code)
			case allowed && (w.Code == http.StatusForbidden || w.Code == http.StatusUnauthorized || w.Code == http.StatusNotFound || w.Code >= 500):
				t.Errorf("%s as %s: %d, want it allowed", r.Pattern, role, w.Code)
			}
		}
		// Without a session: pages send to the login form, actions are refused.
		w := e.do(method, p, nil, url.Values{})
		if method == http.MethodGet && (w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/w/login?next=")) {
			t.Errorf("%s anonymous: %d %s", r.Pattern, w.Code, w.Header().Get("Location"))
		}
		if method == http.MethodPost && w.Code != http.StatusUnauthorized {
			t.Errorf("%s anonymous: %d, want 401", r.Pattern, w.Code)
		}
	}
	if len(e.audited("access.denied", "")) == 0 {
		t.Error("denied accesses were not audited")
	}
}

// TestObjectAccess: guessing an id reveals nothing, and a destination sees
// only the cases referred to it.
func TestObjectAccess(t *testing.T) {
	e := newWSEnv(t)
	analyst, _ := e.user("ana@vigie.test", account.RoleAnalyst, "")
	dest, _ := e.user("dest@vigie.test", account.RoleDestination, "ofac-fraud")
	other, _ := e.user("other@vigie.test", account.RoleDestination, "ofmin")
	rep := e.submit(report.Submission{Description: "a", Attachments: []report.Upload{{Filename: "a.png", Content: tinyPNG()}}})
	rep2 := e.submit(report.Submission{Description: "b", Attachments: []report.Upload{{Filename: "b.txt", Content: []byte("texte")}}})
	st2, _ := e.db.ReportByID(bg, rep2)
	c, _ := e.cases.Create(bg, "Fiche", []string{rep}, "setup")
	cat, _ := taxonomy.Default().Lookup("fraud.scam")
	e.cases.Qualify(bg, c.ID, "fraud.scam", cat.Legal[:1], "s", "normal", "setup")
	e.cases.Refer(bg, c.ID, []casefile.ReferralChoice{{Destination: "ofac-fraud", Delivered: true, AckWithin: time.Hour}}, []string{"ofac-fraud"}, "", "setup")
	uncited, _ := e.cases.Create(bg, "Autre", []string{rep2}, "setup")

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
		if w := e.do("GET", tc.path, tc.cookie, nil); w.Code != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, w.Code, tc.want)
		}
	}
	inbox := e.do("GET", "/w/inbox", d, nil).Body.String()
	if !strings.Contains(inbox, c.ID) || strings.Contains(inbox, uncited.ID) {
		t.Error("the destination's inbox does not list exactly its cases")
	}
	if w := e.do("GET", "/w/inbox", o, nil); strings.Contains(w.Body.String(), c.ID) {
		t.Error("another destination's inbox lists the case")
	}
}

func (e *wsEnv) login(email, secret string) *httptest.ResponseRecorder {
	e.t.Helper()
	e.clock.add(30 * time.Second) // a fresh TOTP step: a code is accepted once
	code, err := totp.GenerateCode(secret, e.clock.now())
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do("POST", "/w/login", nil, url.Values{"email": {email}, "password": {"correct horse battery"}, "code": {code}, "next": {"/w/queue"}})
}

func sessionOf(t *testing.T, w *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name == sessionCookie {
			return c
		}
	}
	t.Fatalf("no session cookie (status %d)", w.Code)
	return nil
}

func TestLoginSessionCookieAndLogout(t *testing.T) {
	e := newWSEnv(t)
	_, secret := e.user("ana@vigie.test", account.RoleAnalyst, "")
	w := e.login("ana@vigie.test", secret)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/w/queue" {
		t.Fatalf("login: %d %s", w.Code, w.Header().Get("Location"))
	}
	c := sessionOf(t, w)
	if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode || c.Path != "/w/" {
		t.Errorf("session cookie flags: %+v", c)
	}
	if len(e.audited("login", "")) != 1 {
		t.Error("login not audited")
	}
	if w := e.do("GET", "/w/queue", c, nil); w.Code != 200 {
		t.Fatalf("queue after login: %d", w.Code)
	}
	if w := e.do("POST", "/w/logout", c, url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatalf("logout: %d", w.Code)
	}
	if w := e.do("GET", "/w/queue", c, nil); w.Code != http.StatusSeeOther {
		t.Fatalf("queue after logout: %d, want a redirect to login", w.Code)
	}
	// An open redirect through next= is refused.
	e.clock.add(30 * time.Second)
	code, _ := totp.GenerateCode(secret, e.clock.now())
	w = e.do("POST", "/w/login", nil, url.Values{"email": {"ana@vigie.test"}, "password": {"correct horse battery"}, "code": {code}, "next": {"//evil.example/w/"}})
	if w.Header().Get("Location") != "/w/" {
		t.Errorf("next=//evil.example went to %q", w.Header().Get("Location"))
	}
}

func TestLoginBruteForce(t *testing.T) {
	e := newWSEnv(t)
	_, secret := e.user("ana@vigie.test", account.RoleAnalyst, "")
	e.s.Limits.Login.PerSecond, e.s.Limits.Login.Burst = 1000, 1000 // the account lock first
	for i := 0; i < 5; i++ {
		w := e.do("POST", "/w/login", nil, url.Values{"email": {"ana@vigie.test"}, "password": {fmt.Sprintf("guess %d guess", i)}, "code": {"123456"}})
		if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "incorrect") {
			t.Fatalf("failure %d: %d", i, w.Code)
		}
	}
	if w := e.login("ana@vigie.test", secret); w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "verrouillé") {
		t.Fatalf("right password on a locked account: %d", w.Code)
	}
	if got := len(e.audited("login.failed", "")); got != 5 {
		t.Errorf("%d failed logins audited, want 5", got)
	}
	if len(e.audited("login.locked", "")) != 1 {
		t.Error("login on a locked account not audited")
	}
	e.clock.add(16 * time.Minute)
	if w := e.login("ana@vigie.test", secret); w.Code != http.StatusSeeOther {
		t.Fatalf("after the lock: %d", w.Code)
	}

	// Per address: many accounts tried from one address are slowed down.
	e.s.Limits.Login.PerSecond, e.s.Limits.Login.Burst = 10.0/60, 10
	var last int
	for i := 0; i < 12; i++ {
		last = e.do("POST", "/w/login", nil, url.Values{"email": {fmt.Sprintf("u%d@vigie.test", i)}, "password": {"x"}, "code": {"1"}}).Code
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("12 attempts in a row from one address: last %d, want 429", last)
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	e := newWSEnv(t)
	u, _ := e.user("ana@vigie.test", account.RoleAnalyst, "")
	e.submit(report.Submission{Description: "x"})
	r := httptest.NewRequest("POST", "/w/queue/next", strings.NewReader(""))
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	r.Header.Set("Origin", "https://evil.example")
	r.AddCookie(e.session(u))
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	if w.Code != http.StatusForbidden {
		t.Fatalf("cross-site POST: %d, want 403", w.Code)
	}
	if items, _ := e.db.Queue(bg, e.queueAll()); items[0].Assignee != "" {
		t.Fatal("the cross-site request took a report")
	}
	// Same origin passes.
	r = httptest.NewRequest("POST", "/w/queue/next", strings.NewReader(""))
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.AddCookie(e.session(u))
	w = httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
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
	_, secret := e.user("ana@vigie.test", account.RoleAnalyst, "")
	desc := "Faux conseiller " + strings.Join(payloads, " ") + " IBAN FR7630006000011234567890189"
	ack, err := e.intake.Submit(bg, report.Submission{Category: "fraud.scam", Description: desc, Urgent: true, Anonymous: true,
		URLs: []string{"https://faux-conseiller.example/<script>alert(4)</script>"}, Channel: report.ChannelWeb,
		Attachments: []report.Upload{{Filename: `<img src=x onerror=alert(6)>.png`, Content: tinyPNG()}}})
	if err != nil {
		t.Fatal(err)
	}
	twin := e.submit(report.Submission{Description: "même IBAN FR76 3000 6000 0112 3456 7890 189"})
	e.link()
	c := sessionOf(t, e.login("ana@vigie.test", secret))

	queue := e.do("GET", "/w/queue", c, nil).Body.String()
	assertNoMarkup(t, "queue", queue)
	if len(e.audited("queue.view", "")) != 1 {
		t.Error("queue view not audited")
	}
	if !strings.Contains(queue, ack.Receipt) {
		t.Fatal("the queue does not list the report")
	}
	w := e.do("POST", "/w/queue/next", c, url.Values{})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/w/reports/"+ack.ID {
		t.Fatalf("take next: %d %s (want the urgent report)", w.Code, w.Header().Get("Location"))
	}
	page := e.do("GET", "/w/reports/"+ack.ID, c, nil)
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
	if len(e.audited("report.view", ack.ID)) != 1 {
		t.Error("report view not audited")
	}
	revealed := e.do("GET", "/w/reports/"+ack.ID+"?reveal="+mustSHA(t, e, ack.ID), c, nil).Body.String()
	if strings.Contains(revealed, `class="preview blurred"`) || !strings.Contains(revealed, `class="preview"`) {
		t.Error("reveal did not unblur the image")
	}
	dl := e.do("GET", "/w/reports/"+ack.ID+"/attachments/"+mustSHA(t, e, ack.ID), c, nil)
	if dl.Code != 200 || dl.Header().Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(dl.Header().Get("Content-Disposition"), "attachment;") || strings.Contains(dl.Header().Get("Content-Disposition"), "onerror") {
		t.Errorf("download: %d %v", dl.Code, dl.Header())
	}
	if len(e.audited("attachment.download", ack.ID+"/"+mustSHA(t, e, ack.ID))) != 1 {
		t.Error("download not audited")
	}

	w = e.do("POST", "/w/cases", c, url.Values{"report": {ack.ID, twin}, "title": {"Faux conseiller <b>bancaire</b>"}})
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
		if w := e.do("POST", caseURL+s.path, c, s.form); w.Code != s.code {
			t.Fatalf("%s: %d, want %d: %s", s.path, w.Code, s.code, w.Body.String())
		}
	}
	casePage := e.do("GET", caseURL, c, nil).Body.String()
	assertNoMarkup(t, "case page", casePage)
	for _, want := range []string{"Close", "Suites données", "OFAC — groupe des escroqueries", "&lt;img src=x onerror=alert(8)&gt;"} {
		if !strings.Contains(casePage, want) {
			t.Errorf("case page lacks %q", want)
		}
	}
	if st, _ := e.intake.FollowUp(bg, ack.Receipt, ack.FollowUpSecret); st != report.StatusClosed {
		t.Errorf("reporter sees %q, want closed", st)
	}
	for _, action := range []string{"case.create", "case.qualify", "case.note", "case.refer", "case.close", "case.view"} {
		if len(e.audited(action, "")) == 0 && len(e.audited(action, caseID)) == 0 {
			t.Errorf("%s not audited", action)
		}
	}

	// Search finds the case by its note and the report by its words and identifier.
	found := e.do("GET", "/w/search?q=FR76+3000+6000+0112+3456+7890+189", c, nil).Body.String()
	if !strings.Contains(found, ack.Receipt) || !strings.Contains(found, "iban") {
		t.Error("search by identifier did not find the report")
	}
	if found := e.do("GET", "/w/search?q=conseiller", c, nil).Body.String(); !strings.Contains(found, ack.Receipt) || !strings.Contains(found, caseID) {
		t.Error("full-text search did not find the report and the case")
	}
	verify, err := audit.Verify(bg, e.db)
	if err != nil || verify.Entries < 10 {
		t.Fatalf("audit chain: %+v %v", verify, err)
	}
}

func mustSHA(t *testing.T, e *wsEnv, id string) string {
	t.Helper()
	r, err := e.db.ReportByID(bg, id)
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
	if strings.Contains(body, "<script") {
		t.Errorf("%s: holds a script element", where)
	}
}

func TestEnrolmentLink(t *testing.T) {
	e := newWSEnv(t)
	u, err := e.accounts.AddUser(bg, "new@vigie.test", account.RoleAnalyst, "")
	if err != nil {
		t.Fatal(err)
	}
	token, _ := e.accounts.StartEnrolment(bg, u.ID)
	page := e.do("GET", "/w/enrol/"+token, nil, nil)
	if page.Code != 200 {
		t.Fatalf("enrol page: %d", page.Code)
	}
	body := page.Body.String()
	i := strings.Index(body, `name="secret" value="`)
	secret := body[i+len(`name="secret" value="`):]
	secret = secret[:strings.IndexByte(secret, '"')]
	code, _ := totp.GenerateCode(secret, e.clock.now())
	form := url.Values{"password": {"a long enough passphrase"}, "password2": {"a long enough passphrase"}, "secret": {secret}, "code": {code}}
	mismatch := url.Values{"password": {"a long enough passphrase"}, "password2": {"another one entirely"}, "secret": {secret}, "code": {code}}
	if w := e.do("POST", "/w/enrol/"+token, nil, mismatch); w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("mismatched passwords: %d", w.Code)
	}
	if w := e.do("POST", "/w/enrol/"+token, nil, form); w.Code != http.StatusSeeOther {
		t.Fatalf("enrol: %d %s", w.Code, w.Body.String())
	}
	if w := e.do("GET", "/w/enrol/"+token, nil, nil); w.Code != http.StatusNotFound {
		t.Fatalf("spent link: %d", w.Code)
	}
	e.clock.add(30 * time.Second)
	code, _ = totp.GenerateCode(secret, e.clock.now())
	w := e.do("POST", "/w/login", nil, url.Values{"email": {"new@vigie.test"}, "password": {"a long enough passphrase"}, "code": {code}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("login after enrolment: %d", w.Code)
	}
}

// TestDestinationAcknowledgesAndReportsOutcome: the destination's user
// acts on its own referral only; the analysts see the outcome.
func TestDestinationAcknowledgesAndReportsOutcome(t *testing.T) {
	e := newWSEnv(t)
	analyst, _ := e.user("ana@vigie.test", account.RoleAnalyst, "")
	dest, _ := e.user("fraude@ofac.test", account.RoleDestination, "ofac-fraud")
	other, _ := e.user("mineurs@ofmin.test", account.RoleDestination, "ofmin")
	rep := e.submit(report.Submission{Description: "faux conseiller <script>alert(1)</script>"})
	c, _ := e.cases.Create(bg, "Fiche", []string{rep}, "ana@vigie.test")
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
		if w := e.do("POST", "/w/cases/"+c.ID+step.path, ana, step.form); w.Code != http.StatusSeeOther {
			t.Fatalf("%s: %d %s", step.path, w.Code, w.Body.String())
		}
	}
	if w := e.do("POST", "/w/cases/"+c.ID+"/facts", ana, url.Values{"departement": {"100"}}); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("unknown département: %d", w.Code)
	}
	page := e.do("GET", "/w/cases/"+c.ID, ana, nil).Body.String()
	for _, want := range []string{"victim-in-a-departement", "scams", "Police, département 69", "Remise"} {
		if !strings.Contains(page, want) {
			t.Errorf("case page lacks %q", want)
		}
	}
	d, o := e.session(dest), e.session(other)
	if w := e.do("POST", "/w/inbox/"+c.ID+"/acknowledge", o, url.Values{}); w.Code != http.StatusNotFound {
		t.Errorf("another destination acknowledged: %d", w.Code)
	}
	inbox := e.do("GET", "/w/inbox/"+c.ID, d, nil).Body.String()
	assertNoMarkup(t, "destination's case page", inbox)
	if !strings.Contains(inbox, `id="acknowledge"`) {
		t.Fatal("no acknowledge button for the destination")
	}
	if w := e.do("POST", "/w/inbox/"+c.ID+"/acknowledge", d, url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatalf("acknowledge: %d", w.Code)
	}
	if w := e.do("POST", "/w/inbox/"+c.ID+"/outcome", d, url.Values{"outcome": {""}}); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("empty outcome: %d", w.Code)
	}
	if w := e.do("POST", "/w/inbox/"+c.ID+"/outcome", d, url.Values{"outcome": {"Enquête ouverte <b>x</b>"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("outcome: %d", w.Code)
	}
	got, _ := e.db.CaseByID(bg, c.ID)
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
	page = e.do("GET", "/w/cases/"+c.ID, ana, nil).Body.String()
	if !strings.Contains(page, "Enquête ouverte &lt;b&gt;x&lt;/b&gt;") || !strings.Contains(page, "Suite connue") {
		t.Error("the analysts do not see the outcome")
	}
	if len(e.audited("referral.acknowledge", c.ID)) != 1 || len(e.audited("referral.outcome", c.ID)) != 1 {
		t.Error("destination acts not audited")
	}
}

func TestFiguresPages(t *testing.T) {
	e := newWSEnv(t)
	for i := 0; i < 3; i++ {
		e.submit(report.Submission{Category: "fraud.scam", Description: "x"})
	}
	rep := e.submit(report.Submission{Category: "minors.grooming", Description: "y"})
	e.db.AddVisits(bg, time.Now(), 41*4)
	c, _ := e.cases.Create(bg, "Fiche", []string{rep}, "ana")
	cat, _ := taxonomy.Default().Lookup("minors.grooming")
	e.cases.Qualify(bg, c.ID, "minors.grooming", cat.Legal[:1], "s", "high", "ana")
	e.cases.Refer(bg, c.ID, []casefile.ReferralChoice{{Destination: "interpol"}, {Destination: "ofmin"}}, []string{"interpol", "ofmin"}, "", "ana")
	if err := e.db.RefreshStats(bg, time.Now().AddDate(0, 0, -1)); err != nil {
		t.Fatal(err)
	}
	page := e.do("GET", "/figures?period=day", nil, nil)
	body := page.Body.String()
	if page.Code != 200 {
		t.Fatalf("figures: %d", page.Code)
	}
	for _, want := range []string{"<svg", "<th scope=\"row\">Visites</th><td>164</td>", "<th scope=\"row\">Signalements</th><td>4</td>",
		"<th scope=\"row\">Transmissions aux services français</th><td>1</td>", "<th scope=\"row\">Transmissions à l&#39;étranger (Interpol, hotlines)</th><td>1</td>",
		"Escroquerie", "Interpol (bureau central national)"} {
		if !strings.Contains(body, want) {
			t.Errorf("figures page lacks %q", want)
		}
	}
	var api struct {
		Visits, Reports, Cases int64
		ReferralsAbroad        int64 `json:"referrals_abroad"`
		ByCategory             []struct {
			Category string
			Reports  int64
		} `json:"by_category"`
	}
	w := e.do("GET", "/api/v1/stats?period=week", nil, nil)
	if err := json.Unmarshal(w.Body.Bytes(), &api); err != nil || api.Reports != 4 || api.Visits != 164 || api.Cases != 1 || api.ReferralsAbroad != 1 || api.ByCategory[0].Category != "fraud.scam" || api.ByCategory[0].Reports != 3 {
		t.Fatalf("api: %s %v", w.Body.String(), err)
	}
	csvBody := e.do("GET", "/figures.csv?period=month", nil, nil).Body.String()
	if !strings.HasPrefix(csvBody, "period,visits,reports,cases,referrals\n"+time.Now().UTC().Format("2006-01")+",164,4,1,2") {
		t.Errorf("csv: %q", csvBody)
	}
	for _, bad := range []string{"/figures?period=year", "/figures?from=yesterday", "/figures?from=2026-01-01&to=2025-01-01"} {
		if w := e.do("GET", bad, nil, nil); w.Code != http.StatusBadRequest {
			t.Errorf("%s: %d", bad, w.Code)
		}
	}
	if w := e.do("GET", "/api/v1/stats?period=year", nil, nil); w.Code != http.StatusBadRequest {
		t.Errorf("api bad period: %d", w.Code)
	}
}

func TestAdvicePages(t *testing.T) {
	e := newWSEnv(t)
	form := e.do("GET", "/report?category=fraud.scam", nil, nil).Body.String()
	if !strings.Contains(form, "Appelez votre banque") || !strings.Contains(form, `<details class="advice-article" open>`) {
		t.Error("the scam form does not open with what to do now")
	}
	en := e.do("GET", "/advice/fraud.scam?lang=en", nil, nil).Body.String()
	if !strings.Contains(en, "<h1>Victim of an online scam: what to do now</h1>") || !strings.Contains(en, `href="tel:0805805817"`) {
		t.Error("English article not rendered")
	}
	if idx := e.do("GET", "/advice", nil, nil); idx.Code != 200 || !strings.Contains(idx.Body.String(), "/advice/minors.grooming") {
		t.Errorf("advice index: %d", idx.Code)
	}
	// A category without an article shows the taxonomy's advice.
	if other := e.do("GET", "/advice/other", nil, nil); other.Code != 200 {
		t.Errorf("category without article: %d", other.Code)
	}
	if w := e.do("GET", "/advice/no.such", nil, nil); w.Code != 404 {
		t.Errorf("unknown category: %d", w.Code)
	}
}

func TestCaseExports(t *testing.T) {
	e := newWSEnv(t)
	analyst, _ := e.user("ana@vigie.test", account.RoleAnalyst, "")
	rep := e.submit(report.Submission{Description: "Virement sur FR76 3000 6000 0112 3456 7890 189", URLs: []string{"https://faux.example/p"}})
	e.link()
	c, _ := e.cases.Create(bg, "Fiche", []string{rep}, "ana")
	ana := e.session(analyst)
	for format, ctype := range map[string]string{"stix": "application/stix+json;version=2.1", "misp": "application/json", "csv": "text/csv; charset=utf-8", "summary": "text/plain; charset=utf-8"} {
		w := e.do("GET", "/w/cases/"+c.ID+"/export/"+format, ana, nil)
		if w.Code != 200 || w.Header().Get("Content-Type") != ctype || !strings.Contains(w.Header().Get("Content-Disposition"), "attachment") {
			t.Errorf("%s: %d %v", format, w.Code, w.Header())
		}
		if !strings.Contains(w.Body.String(), "faux.example") {
			t.Errorf("%s lacks the case's URL", format)
		}
		if len(e.audited("case.export."+format, c.ID)) != 1 {
			t.Errorf("%s export not audited", format)
		}
	}
	if w := e.do("GET", "/w/cases/"+c.ID+"/export/pdf", ana, nil); w.Code != 404 {
		t.Errorf("unknown format: %d", w.Code)
	}
}

func TestRemovalNoticesOverHTTP(t *testing.T) {
	e := newWSEnv(t)
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusGone) }))
	defer host.Close()
	e.s.Checker = safehttp.NewClient(safehttp.Options{AllowLoopback: true})
	analyst, _ := e.user("ana@vigie.test", account.RoleAnalyst, "")
	ana := e.session(analyst)
	terror := e.submit(report.Submission{Category: "terrorism.apology", Description: "vidéo", URLs: []string{host.URL + "/v/1"}})
	minors := e.submit(report.Submission{Category: "minors.abuse-material", Description: "forum", URLs: []string{host.URL + "/m/1"}})
	ct, _ := e.cases.Create(bg, "Vidéo", []string{terror}, "ana")
	cm, _ := e.cases.Create(bg, "Forum", []string{minors}, "ana")
	if w := e.do("POST", "/w/cases/"+ct.ID+"/notices", ana, url.Values{"url": {host.URL + "/v/1"}, "kind": {"removal-order"}, "host": {"Hébergeur <b>SAS</b>"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("send: %d %s", w.Code, w.Body.String())
	}
	if w := e.do("POST", "/w/cases/"+ct.ID+"/notices", ana, url.Values{"url": {"https://elsewhere.example/"}, "kind": {"removal-order"}, "host": {"x"}}); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("URL outside the case: %d", w.Code)
	}
	notices, _ := e.db.CaseNotices(bg, ct.ID)
	if len(notices) != 1 || notices[0].DueAt.Sub(notices[0].SentAt) != time.Hour {
		t.Fatalf("notices: %+v", notices)
	}
	if w := e.do("POST", "/w/notices/"+notices[0].ID+"/check", ana, url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatalf("check: %d", w.Code)
	}
	page := e.do("GET", "/w/cases/"+ct.ID, ana, nil).Body.String()
	if !strings.Contains(page, "410 Gone") || !strings.Contains(page, "Hébergeur &lt;b&gt;SAS&lt;/b&gt;") || !strings.Contains(page, "Retiré") {
		t.Error("the case page does not show the checked notice")
	}
	e.do("POST", "/w/cases/"+cm.ID+"/notices", ana, url.Values{"url": {host.URL + "/m/1"}, "kind": {"administrative"}, "host": {"Forum host"}})
	mn, _ := e.db.CaseNotices(bg, cm.ID)
	if w := e.do("POST", "/w/notices/"+mn[0].ID+"/check", ana, url.Values{}); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("a minors URL was fetched: %d", w.Code)
	}
	if strings.Contains(e.do("GET", "/w/cases/"+cm.ID, ana, nil).Body.String(), "/check") {
		t.Error("the minors case offers a check")
	}
	if w := e.do("POST", "/w/notices/"+mn[0].ID+"/record", ana, url.Values{"removed": {"yes"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("record: %d", w.Code)
	}
	if len(e.audited("notice.send", ct.ID)) != 1 || len(e.audited("notice.check", ct.ID)) != 1 || len(e.audited("notice.record", cm.ID)) != 1 {
		t.Error("notice acts not audited")
	}
	figures := e.do("GET", "/figures", nil, nil).Body.String()
	if !strings.Contains(figures, "Contenus retirés après demande</th><td>2 — délai médian") {
		t.Error("the figures do not show removal times")
	}
}
