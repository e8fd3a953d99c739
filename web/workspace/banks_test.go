package workspace

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/bank"
	"github.com/vigie-platform/vigie/contenthash"
	"github.com/vigie-platform/vigie/pdq"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/storetest"
)

func pdqHash(t *testing.T, content []byte) contenthash.Hash {
	res, err := pdq.HashBytes(content, pdq.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return contenthash.Hash{Kind: contenthash.PDQ, Value: res.Hash.String()}
}

// upload posts a multipart form with one file.
func (e *wsEnv) upload(path string, c *http.Cookie, fields map[string]string, file []byte) *httptest.ResponseRecorder {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", "liste.csv")
	fw.Write(file)
	mw.Close()
	r := httptest.NewRequest("POST", path, &body)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.AddCookie(c)
	w := httptest.NewRecorder()
	e.Handler.ServeHTTP(w, r)
	return w
}

// A report whose image matched a classified entry shows the label, not
// the image; the image's link is refused; the button opens it, audited.
func TestKnownMediaHiddenAndOpenedOnPurpose(t *testing.T) {
	e := newWSEnv(t)
	img := storetest.TestImage(t, 21, false)
	if _, _, err := e.Banks.Import(bg, "setup", bank.Import{Name: "arnaques", Source: "test",
		Entries: []bank.Entry{{Hash: pdqHash(t, img), Label: "faux avis de colis <b>", Category: "scam-screenshot"}}}); err != nil {
		t.Fatal(err)
	}
	id := e.Submit(report.Submission{Description: "capture", Attachments: []report.Upload{{Filename: "c.png", Content: storetest.TestImage(t, 21, true)}}})
	plain := e.Submit(report.Submission{Description: "autre", Attachments: []report.Upload{{Filename: "d.png", Content: storetest.TestImage(t, 22, false)}}})
	e.Match()
	ana, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	c := e.session(ana)
	rep, _ := e.DB.ReportByID(bg, id)
	sha := rep.Attachments[0].SHA256

	page := e.Do("GET", "/w/reports/"+id, c, nil)
	body := page.Body.String()
	if page.Code != 200 || !strings.Contains(body, "faux avis de colis &lt;b&gt;") || !strings.Contains(body, `id="known-`+sha) {
		t.Fatalf("the label is not shown: %d\n%s", page.Code, body)
	}
	if strings.Contains(body, "attachments/"+sha+"?inline=1") || strings.Contains(body, `href="/w/reports/`+id+`/attachments/`+sha+`"`) {
		t.Error("the known image is shown or linked")
	}
	if !strings.Contains(body, `action="/w/reports/`+id+`/attachments/`+sha+`/open"`) {
		t.Error("no button to open the known image")
	}
	// The plain report's image is previewed as before.
	if b := e.Do("GET", "/w/reports/"+plain, c, nil).Body.String(); !strings.Contains(b, "?inline=1") {
		t.Error("an unmatched image lost its preview")
	}
	if w := e.Do("GET", "/w/reports/"+id+"/attachments/"+sha+"?inline=1", c, nil); w.Code != http.StatusForbidden {
		t.Errorf("GET of the known image: %d, want 403", w.Code)
	}
	if n := len(e.Audited("attachment.open_known", id+"/"+sha)); n != 0 {
		t.Fatalf("audited before opening: %d", n)
	}
	w := e.Do("POST", "/w/reports/"+id+"/attachments/"+sha+"/open", c, url.Values{})
	if w.Code != 200 || w.Header().Get("Content-Type") != "image/png" || !bytes.Equal(w.Body.Bytes(), storetest.TestImage(t, 21, true)) {
		t.Errorf("open: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	if got := e.Audited("attachment.open_known", id+"/"+sha); len(got) != 1 || got[0].Actor != "ana@vigie.test" || !strings.Contains(got[0].Detail, "arnaques") {
		t.Errorf("opening not audited: %+v", got)
	}
}

func TestBanksPage(t *testing.T) {
	e := newWSEnv(t)
	sup, _ := e.User("sup@vigie.test", account.RoleSupervisor, "")
	c := e.session(sup)
	csv := "signal_type,signal_value,category,tags\npdq," + strings.Repeat("0f", 32) + ",scam-screenshot,colis\nmd5," + strings.Repeat("ab", 16) + ",,\n"
	w := e.upload("/w/banks/import", c, map[string]string{"name": "partenaire", "source": "Hotline X"}, []byte(csv))
	if w.Code != http.StatusSeeOther {
		t.Fatalf("import: %d %s", w.Code, w.Body.String())
	}
	page := e.Do("GET", "/w/banks", c, nil).Body.String()
	if !strings.Contains(page, "partenaire") || !strings.Contains(page, "Hotline X") || !strings.Contains(page, "/w/banks/partenaire/export/stix") {
		t.Errorf("banks page:\n%s", page)
	}
	if len(e.Audited("bank.import", "partenaire")) != 1 {
		t.Error("import not audited")
	}
	exp := e.Do("GET", "/w/banks/partenaire/export/te-csv", c, nil)
	if exp.Code != 200 || !strings.HasPrefix(exp.Body.String(), "signal_type,signal_value,category,tags\r\npdq,") || len(e.Audited("bank.export", "partenaire")) != 1 {
		t.Errorf("export: %d %q", exp.Code, exp.Body.String())
	}
	if w := e.Do("POST", "/w/banks/partenaire/disable", c, url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatalf("disable: %d", w.Code)
	}
	if b, _ := e.DB.BankByName(bg, "partenaire"); b.Enabled {
		t.Error("not disabled")
	}
	if w := e.Do("POST", "/w/banks/partenaire/withdraw", c, url.Values{"hashes": {"md5:" + strings.Repeat("ab", 16)}}); w.Code != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", w.Code)
	}
	if b, _ := e.DB.BankByName(bg, "partenaire"); b.Entries != 1 {
		t.Errorf("live entries after withdrawal: %d", b.Entries)
	}
	if w := e.upload("/w/banks/import", c, map[string]string{"name": "x"}, []byte("type,value\nmd5,zz\n")); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("bad file: %d", w.Code)
	}
	if w := e.Do("POST", "/w/banks/nulle-part/enable", c, url.Values{}); w.Code != http.StatusNotFound {
		t.Errorf("unknown bank: %d", w.Code)
	}
}

