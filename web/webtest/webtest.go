// Package webtest helps the tests of the HTTP packages: a SQLite store
// with the services the audiences are built on (Fixture), and the check
// that an audience registers every route with what it needs
// (CheckRoutes). Only tests import it.
package webtest

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/altcha"
	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/bank"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/destination"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/sqlite"
	"github.com/vigie-platform/vigie/taxonomy"
	"github.com/vigie-platform/vigie/triage"
	"github.com/vigie-platform/vigie/visit"
	"github.com/vigie-platform/vigie/web"
	"github.com/vigie-platform/vigie/web/figures"
)

// Clock is a settable clock shared by the server's services.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock on.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Fixture is a real SQLite store with the services the audiences are
// built on. A test mounts what it tests on a mux, wraps it with Kit's
// Handler and sets Handler, which Do serves.
type Fixture struct {
	T        *testing.T
	DB       *sqlite.DB
	Clock    *Clock
	Intake   *report.Intake
	Accounts *account.Service
	Cases    *casefile.Service
	Triage   *triage.Service
	Visits   *visit.Counter
	Altcha   *altcha.Service
	Kit      *web.Kit
	Figures  *figures.Reader
	Handler  http.Handler
	// Banks of known content, and the matcher and worker Match runs.
	Banks   *bank.Service
	Matcher *bank.Matcher
	Matches *bank.Worker
}

var bg = context.Background()

// New opens a store in a temporary folder, closed when the test ends.
func New(t *testing.T) *Fixture {
	t.Helper()
	db, err := sqlite.Open(bg, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clock := &Clock{t: time.Now()}
	intake := report.NewIntake(db, db, taxonomy.Default(), []byte("k"), nil)
	matcher := bank.NewMatcher(db, 0, nil)
	return &Fixture{T: t, DB: db, Clock: clock, Intake: intake,
		Banks: bank.NewService(db, db, clock.Now), Matcher: matcher, Matches: bank.NewWorker(db, matcher, nil, nil),
		Accounts: account.NewService(db, account.DefaultPolicy(), clock.Now),
		Cases:    casefile.NewService(db, taxonomy.Default(), nil),
		Triage:   triage.NewService(db, db, db, clock.Now),
		Visits:   visit.NewCounter(db, nil, nil),
		Altcha:   altcha.New([]byte("pow-key"), 5000, 10*time.Minute, db, nil),
		Kit:      web.NewKit(nil, nil, nil, web.Proxies{}, intake.Taxonomy()),
		Figures:  &figures.Reader{Stats: db, Notices: db, Destinations: destination.Default(), Taxonomy: intake.Taxonomy()}}
}

// User makes an enrolled account and returns it with its TOTP secret.
func (f *Fixture) User(email string, role account.Role, destination string) (account.User, string) {
	f.T.Helper()
	u, err := f.Accounts.AddUser(bg, email, role, destination, "admin@vigie.test")
	if err != nil {
		f.T.Fatal(err)
	}
	secret, _, _ := f.Accounts.NewTOTPSecret(email)
	if err := f.Accounts.SetCredentials(bg, u.ID, "correct horse battery", secret); err != nil {
		f.T.Fatal(err)
	}
	return u, secret
}

// Do serves one request: a form, when given, is sent url-encoded.
func (f *Fixture) Do(method, path string, c *http.Cookie, form url.Values) *httptest.ResponseRecorder {
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
	f.Handler.ServeHTTP(w, r)
	return w
}

// Submit stores a report sent by API (a scam unless said otherwise) and
// returns its id.
func (f *Fixture) Submit(sub report.Submission) string {
	f.T.Helper()
	if sub.Category == "" {
		sub.Category = "fraud.scam"
	}
	sub.Anonymous, sub.Channel, sub.TokenName = true, report.ChannelAPI, "t"
	ack, err := f.Intake.Submit(bg, sub)
	if err != nil {
		f.T.Fatal(err)
	}
	return ack.ID
}

// Match refreshes the banks and matches every queued report's media.
func (f *Fixture) Match() {
	f.T.Helper()
	if err := f.Matcher.Refresh(bg); err != nil {
		f.T.Fatal(err)
	}
	for {
		n, err := f.Matches.RunOnce(bg)
		if err != nil {
			f.T.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// Link runs the linker until every report is linked.
func (f *Fixture) Link() {
	f.T.Helper()
	l := correlate.NewLinker(f.DB, correlate.DefaultWarningList(), indicator.DefaultOptions, nil)
	for {
		n, err := l.LinkOnce(bg, 100)
		if err != nil {
			f.T.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// Audited lists the audit entries of an action (on an object, if given).
func (f *Fixture) Audited(action, objectID string) []audit.Entry {
	f.T.Helper()
	got, err := f.DB.FindAudit(bg, audit.Filter{Action: action, ObjectID: objectID})
	if err != nil {
		f.T.Fatal(err)
	}
	return got
}

// TinyPNG is a 2×2 image.
func TinyPNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}
