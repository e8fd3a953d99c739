package feeds

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/miekg/dns"

	"github.com/vigie-platform/vigie/apitoken"
	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/blocking"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/export"
	"github.com/vigie-platform/vigie/feed"
	"github.com/vigie-platform/vigie/removal"
	"github.com/vigie-platform/vigie/web"
	"github.com/vigie-platform/vigie/web/webtest"
)

var bg = context.Background()

func TestRoutesDeclareTheirNeed(t *testing.T) {
	kit := web.NewKit(nil, nil, nil, web.Proxies{}, nil)
	webtest.CheckRoutes(t, ".", func(mux web.Mux) []web.Route {
		return Mount(mux, kit, Deps{Blocklist: &feed.Cache{}})
	}, func(need string) bool { return slices.Contains(apitoken.KnownScopes, need) })
}

type env struct {
	*webtest.Fixture
	cache *feed.Cache
	ns    uuid.UUID
}

var grace = 48 * time.Hour

func newEnv(t *testing.T) *env {
	f := webtest.New(t)
	ns := export.InstallationNamespace([]byte("feeds test"))
	cache := &feed.Cache{Store: f.DB, Check: time.Nanosecond, Now: f.Clock.Now,
		Options: feed.Options{Grace: grace, Zone: "rpz.test.", Shared: feed.SharedBy(correlate.DefaultWarningList())}}
	mux := http.NewServeMux()
	Mount(mux, f.Kit, Deps{Tokens: f.DB, Audit: f.DB, Blocklist: cache, Store: f.DB, Payments: feed.DefaultPaymentRule, Namespace: ns, Now: f.Clock.Now})
	f.Handler = f.Kit.Handler(mux)
	return &env{Fixture: f, cache: cache, ns: ns}
}

// token makes a token with scopes and returns its secret.
func (e *env) token(name string, scopes ...string) string {
	e.T.Helper()
	secret, hash := apitoken.New()
	if _, err := e.DB.CreateToken(bg, apitoken.Token{Name: name, Hash: hash, Scopes: scopes, CreatedAt: time.Now()}); err != nil {
		e.T.Fatal(err)
	}
	return secret
}

// get serves a GET with headers (name, value, name, value…).
func (e *env) get(path string, headers ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	e.Handler.ServeHTTP(w, r)
	return w
}

// request escalates a notice for url into a blocking request, reviewed
// into state at the clock's time (pending: left as is).
func (e *env) request(id, url, state string) {
	e.T.Helper()
	at := e.Clock.Now().Add(-72 * time.Hour)
	n := removal.Notice{ID: "n-" + id, CaseID: "c-" + id, URL: url, Host: "abuse@h.example", Kind: "administrative", LegalBasis: "LCEN 6-1",
		SentAt: at, DueAt: at.Add(24 * time.Hour), Status: removal.StatusSent, Actor: "ana", Category: "fraud.scam"}
	if err := e.DB.CreateNotice(bg, n); err != nil {
		e.T.Fatal(err)
	}
	n.Status, n.EscalatedAt = removal.StatusEscalated, at.Add(25*time.Hour)
	if err := e.DB.EscalateNotice(bg, n, blocking.Request{ID: id, NoticeID: n.ID, CaseID: n.CaseID, URL: url, Domain: blocking.DomainOf(url),
		Category: "fraud.scam", Reason: "still online", RequestedAt: n.EscalatedAt, Batch: blocking.BatchOf(n.EscalatedAt), State: blocking.StatePending}); err != nil {
		e.T.Fatal(err)
	}
	if state != blocking.StatePending {
		if err := e.DB.ReviewBlockingRequest(bg, id, state, "qualifiee", "", e.Clock.Now()); err != nil {
			e.T.Fatal(err)
		}
	}
}

// gone records a request's content confirmed gone ago.
func (e *env) gone(id string, ago time.Duration) {
	e.T.Helper()
	if err := e.DB.SetBlockingGone(bg, "n-"+id, e.Clock.Now().Add(-ago)); err != nil {
		e.T.Fatal(err)
	}
}

