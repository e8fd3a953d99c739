package portal

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vigie-platform/vigie/advice"
	"github.com/vigie-platform/vigie/news"
	"github.com/vigie-platform/vigie/ratelimit"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/web"
	"github.com/vigie-platform/vigie/web/webtest"
)

var (
	bg        = context.Background()
	receiptRe = regexp.MustCompile(`<code id="receipt">(VG-[0-9A-Z]{4}-[0-9A-Z]{4})</code>`)
	secretRe  = regexp.MustCompile(`<code id="secret">([0-9A-Z-]{29})</code>`)
)

// newsEnv is the portal with news offered and a follow-up limit of
// followUps a minute.
func newsEnv(t *testing.T, followUps float64) *webtest.Fixture {
	t.Helper()
	f := webtest.New(t)
	limits := web.DefaultLimits()
	limits.FollowUp = ratelimit.PerMinute(followUps, followUps)
	mux := http.NewServeMux()
	Mount(mux, f.Kit, Deps{Intake: f.Intake, Visits: f.Visits, Advice: advice.Default(), Altcha: f.Altcha, Figures: f.Figures,
		Limits: limits, News: &news.Service{Store: f.DB, Tokens: news.NewTokens([]byte("k"))}, PublicURL: "https://vigie.example"})
	f.Handler = f.Kit.Handler(mux)
	return f
}

func scam(notify bool) url.Values {
	v := url.Values{"category": {"fraud.scam"}, "submission_id": {"receipt-test"},
		"description": {"Faux site de vente, virement sur FR7630006000011234567890189, appel du 06 12 34 56 78"},
		"urls":        {"https://boutique-fausse.example/produit\r\nhttps://paiement.fausse.example/é\r\nhttps://autre.fausse.example/日"},
		"name":        {"Camille Durand"}, "email": {"camille@exemple.fr"}}
	if notify {
		v.Set("notify", "1")
	}
	return v
}

// TestConfirmationKeepsAReceipt: the confirmation page sums up what was
// sent (category, date, URLs as text, identifiers found), gives the next
// steps of the category and a PDF form carrying receipt and secret, and
// keeps nothing in the browser.
func TestConfirmationKeepsAReceipt(t *testing.T) {
	e := newsEnv(t, 20)
	w := e.Do("POST", "/report", nil, scam(false))
	page := w.Body.String()
	if w.Code != 200 || receiptRe.FindStringSubmatch(page) == nil {
		t.Fatalf("confirmation: %d\n%s", w.Code, page)
	}
	receipt, secret := receiptRe.FindStringSubmatch(page)[1], secretRe.FindStringSubmatch(page)[1]
	for _, want := range []string{
		`<dd id="sum-category">Escroquerie`,
		"<code>https://boutique-fausse.example/produit</code>", "<code>https://paiement.fausse.example/é</code>",
		"<code>FR7630006000011234567890189</code>", "33612345678</code>", "<code>fausse.example</code>",
		"Appelez votre banque tout de suite", "THESEE",
		`action="/follow-up/receipt.pdf"`, `name="receipt" value="` + receipt + `"`, `name="secret" value="` + secret + `"`,
		`id="include_secret" name="include_secret" value="1" aria-describedby`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("confirmation lacks %q", want)
		}
	}
	if strings.Contains(page, `id="news-on"`) {
		t.Error("news announced without consent")
	}
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" || w.Header().Get("Set-Cookie") != "" {
		t.Errorf("confirmation kept in the browser: Cache-Control %q, Set-Cookie %q", cc, w.Header().Get("Set-Cookie"))
	}
	// The page is the answer to the POST: no address shows it again.
	if again := e.Do("GET", "/report?receipt="+receipt, nil, nil).Body.String(); strings.Contains(again, secret) {
		t.Error("the confirmation can be shown again by address")
	}
	// The next steps are the category's: a threat gets no bank advice.
	threat := e.Do("POST", "/report", nil, url.Values{"category": {"violence.threat"}, "description": {"menaces"}, "anonymous": {"1"}}).Body.String()
	if strings.Contains(threat, "Appelez votre banque") || !strings.Contains(threat, "Si la menace est imminente") {
		t.Error("next steps are not the category's")
	}
	// English.
	en := e.Do("POST", "/report?lang=en", nil, url.Values{"category": {"fraud.scam"}, "description": {"fake shop"}, "anonymous": {"1"}, "lang": {"en"}}).Body.String()
	if !strings.Contains(en, "Call your bank now") || !strings.Contains(en, "Download the receipt (PDF)") {
		t.Error("English confirmation")
	}
}

