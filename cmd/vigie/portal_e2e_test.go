package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/altcha"
	"github.com/vigie-platform/vigie/sqlite"
)

func formBody(t *testing.T, fields url.Values, files map[string][]byte) (string, *bytes.Buffer) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for name, content := range files {
		fw, _ := mw.CreateFormFile("attachments", name)
		fw.Write(content)
	}
	mw.Close()
	return mw.FormDataContentType(), &buf
}

func scamForm() url.Values {
	return url.Values{
		"category":      {"fraud.scam"},
		"description":   {"On m'a vendu un téléphone jamais livré."},
		"urls":          {"https://faux-shop.example.fr/tel\r\nhxxp://autre[.]example.com"},
		"seen_on":       {"Leboncoin"},
		"occurred_at":   {"2026-11-01"},
		"name":          {"Camille Durand"},
		"email":         {"camille@example.fr"},
		"is_victim":     {"1"},
		"amount":        {"349,90"},
		"currency":      {"EUR"},
		"payment_means": {"transfer"},
		"submission_id": {"form-nonce-1"},
	}
}

var (
	receiptRe = regexp.MustCompile(`<code id="receipt">(VG-[0-9A-Z]{4}-[0-9A-Z]{4})</code>`)
	secretRe  = regexp.MustCompile(`<code id="secret">([0-9A-Z-]{29})</code>`)
)

func TestPortalReportJourney(t *testing.T) {
	forEachStore(t, func(t *testing.T, storeArgs []string) {
		srv := startServer(t, storeArgs)
		home := srv.do("GET", "/", "", nil, nil)
		if home.status != 200 || !strings.Contains(string(home.body), `lang="fr"`) || !strings.Contains(string(home.body), "Escroquerie") {
			t.Fatalf("home: %d", home.status)
		}
		choose := srv.do("GET", "/report", "", nil, nil)
		if !strings.Contains(string(choose.body), `name="category"`) {
			t.Fatal("no category choice")
		}
		form := srv.do("GET", "/report?category=fraud.scam", "", nil, nil)
		body := string(form.body)
		for _, want := range []string{`name="description"`, `name="amount"`, `name="website"`, `data-altcha=`, `name="submission_id"`, "prévenez tout de suite votre banque"} {
			if !strings.Contains(body, want) {
				t.Errorf("scam form lacks %s", want)
			}
		}
		minors := string(srv.do("GET", "/report?category=minors.abuse-material", "", nil, nil).body)
		if strings.Contains(minors, `type="file"`) || strings.Contains(minors, `name="amount"`) {
			t.Error("minors form offers file upload or scam fields")
		}

		ct, fb := formBody(t, scamForm(), map[string][]byte{"capture.png": []byte("\x89PNG\r\n\x1a\nxxxx")})
		done := srv.do("POST", "/report", ct, fb, nil)
		if done.status != 200 {
			t.Fatalf("submit: %d\n%s", done.status, done.body)
		}
		rc, sc := receiptRe.FindSubmatch(done.body), secretRe.FindSubmatch(done.body)
		if rc == nil || sc == nil {
			t.Fatalf("confirmation lacks receipt or secret:\n%s", done.body)
		}
		if done.header.Get("Cache-Control") != "no-store" {
			t.Error("confirmation may be cached")
		}
		// Sending the same page again (a double click, a reload) gives the same report.
		ct, fb = formBody(t, scamForm(), map[string][]byte{"capture.png": []byte("\x89PNG\r\n\x1a\nxxxx")})
		again := srv.do("POST", "/report", ct, fb, nil)
		if rc2 := receiptRe.FindSubmatch(again.body); rc2 == nil || string(rc2[1]) != string(rc[1]) {
			t.Errorf("resubmission made another report")
		}
		// Follow-up page: receipt plus secret show the status and nothing internal.
		fu := srv.do("POST", "/follow-up", "application/x-www-form-urlencoded",
			strings.NewReader(url.Values{"receipt": {string(rc[1])}, "secret": {string(sc[1])}}.Encode()), nil)
		if fu.status != 200 || !strings.Contains(string(fu.body), "Reçu") || strings.Contains(string(fu.body), "Camille") {
			t.Errorf("follow-up page: %d\n%s", fu.status, fu.body)
		}
		bad := srv.do("POST", "/follow-up", "application/x-www-form-urlencoded",
			strings.NewReader(url.Values{"receipt": {string(rc[1])}, "secret": {"nope"}}.Encode()), nil)
		if bad.status != 404 || !strings.Contains(string(bad.body), "Aucun signalement") {
			t.Errorf("follow-up with a wrong secret: %d", bad.status)
		}
	})
}