// fixtures: two approved live, one approved gone within the grace, one
// gone beyond it, a pending, a refused, a shared host and an address.
func (e *env) fixtures() {
	e.request("live-1", "https://arnaque.example/login", blocking.StateApproved)
	e.Clock.Add(time.Second)
	e.request("live-2", "https://faux-conseiller.example/rdv?x=1", blocking.StateApproved)
	e.request("grace", "https://recent-gone.example/", blocking.StateApproved)
	e.request("expired", "https://old-gone.example/", blocking.StateApproved)
	e.request("pending", "https://en-attente.example/", blocking.StatePending)
	e.request("refused", "https://refusee.example/", blocking.StateRefused)
	e.request("shared", "https://www.facebook.com/faux.conseiller", blocking.StateApproved)
	e.request("address", "http://192.0.2.7/phish", blocking.StateApproved)
	e.Clock.Add(time.Second)
	e.gone("grace", 47*time.Hour)
	e.gone("expired", 49*time.Hour)
}

// TestBlocklistServesApprovedLiveOnly: the three formats hold the
// approved live requests and nothing pending, refused or expired; the
// zone lists neither a shared host nor an address; every download is
// audited with the token's name and the entries served.
func TestBlocklistServesApprovedLiveOnly(t *testing.T) {
	e := newEnv(t)
	e.fixtures()
	secret := e.token("fai-exemple", apitoken.ScopeFeedsRead)
	for _, path := range []string{"/feeds/blocklist.rpz", "/feeds/blocklist.txt", "/feeds/blocklist.csv"} {
		w := e.get(path, "Authorization", "Bearer "+secret)
		if w.Code != 200 {
			t.Fatalf("%s: %d %s", path, w.Code, w.Body)
		}
		body := w.Body.String()
		for _, in := range []string{"arnaque.example", "faux-conseiller.example", "recent-gone.example"} {
			if !strings.Contains(body, in) {
				t.Errorf("%s lacks %s:\n%s", path, in, body)
			}
		}
		for _, out := range []string{"old-gone", "en-attente", "refusee"} {
			if strings.Contains(body, out) {
				t.Errorf("%s serves %s:\n%s", path, out, body)
			}
		}
		if got := w.Header().Get("X-Vigie-Entries"); got != "5" {
			t.Errorf("%s: %s entries, want 5", path, got)
		}
		if path == "/feeds/blocklist.rpz" {
			if strings.Contains(body, "facebook") || strings.Contains(body, "192.0.2.7") {
				t.Errorf("the zone blocks a shared host or an address:\n%s", body)
			}
			zp := dns.NewZoneParser(strings.NewReader(body), "rpz.test.", "")
			n := 0
			for _, ok := zp.Next(); ok; _, ok = zp.Next() {
				n++
			}
			if zp.Err() != nil || n != 2+2*3 {
				t.Errorf("zone: %d records, %v", n, zp.Err())
			}
		} else if !strings.Contains(body, "https://www.facebook.com/faux.conseiller") || !strings.Contains(body, "http://192.0.2.7/phish") {
			t.Errorf("%s lacks the URL-level entries:\n%s", path, body)
		}
		entries := e.Audited("feed.download", "blocklist."+path[len("/feeds/blocklist."):])
		if len(entries) != 1 || entries[0].Actor != "token:fai-exemple" || !strings.Contains(entries[0].Detail, `"entries":5`) {
			t.Errorf("%s audit: %+v", path, entries)
		}
	}
	// A resolver polling with the ETag gets 304, audited too.
	w := e.get("/feeds/blocklist.rpz", "Authorization", "Bearer "+secret)
	w2 := e.get("/feeds/blocklist.rpz", "Authorization", "Bearer "+secret, "If-None-Match", w.Header().Get("ETag"))
	if w2.Code != http.StatusNotModified || w2.Body.Len() != 0 {
		t.Errorf("If-None-Match: %d", w2.Code)
	}
	if got := e.Audited("feed.download", "blocklist.rpz"); len(got) != 3 || !strings.Contains(got[0].Detail, `"not_modified":true`) {
		t.Errorf("audit after the 304: %+v", got)
	}
	// An approval reaches the feed at the next check.
	e.Clock.Add(time.Second)
	e.request("new", "https://nouvelle-arnaque.example/", blocking.StateApproved)
	if w := e.get("/feeds/blocklist.rpz", "Authorization", "Bearer "+secret); !strings.Contains(w.Body.String(), "nouvelle-arnaque.example CNAME .") {
		t.Errorf("a new approval is not served:\n%s", w.Body)
	}
}