// TestNewsConsent: the box is unchecked, asks for an e-mail, and the
// confirmation says news will come only when it was ticked.
func TestNewsConsent(t *testing.T) {
	e := newsEnv(t, 20)
	form := e.Do("GET", "/report?category=fraud.scam", nil, nil).Body.String()
	if !strings.Contains(form, `<input type="checkbox" id="notify" name="notify" value="1"`) || strings.Contains(form, `name="notify" value="1" checked`) {
		t.Fatal("no unchecked consent box")
	}
	v := scam(true)
	v.Del("email")
	v.Set("phone", "0612345678")
	w := e.Do("POST", "/report", nil, v)
	if w.Code != 400 || !strings.Contains(w.Body.String(), `id="notify-error"`) || !strings.Contains(w.Body.String(), `href="#notify"`) {
		t.Fatalf("news without an e-mail: %d", w.Code)
	}
	ok := e.Do("POST", "/report", nil, scam(true)).Body.String()
	if !strings.Contains(ok, `id="news-on"`) {
		t.Fatal("consent not acknowledged")
	}
	if sub, err := e.DB.Subscribed(bg, receiptRe.FindStringSubmatch(ok)[1]); err != nil || !sub {
		t.Fatalf("consent not stored: %v %v", sub, err)
	}
	// Without news configured the box is not offered, and a forged field
	// records nothing.
	plain := newEnv(t)
	if strings.Contains(plain.Do("GET", "/report?category=fraud.scam", nil, nil).Body.String(), `id="notify"`) {
		t.Error("news offered without a mail server")
	}
	forged := plain.Do("POST", "/report", nil, scam(true)).Body.String()
	if sub, _ := plain.DB.Subscribed(bg, receiptRe.FindStringSubmatch(forged)[1]); sub {
		t.Error("consent recorded though no news can be sent")
	}
}

// pdfToText reads a PDF's text back with poppler's pdftotext.
func pdfToText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	in := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// TestReceiptPDF: POST /follow-up/receipt.pdf gives the receipt as a PDF
// that holds the receipt, category, date and URLs, and the secret only
// when asked; a wrong secret gets the follow-up form's answer and limit.
func TestReceiptPDF(t *testing.T) {
	e := newsEnv(t, 6)
	page := e.Do("POST", "/report", nil, scam(true)).Body.String()
	receipt, secret := receiptRe.FindStringSubmatch(page)[1], secretRe.FindStringSubmatch(page)[1]
	stored, err := e.DB.ReportByReceipt(bg, receipt)
	if err != nil {
		t.Fatal(err)
	}
	date := web.TranslatorFor("fr").Date(stored.CreatedAt)

	w := e.Do("POST", "/follow-up/receipt.pdf", nil, url.Values{"receipt": {receipt}, "secret": {secret}})
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/pdf" || w.Header().Get("Cache-Control") != "no-store" ||
		!strings.HasPrefix(w.Header().Get("Content-Disposition"), "attachment;") || w.Header().Get("Set-Cookie") != "" {
		t.Fatalf("pdf: %d %v", w.Code, w.Header())
	}
	text := pdfToText(t, w.Body.Bytes())
	for _, want := range []string{receipt, "Escroquerie", date, "https://boutique-fausse.example/produit",
		"https://paiement.fausse.example/é", "https://autre.fausse.example/%E6%97%A5", "FR7630006000011234567890189", "Appelez votre banque", "https://vigie.example/follow-up?receipt=" + receipt,
		"Vous recevrez un e-mail"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, secret) || strings.Contains(text, "camille") || strings.Contains(text, "Durand") {
		t.Errorf("the PDF holds the secret or the reporter's details unasked:\n%s", text)
	}
	with := e.Do("POST", "/follow-up/receipt.pdf", nil, url.Values{"receipt": {receipt}, "secret": {secret}, "include_secret": {"1"}, "lang": {"en"}})
	entext := pdfToText(t, with.Body.Bytes())
	if !strings.Contains(entext, secret) || !strings.Contains(entext, "Report receipt") || !strings.Contains(entext, "Call your bank") {
		t.Errorf("the PDF asked with the secret lacks it, or is not in English:\n%s", entext)
	}

	// A wrong secret: the follow-up form's answer.
	wrong := e.Do("POST", "/follow-up/receipt.pdf", nil, url.Values{"receipt": {receipt}, "secret": {"AAAA-AAAA-AAAA-AAAA-AAAA-AAAA"}})
	if wrong.Code != 404 || !strings.Contains(wrong.Body.String(), "Aucun signalement ne correspond") || wrong.Header().Get("Content-Type") == "application/pdf" {
		t.Errorf("wrong secret: %d", wrong.Code)
	}
	// The same limit as the follow-up form: 6 a minute, shared.
	for range 3 {
		e.Do("POST", "/follow-up", nil, url.Values{"receipt": {receipt}, "secret": {"x"}})
	}
	if w := e.Do("POST", "/follow-up/receipt.pdf", nil, url.Values{"receipt": {receipt}, "secret": {secret}}); w.Code != http.StatusTooManyRequests {
		t.Errorf("seventh look-up in a minute: %d, want 429", w.Code)
	}
}