func TestPortalEnglish(t *testing.T) {
	srv := startServer(t, []string{"--data", t.TempDir()})
	home := string(srv.do("GET", "/?lang=en", "", nil, nil).body)
	if !strings.Contains(home, `lang="en"`) || !strings.Contains(home, "Scam") || !strings.Contains(home, `href="/report?lang=en"`) {
		t.Errorf("English home page wrong:\n%.2000s", home)
	}
	form := scamForm()
	form.Set("lang", "en")
	form.Set("email", "bad")
	ct, fb := formBody(t, form, nil)
	res := srv.do("POST", "/report", ct, fb, nil)
	if res.status != 400 || !strings.Contains(string(res.body), "Not a valid email address.") {
		t.Errorf("English errors: %d", res.status)
	}
}

func TestPortalFormErrors(t *testing.T) {
	srv := startServer(t, []string{"--data", t.TempDir()})
	form := scamForm()
	form.Set("description", `<script>alert("x")</script><img src=x onerror=alert(1)>`)
	form.Set("urls", "https://ok.example.fr\njavascript:alert(1)")
	form.Set("email", "pas-un-email")
	form.Set("amount", "beaucoup")
	ct, fb := formBody(t, form, nil)
	res := srv.do("POST", "/report", ct, fb, nil)
	body := string(res.body)
	if res.status != 400 {
		t.Fatalf("status %d", res.status)
	}
	for _, want := range []string{
		// The summary names each field (issue 16).
		`<a href="#urls">Adresses web (URL) : Adresse n° 2 — Ce n&#39;est pas une adresse web valide.</a>`,
		`<a href="#email">Adresse e-mail : Adresse e-mail invalide.</a>`,
		`<a href="#amount">Montant perdu : Montant invalide`,
		`id="email-error"`, `aria-invalid="true"`,
		// Input kept, as text.
		`&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;`,
		`value="pas-un-email"`, `value="beaucoup"`, `value="Camille Durand"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("error page lacks %s", want)
		}
	}
	if strings.Contains(body, `<script>alert`) || strings.Contains(body, `<img src=x`) {
		t.Error("attacker markup rendered as markup")
	}
	if !strings.Contains(res.header.Get("Content-Security-Policy"), "script-src 'self'") || res.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("security headers: %v", res.header)
	}
}

func TestPortalHTMLIsStoredAsText(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, []string{"--data", dir})
	form := scamForm()
	payload := `<script>alert(1)</script> & "quotes"`
	form.Set("description", payload)
	ct, fb := formBody(t, form, nil)
	res := srv.do("POST", "/report", ct, fb, nil)
	rc := receiptRe.FindSubmatch(res.body)
	if rc == nil {
		t.Fatalf("not stored: %d %s", res.status, res.body)
	}
	srv.stop()
	db, err := sqlite.Open(context.Background(), dir, folderKeys(t, dir)...)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r, err := db.ReportByReceipt(context.Background(), string(rc[1]))
	if err != nil || r.Description != payload || r.Channel != "web" {
		t.Fatalf("stored %q (%v)", r.Description, err)
	}
}

func TestPortalSpamDefences(t *testing.T) {
	srv := startServer(t, []string{"--data", t.TempDir()}, "--form-rate", "60", "--form-burst", "4", "--pow-max-number", "2000")

	t.Run("honeypot", func(t *testing.T) {
		form := scamForm()
		form.Set("website", "http://spam.example")
		ct, fb := formBody(t, form, nil)
		res := srv.do("POST", "/report", ct, fb, nil)
		if res.status != 400 || !strings.Contains(string(res.body), "Ce champ doit rester vide.") {
			t.Errorf("honeypot: %d", res.status)
		}
	})
	t.Run("proof of work required when script ran", func(t *testing.T) {
		form := scamForm()
		form.Set("submission_id", "pow-1")
		form.Set("altcha_js", "1")
		form.Set("altcha", "forged")
		ct, fb := formBody(t, form, nil)
		res := srv.do("POST", "/report", ct, fb, nil)
		if res.status != 400 || !strings.Contains(string(res.body), "anti-robot") {
			t.Fatalf("forged proof: %d", res.status)
		}
		// Solve the challenge the page carries, as the browser script does.
		page := srv.do("GET", "/report?category=fraud.scam", "", nil, nil)
		m := regexp.MustCompile(`data-altcha="([^"]+)"`).FindSubmatch(page.body)
		var ch altcha.Challenge
		if err := json.Unmarshal([]byte(htmlUnescape(string(m[1]))), &ch); err != nil {
			t.Fatal(err)
		}
		sol, ok := altcha.Solve(ch)
		if !ok {
			t.Fatal("unsolvable challenge")
		}
		form.Set("altcha", sol)
		ct, fb = formBody(t, form, nil)
		if res := srv.do("POST", "/report", ct, fb, nil); res.status != 200 {
			t.Fatalf("solved proof refused: %d %s", res.status, res.body)
		}
		// The same solution cannot serve twice.
		form.Set("submission_id", "pow-2")
		ct, fb = formBody(t, form, nil)
		if res := srv.do("POST", "/report", ct, fb, nil); res.status != 400 {
			t.Errorf("replayed proof: %d", res.status)
		}
	})
	t.Run("rate limit per address keeps the input", func(t *testing.T) {
		var res response
		for i := range 10 {
			form := scamForm()
			form.Set("submission_id", "flood-"+string(rune('a'+i)))
			ct, fb := formBody(t, form, nil)
			res = srv.do("POST", "/report", ct, fb, nil)
			if res.status == http.StatusTooManyRequests {
				break
			}
		}
		if res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") == "" {
			t.Fatalf("no 429: %d", res.status)
		}
		if !strings.Contains(string(res.body), `value="Camille Durand"`) || !strings.Contains(string(res.body), "Trop d&#39;envois") {
			t.Error("429 page lost the input or the explanation")
		}
	})
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&#34;", `"`, "&quot;", `"`, "&amp;", "&", "&#43;", "+", "&lt;", "<", "&gt;", ">").Replace(s)
}