// TestFeedAudit: when the trail refuses the entry, no data leaves.
func TestFeedAuditRefused(t *testing.T) {
	e := newEnv(t)
	e.fixtures()
	secret := e.token("fai", apitoken.ScopeFeedsRead)
	mux := http.NewServeMux()
	Mount(mux, e.Kit, Deps{Tokens: e.DB, Audit: refusingTrail{}, Blocklist: e.cache, Store: e.DB, Payments: feed.DefaultPaymentRule, Now: e.Clock.Now})
	e.Handler = e.Kit.Handler(mux)
	w := e.get("/feeds/blocklist.txt", "Authorization", "Bearer "+secret)
	if w.Code != http.StatusServiceUnavailable || strings.Contains(w.Body.String(), "arnaque") {
		t.Fatalf("download with the trail down: %d %s", w.Code, w.Body)
	}
}

type refusingTrail struct{ audit.Store }

func (refusingTrail) AppendAudit(context.Context, audit.Entry) (audit.Entry, error) {
	return audit.Entry{}, audit.ErrUnwritten
}

// TestFeedTokens: no token 401, an unknown or revoked one 401, a token
// without feeds:read 403 naming the scope; Bearer and Basic both work.
func TestFeedTokens(t *testing.T) {
	e := newEnv(t)
	e.fixtures()
	good := e.token("fai", apitoken.ScopeFeedsRead)
	other := e.token("plateforme", apitoken.ScopeReportsWrite, apitoken.ScopeIndicatorsRead)
	revoked := e.token("ancien", apitoken.ScopeFeedsRead)
	if err := e.DB.RevokeToken(bg, "ancien", time.Now()); err != nil {
		t.Fatal(err)
	}
	basic := func(user, pass string) string {
		r := httptest.NewRequest("GET", "/", nil)
		r.SetBasicAuth(user, pass)
		return r.Header.Get("Authorization")
	}
	for _, c := range []struct {
		name, path, auth string
		want             int
		says             string
	}{
		{"none", "/feeds/blocklist.rpz", "", 401, "feeds:read"},
		{"garbage", "/feeds/blocklist.csv", "Bearer nope", 401, "token"},
		{"unknown", "/feeds/payments.csv", "Bearer vgt_" + strings.Repeat("a", 52), 401, "unknown or revoked"},
		{"revoked", "/feeds/blocklist.rpz", "Bearer " + revoked, 401, "unknown or revoked"},
		{"no scope", "/feeds/blocklist.rpz", "Bearer " + other, 403, "lacks the scope feeds:read"},
		{"no scope taxii", "/taxii2/", "Bearer " + other, 403, "lacks the scope feeds:read"},
		{"bearer", "/feeds/blocklist.rpz", "Bearer " + good, 200, "CNAME"},
		{"basic", "/feeds/blocklist.txt", basic("fai", good), 200, "arnaque"},
		{"basic taxii", "/taxii2/", basic("fai", good), 200, "api_roots"},
		{"basic bad", "/taxii2/", basic("fai", "secret"), 401, "feeds:read"},
		{"payments", "/feeds/payments.csv", "Bearer " + good, 200, "type,value,reports,first_seen,last_seen"},
	} {
		w := e.get(c.path, "Authorization", c.auth)
		if w.Code != c.want || !strings.Contains(w.Body.String(), c.says) {
			t.Errorf("%s: %d %s, want %d saying %q", c.name, w.Code, w.Body, c.want, c.says)
		}
		if c.want == 401 && w.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without a challenge", c.name)
		}
		if strings.HasPrefix(c.path, "/taxii2/") && w.Header().Get("Content-Type") != MediaTAXII {
			t.Errorf("%s: TAXII answered %q", c.name, w.Header().Get("Content-Type"))
		}
	}
	if got := e.Audited("feed.download", ""); len(got) != 4 {
		t.Errorf("%d downloads audited, want the 4 served", len(got))
	}
}