// An analyst classifies an image: its hashes join the local bank, and a
// later copy is recognised and linked to the report.
func TestClassifyFromReportPage(t *testing.T) {
	e := newWSEnv(t)
	ana, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	c := e.session(ana)
	id := e.Submit(report.Submission{Description: "carte", Attachments: []report.Upload{{Filename: "cni.png", Content: storetest.TestImage(t, 23, false)}}})
	e.Match()
	rep, _ := e.DB.ReportByID(bg, id)
	sha := rep.Attachments[0].SHA256
	w := e.Do("POST", "/w/reports/"+id+"/attachments/"+sha+"/classify", c, url.Values{"label": {"fausse CNI"}, "category": {"fake-id"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("classify: %d %s", w.Code, w.Body.String())
	}
	later := e.Submit(report.Submission{Description: "encore", Attachments: []report.Upload{{Filename: "x.png", Content: storetest.TestImage(t, 23, true)}}})
	e.Match()
	body := e.Do("GET", "/w/reports/"+later, c, nil).Body.String()
	if !strings.Contains(body, "fausse CNI") || !strings.Contains(body, rep.Receipt) {
		t.Errorf("the later copy shows neither the label nor the first report")
	}
}

// Matches count in the supervisors' figures, per bank.
func TestKnownMatchesInFigures(t *testing.T) {
	e := newWSEnv(t)
	img := storetest.TestImage(t, 24, false)
	if _, _, err := e.Banks.Import(bg, "setup", bank.Import{Name: "liste-figures", Entries: []bank.Entry{{Hash: pdqHash(t, img), Label: "x", AddedAt: time.Now()}}}); err != nil {
		t.Fatal(err)
	}
	e.Submit(report.Submission{Description: "a", Attachments: []report.Upload{{Filename: "a.png", Content: img}}})
	e.Match()
	if err := e.DB.RefreshStats(bg, time.Now().AddDate(0, 0, -1)); err != nil {
		t.Fatal(err)
	}
	sup, _ := e.User("sup@vigie.test", account.RoleSupervisor, "")
	body := e.Do("GET", "/w/stats", e.session(sup), nil).Body.String()
	if !strings.Contains(body, `id="known-matches"`) || !strings.Contains(body, "liste-figures") {
		t.Error("the figures do not count the match")
	}
}