func TestPortalBadRequests(t *testing.T) {
	srv := startServer(t, []string{"--data", t.TempDir()})
	if r := srv.do("POST", "/report", "text/plain", strings.NewReader("x"), nil); r.status != 415 {
		t.Errorf("text/plain form: %d", r.status)
	}
	big := scamForm()
	ct, fb := formBody(t, big, map[string][]byte{"a": make([]byte, 10<<20+10)})
	if r := srv.do("POST", "/report", ct, fb, nil); r.status != 413 || !strings.Contains(string(r.body), "trop gros") {
		t.Errorf("big attachment: %d", r.status)
	}
	bad := scamForm()
	bad.Set("description", "\xff\xfe")
	ct, fb = formBody(t, bad, nil)
	if r := srv.do("POST", "/report", ct, fb, nil); r.status != 400 || !strings.Contains(string(r.body), "UTF-8") {
		t.Errorf("invalid UTF-8: %d", r.status)
	}
	if r := srv.do("GET", "/nowhere", "", nil, nil); r.status != 404 || !strings.Contains(string(r.body), "introuvable") {
		t.Errorf("404 page: %d", r.status)
	}
}

func TestVisitsCountedWithoutCookies(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, []string{"--data", dir})
	get := func(path, referer string) response {
		h := map[string]string{}
		if referer != "" {
			h["Referer"] = referer
		}
		return srv.do("GET", path, "", nil, h)
	}
	res := get("/", "")                               // a visit
	get("/report", "https://www.search.example/?q=x") // a visit from elsewhere
	get("/report?category=other", srv.base+"/report") // moving inside the portal
	get("/follow-up", srv.base+"/")                   // moving inside the portal
	srv.do("GET", "/", "", nil, map[string]string{"User-Agent": "Googlebot/2.1"})
	if len(res.header.Values("Set-Cookie")) > 0 {
		t.Error("the portal sets a cookie")
	}
	srv.stop() // flushes the counts
	db, err := sqlite.Open(context.Background(), dir, folderKeys(t, dir)...)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	today := time.Now().UTC()
	v, err := db.Visits(context.Background(), today, today)
	if err != nil || v[today.Format(time.DateOnly)] != 2 {
		t.Fatalf("visits = %v, %v (want 2)", v, err)
	}
	// Nothing else about the visitor is stored: the table has a day and a count.
	for _, line := range strings.Split(srv.logs.String(), "\n") {
		if strings.Contains(line, "127.0.0.1") && !strings.Contains(line, `"msg":"listening"`) {
			t.Errorf("a client address was logged: %s", line)
		}
	}
}

func TestShutdownDrainsRequestsInFlight(t *testing.T) {
	srv := startServer(t, []string{"--data", t.TempDir()})
	tok := srv.token("acme")
	addr := strings.TrimPrefix(srv.base, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := validReport
	head := "POST /api/v1/reports HTTP/1.1\r\nHost: " + addr + "\r\nAuthorization: Bearer " + tok +
		"\r\nContent-Type: application/json\r\nContent-Length: " + itoa(len(body)) + "\r\n\r\n"
	conn.Write([]byte(head + body[:10]))
	time.Sleep(200 * time.Millisecond) // the server is now reading the body
	stopped := make(chan error, 1)
	go func() { stopped <- srv.stop() }()
	time.Sleep(200 * time.Millisecond)
	conn.Write([]byte(body[10:]))
	resp, err := http.ReadResponse(bufioReader(conn), nil)
	if err != nil {
		t.Fatalf("request in flight was cut: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 201 {
		t.Fatalf("request in flight: %d %s", resp.StatusCode, b)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}

func TestSlowClientIsCutOff(t *testing.T) {
	srv := startServer(t, []string{"--data", t.TempDir()}, "--read-header-timeout", "300ms")
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n")) // headers never finish
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	_, err = io.ReadAll(conn)
	if err != nil {
		t.Fatalf("connection not closed by the server: %v", err)
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("slow client held the connection %v", elapsed)
	}
}