func decode(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("%d %s: %v", w.Code, w.Body, err)
	}
	return v
}

// TestTAXIIFlow runs a TAXII 2.1 client's steps: discovery, the API root,
// its collections, the collection, objects page by page (limit, next,
// more, the date-added headers), added_after, and the manifest.
func TestTAXIIFlow(t *testing.T) {
	e := newEnv(t)
	e.fixtures()
	secret := e.token("opencti", apitoken.ScopeFeedsRead)
	get := func(path string) map[string]any {
		t.Helper()
		w := e.get(path, "Authorization", "Bearer "+secret, "Accept", MediaTAXII)
		if w.Code != 200 || w.Header().Get("Content-Type") != MediaTAXII {
			t.Fatalf("%s: %d %q %s", path, w.Code, w.Header().Get("Content-Type"), w.Body)
		}
		return decode(t, w)
	}
	disc := get("/taxii2/")
	roots, _ := disc["api_roots"].([]any)
	if len(roots) != 1 || disc["default"] != roots[0] {
		t.Fatalf("discovery %v", disc)
	}
	root := strings.TrimPrefix(roots[0].(string), "http://example.com")
	if root != "/taxii2/vigie/" {
		t.Fatalf("API root %q: want an absolute URL on the request's host", roots[0])
	}
	if apiRoot := get(root); apiRoot["versions"].([]any)[0] != MediaTAXII {
		t.Fatalf("API root %v", apiRoot)
	}
	cols := get(root + "collections/")["collections"].([]any)
	col := cols[0].(map[string]any)
	if len(cols) != 1 || col["can_read"] != true || col["can_write"] != false || col["media_types"].([]any)[0] != MediaSTIX {
		t.Fatalf("collections %v", cols)
	}
	id := col["id"].(string)
	if again := get(root + "collections/" + id + "/"); again["id"] != id {
		t.Fatalf("collection %v", again)
	}

	// Objects, two at a time: 6 approved requests (expired ones included,
	// with their valid_until), in the order they were added.
	var seen []string
	var firsts []string
	firstDate := ""
	next := ""
	for pages := 0; ; pages++ {
		path := root + "collections/" + id + "/objects/?limit=2"
		if next != "" {
			path += "&next=" + next
		}
		w := e.get(path, "Authorization", "Bearer "+secret, "Accept", MediaTAXII)
		env := decode(t, w)
		objs, _ := env["objects"].([]any)
		if len(objs) == 0 || len(objs) > 2 {
			t.Fatalf("page %d: %d objects %s", pages, len(objs), w.Body)
		}
		first, last := w.Header().Get("X-TAXII-Date-Added-First"), w.Header().Get("X-TAXII-Date-Added-Last")
		if first == "" || last < first || (len(firsts) > 0 && first < firsts[len(firsts)-1]) {
			t.Fatalf("page %d headers %q %q", pages, first, last)
		}
		if pages == 0 {
			firstDate = first
		}
		firsts = append(firsts, last)
		for _, o := range objs {
			m := o.(map[string]any)
			if m["type"] != "indicator" || m["spec_version"] != "2.1" || !strings.HasPrefix(m["pattern"].(string), "[url:value = '") {
				t.Fatalf("object %v", m)
			}
			seen = append(seen, m["id"].(string))
		}
		if env["more"] != true {
			if _, ok := env["next"]; ok {
				t.Fatalf("next without more: %v", env)
			}
			break
		}
		next = env["next"].(string)
	}
	if len(seen) != 6 || len(slices.Compact(slices.Sorted(slices.Values(seen)))) != 6 {
		t.Fatalf("paged through %d objects (%d distinct), want 6", len(seen), len(slices.Compact(slices.Sorted(slices.Values(seen)))))
	}
	// Deterministic ids: the export's namespace and the request.
	if want := feed.IndicatorID(e.ns, feed.Entry{ID: "live-1"}); seen[0] != want {
		t.Errorf("first id %s, want %s", seen[0], want)
	}
	// added_after the first date: the five approved a second later.
	w := e.get(root+"collections/"+id+"/objects/?added_after="+firstDate, "Authorization", "Bearer "+secret, "Accept", MediaTAXII)
	if objs := decode(t, w)["objects"].([]any); len(objs) != 5 {
		t.Errorf("added_after %s: %d objects", firstDate, len(objs))
	}
	// The expired entry carries its end.
	w = e.get(root+"collections/"+id+"/objects/?match[id]="+feed.IndicatorID(e.ns, feed.Entry{ID: "expired"}), "Authorization", "Bearer "+secret, "Accept", MediaTAXII)
	objs := decode(t, w)["objects"].([]any)
	if len(objs) != 1 || objs[0].(map[string]any)["valid_until"] == nil {
		t.Errorf("expired entry: %s", w.Body)
	}
	// Manifest: the same ids with their versions.
	man := get(root + "collections/" + id + "/manifest/?limit=1000")
	recs := man["objects"].([]any)
	if len(recs) != 6 || man["more"] != false || recs[0].(map[string]any)["media_type"] != MediaSTIX || recs[0].(map[string]any)["id"] != seen[0] {
		t.Errorf("manifest %v", man)
	}
	if got := e.Audited("feed.download", "taxii:objects"); len(got) < 4 || got[0].Actor != "token:opencti" {
		t.Errorf("objects downloads audited: %+v", got)
	}
	// Only indicators here.
	if v := get(root + "collections/" + id + "/objects/?match[type]=malware"); v["objects"] != nil {
		t.Errorf("match[type]=malware: %v", v)
	}
}