// TestFollowUpSaysWhatStatusesMean: each status is explained, with what
// the person can still do, and the page offers the PDF.
func TestFollowUpSaysWhatStatusesMean(t *testing.T) {
	e := newsEnv(t, 20)
	blank := e.Do("GET", "/follow-up", nil, nil).Body.String()
	for _, st := range []report.Status{report.StatusReceived, report.StatusAnalysing, report.StatusReferred, report.StatusClosed} {
		if !strings.Contains(blank, template.HTMLEscapeString(web.TranslatorFor("fr").T("status."+string(st)+".meaning"))) {
			t.Errorf("the follow-up page does not say what %s means", st)
		}
	}
	page := e.Do("POST", "/report", nil, scam(false)).Body.String()
	receipt, secret := receiptRe.FindStringSubmatch(page)[1], secretRe.FindStringSubmatch(page)[1]
	got := e.Do("POST", "/follow-up", nil, url.Values{"receipt": {receipt}, "secret": {secret}, "lang": {"en"}}).Body.String()
	for _, want := range []string{`<p id="status">Received: waiting to be analysed.</p>`, `id="status-meaning"`, "If you have new information",
		`action="/follow-up/receipt.pdf"`, `name="secret" value="` + secret + `"`} {
		if !strings.Contains(got, want) {
			t.Errorf("follow-up lacks %q", want)
		}
	}
}

func BenchmarkReceiptPDF(b *testing.B) {
	v := receiptView{Receipt: "VG-ABCD-EFGH", Category: "Escroquerie (arnaque en ligne)", Sent: "2 décembre 2026 à 10:15",
		Status: report.StatusReferred, URLs: []string{"https://boutique-fausse.example/produit", "https://paiement.fausse.example/é"},
		Identifiers: []identifierView{{"IBAN", "FR7630006000011234567890189"}, {"Téléphone", "+33612345678"}, {"Domaine", "fausse.example"}},
		Steps:       []string{"Appelez votre banque tout de suite.", "Déposez plainte.", "Info Escroqueries : 0 805 805 817."}}
	t := web.TranslatorFor("fr")
	now := time.Now()
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := writeReceiptPDF(&buf, v, t, "https://vigie.example/follow-up?receipt=VG-ABCD-EFGH", now); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/pdf")
}

func FuzzPDFText(f *testing.F) {
	for _, s := range []string{"https://exemple.fr/é", "Reçu — « 12 € »", "日本語", "a\x00b\nc", "\xff\xfe"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, escape bool) {
		out := pdfText(s, escape)
		if len(out) < utf8.RuneCountInString(s) {
			t.Fatalf("%q lost characters: %q", s, out)
		}
		for i := 0; i < len(out); i++ {
			if out[i] < 0x20 || out[i] == 0x7f {
				t.Fatalf("%q gave a control byte in %q", s, out)
			}
		}
		if escape && !strings.Contains(s, "?") && strings.Contains(out, "?") {
			t.Fatalf("a URL lost a character to ?: %q -> %q", s, out)
		}
	})
}