// TestTAXIINegotiation: a client that does not accept TAXII 2.1 gets 406
// as a TAXII error; bad parameters and unknown resources are TAXII errors.
func TestTAXIINegotiation(t *testing.T) {
	e := newEnv(t)
	e.fixtures()
	secret := e.token("misp", apitoken.ScopeFeedsRead)
	col := "/taxii2/vigie/collections/" + e.colID() + "/"
	for _, c := range []struct {
		path, accept string
		want         int
	}{
		{"/taxii2/", MediaTAXII, 200},
		{"/taxii2/", "application/taxii+json; version=2.1", 200},
		{"/taxii2/", "application/taxii+json", 200},
		{"/taxii2/", "", 200},
		{"/taxii2/", "text/html, */*;q=0.1", 200},
		{"/taxii2/", "application/json", 406},
		{"/taxii2/", "application/taxii+json;version=2.0", 406},
		{"/taxii2/", "application/vnd.oasis.taxii+json; version=2.0", 406},
		{"/taxii2/", "application/taxii+json;version=2.1;q=0", 406},
		{col + "objects/", "text/html", 406},
		{col + "objects/?limit=0", MediaTAXII, 400},
		{col + "objects/?limit=abc", MediaTAXII, 400},
		{col + "objects/?added_after=yesterday", MediaTAXII, 400},
		{col + "objects/?next=!!", MediaTAXII, 400},
		{col + "objects/?limit=5000", MediaTAXII, 200},
		{"/taxii2/vigie/collections/00000000-0000-0000-0000-000000000000/objects/", MediaTAXII, 404},
		{"/taxii2/nothing/", MediaTAXII, 404},
	} {
		w := e.get(c.path, "Authorization", "Bearer "+secret, "Accept", c.accept)
		if w.Code != c.want || w.Header().Get("Content-Type") != MediaTAXII {
			t.Errorf("%s Accept %q: %d %q, want %d", c.path, c.accept, w.Code, w.Header().Get("Content-Type"), c.want)
			continue
		}
		if c.want != 200 {
			v := decode(t, w)
			if v["title"] == nil || v["http_status"] != strconv.Itoa(c.want) {
				t.Errorf("%s: error body %v", c.path, v)
			}
		}
	}
}

func (e *env) colID() string {
	w := e.get("/taxii2/vigie/collections/", "Authorization", "Bearer "+e.token("col-"+time.Now().Format("150405.000000"), apitoken.ScopeFeedsRead))
	return decode(e.T, w)["collections"].([]any)[0].(map[string]any)["id"].(string)
}
