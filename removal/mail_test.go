package removal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/delivery"
	"github.com/vigie-platform/vigie/delivery/smtptest"
	"github.com/vigie-platform/vigie/removal"
	"github.com/vigie-platform/vigie/sqlite"
)

// parseXARF reads a mailed notice back as an X-ARF 0.2 reader would: the
// headers, the human part and the report part, decoded.
func parseXARF(t *testing.T, raw string) (hdr mail.Header, human string, report map[string]any) {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("X-XARF") != "PLAIN" || msg.Header.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("X-ARF headers: %v", msg.Header)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("content type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var parts []*multipart.Part
	var texts []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(p) // quoted-printable is decoded by the reader
		if err != nil {
			t.Fatal(err)
		}
		parts, texts = append(parts, p), append(texts, string(b))
	}
	if len(parts) != 2 {
		t.Fatalf("%d parts, want the human text and the report (no evidence, never media)", len(parts))
	}
	for i, p := range parts {
		mt, params, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if mt != "text/plain" || !strings.EqualFold(params["charset"], "utf-8") {
			t.Errorf("part %d: %q", i, p.Header.Get("Content-Type"))
		}
		if i == 1 && params["name"] != "report.txt" {
			t.Errorf("report part named %q", params["name"])
		}
	}
	if err := json.Unmarshal([]byte(texts[1]), &report); err != nil {
		t.Fatalf("report part is not JSON: %v\n%s", err, texts[1])
	}
	return msg.Header, texts[0], report
}

// validate checks v against the draft-04 subset the X-ARF schema uses:
// required, type, enum, and the formats it names.
func validate(schema []byte, v map[string]any) []string {
	var s struct {
		Required   []string
		Properties map[string]struct {
			Type   string
			Enum   []any
			Format string
		}
	}
	if err := json.Unmarshal(schema, &s); err != nil {
		return []string{err.Error()}
	}
	var bad []string
	for _, r := range s.Required {
		if _, ok := v[r]; !ok {
			bad = append(bad, "missing "+r)
		}
	}
	for k, val := range v {
		p, ok := s.Properties[k]
		if !ok {
			continue
		}
		switch p.Type {
		case "string":
			str, ok := val.(string)
			if !ok {
				bad = append(bad, k+" not a string")
				continue
			}
			switch p.Format {
			case "date-time":
				if _, err := time.Parse(time.RFC3339, str); err != nil {
					bad = append(bad, k+" not a date-time")
				}
			case "uri":
				if u, err := url.Parse(str); err != nil || !u.IsAbs() {
					bad = append(bad, k+" not a URI")
				}
			case "email":
				if _, err := mail.ParseAddress(str); err != nil {
					bad = append(bad, k+" not an e-mail address")
				}
			}
		case "integer":
			if f, ok := val.(float64); !ok || f != float64(int64(f)) {
				bad = append(bad, k+" not an integer")
			}
		}
		if len(p.Enum) > 0 && !slices.Contains(p.Enum, val) {
			bad = append(bad, fmt.Sprintf("%s: %v not in %v", k, val, p.Enum))
		}
	}
	return bad
}

func TestNoticeMailedAsXARF(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	smtp := smtptest.Start(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	clk := &clock{t: now}
	svc := &removal.Service{Store: db, Now: clk.Now}
	scam := "https://arnaque.example:8443/paiement?ref=1"
	n, err := svc.SendNotice(ctx, removal.Draft{CaseID: "case-1", CaseURLs: []string{scam}, URL: scam, Host: " abuse@hebergeur.example ",
		Kind: "notice", Actor: "ana", Category: "fraud.scam", Network: "AS16276 OVH SAS"})
	if err != nil {
		t.Fatal(err)
	}
	if n.Recipient != "abuse@hebergeur.example" || n.MailNextAt.IsZero() {
		t.Fatalf("recipient %q, mail next %v", n.Recipient, n.MailNextAt)
	}
	csam := "https://images.example/a/b.jpg"
	minors, err := svc.SendNotice(ctx, removal.Draft{CaseID: "case-2", CaseURLs: []string{csam}, URL: csam, Host: "abuse@images.example",
		Kind: "administrative", Actor: "ana", Category: "minors.abuse-material", NeverFetch: true})
	if err != nil {
		t.Fatal(err)
	}
	named, _ := svc.SendNotice(ctx, removal.Draft{CaseID: "case-1", CaseURLs: []string{scam}, URL: scam, Host: "Hébergeur SAS", Kind: "notice", Actor: "ana"})
	if named.Recipient != "" || !named.MailNextAt.IsZero() {
		t.Errorf("a provider's name became a recipient: %q", named.Recipient)
	}

	w := &removal.MailWorker{Store: db, Mailer: delivery.Email{Addr: smtp.Addr, From: "signalement@vigie.example"},
		From: removal.MailFrom{Address: "signalement@vigie.example", BaseURL: "https://vigie.example/"},
		Label: func(c string) string {
			return map[string]string{"fraud.scam": "Escroquerie", "minors.abuse-material": "Pédopornographie"}[c]
		}, Now: clk.Now}
	if got, err := w.RunOnce(ctx); err != nil || got != 2 {
		t.Fatalf("mailed %d: %v", got, err)
	}
	msgs := smtp.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	byID := map[string]string{}
	for _, m := range msgs {
		for _, id := range []string{n.ID, minors.ID} {
			if strings.Contains(m, id) {
				byID[id] = m
			}
		}
	}
	hdr, human, report := parseXARF(t, byID[n.ID])
	if bad := validate(removal.XARFSchema, report); len(bad) > 0 {
		t.Errorf("report against its schema: %v\n%v", bad, report)
	}
	if report["Source"] != scam || report["Port"] != float64(8443) || report["Domain"] != "arnaque.example" || report["Content-Category"] != "fraud.scam" ||
		report["Schema-URL"] != "https://vigie.example"+removal.XARFSchemaPath || report["Report-ID"] != n.ID+"@vigie.example" {
		t.Errorf("report: %v", report)
	}
	if removal.FrenchBasis(n) == n.LegalBasis || !strings.Contains(removal.FrenchBasis(n), "LCEN") {
		t.Errorf("the French basis of a %s is %q", n.Kind, removal.FrenchBasis(n))
	}
	for _, want := range []string{scam, n.LegalBasis, "Fondement : " + removal.FrenchBasis(n), "26/11/2026 11:00", "2026-11-26 10:00 UTC", "Escroquerie", n.ID} {
		if !strings.Contains(human, want) {
			t.Errorf("human part lacks %q:\n%s", want, human)
		}
	}
	if strings.Contains(hdr.Get("Subject"), "paiement") {
		t.Errorf("the URL is in the subject: %q", hdr.Get("Subject"))
	}

	_, human, report = parseXARF(t, byID[minors.ID])
	if bad := validate(removal.XARFSchema, report); len(bad) > 0 {
		t.Errorf("minors report against its schema: %v", bad)
	}
	for _, leak := range []string{"Pédopornographie", "minors", "abuse-material"} {
		if strings.Contains(human, leak) || strings.Contains(fmt.Sprint(report), leak) {
			t.Errorf("a minors notice says %q beyond its URL:\n%s\n%v", leak, human, report)
		}
	}
	if !strings.Contains(human, csam) {
		t.Errorf("the minors notice lacks its URL")
	}
	got, _ := db.Notice(ctx, n.ID)
	if !got.MailedAt.Equal(now) || got.MailError != "" || !got.MailNextAt.IsZero() || got.MailAttempts != 1 {
		t.Errorf("after mailing: %+v", got)
	}
	if n, err := w.RunOnce(ctx); err != nil || n != 0 {
		t.Errorf("mailed again: %d %v", n, err)
	}

	// A refused recipient: retried with backoff, then given up, audited.
	smtp.SetRefuse(true)
	r, _ := svc.SendNotice(ctx, removal.Draft{CaseID: "case-3", CaseURLs: []string{scam}, URL: scam, Host: "abuse@refuse.example", Kind: "notice", Actor: "ana"})
	w.MaxAttempts = 3
	for i := 1; i <= 3; i++ {
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		got, _ := db.Notice(ctx, r.ID)
		if got.MailAttempts != i || got.MailError == "" || !got.MailedAt.IsZero() {
			t.Fatalf("attempt %d: %+v", i, got)
		}
		if i < 3 && !got.MailNextAt.Equal(clk.Now().Add(removal.MailBackoff(i))) {
			t.Fatalf("attempt %d: next at %v", i, got.MailNextAt)
		}
		if i == 3 && (!got.MailNextAt.IsZero() || !strings.HasPrefix(got.MailError, "gave up")) {
			t.Fatalf("given up: %+v", got)
		}
		clk.Add(time.Hour)
	}
	// A URL that is not a web address cannot make an X-ARF report: given
	// up at once, not retried.
	smtp.SetRefuse(false)
	ftp := "ftp://fichiers.example/f"
	bad, _ := svc.SendNotice(ctx, removal.Draft{CaseID: "case-4", CaseURLs: []string{ftp}, URL: ftp, Host: "abuse@fichiers.example", Kind: "notice", Actor: "ana"})
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Notice(ctx, bad.ID); got.MailAttempts != 1 || !got.MailNextAt.IsZero() || !strings.Contains(got.MailError, "not a web address") {
		t.Errorf("a notice that cannot be mailed: %+v", got)
	}
	actions := map[string]int{}
	db.AuditEntries(ctx, func(e audit.Entry) error {
		if e.Actor == removal.MailActor {
			actions[e.Action]++
		}
		return nil
	})
	if actions["notice.mail"] != 2 || actions["notice.mail_failed"] != 2 {
		t.Errorf("mailer's entries: %v", actions)
	}
}

func TestRecipientOf(t *testing.T) {
	for in, want := range map[string]string{
		"abuse@ovh.net":             "abuse@ovh.net",
		" mailto:abuse@ovh.net ":    "abuse@ovh.net",
		"OVH SAS":                   "",
		"https://ovh.com/abuse":     "",
		"a@b":                       "",
		"Abuse <abuse@ovh.net>":     "",
		"abuse@ovh.net, x@y.z":      "",
		"abuse@ovh.net\r\nBcc: x@y": "",
		"@ovh.net":                  "",
	} {
		if got := removal.RecipientOf(in); got != want {
			t.Errorf("RecipientOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzRecipientOf(f *testing.F) {
	for _, s := range []string{"abuse@ovh.net", "mailto:a@b.c", "x\r\ny@z.w", "\"a b\"@c.d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := removal.RecipientOf(s)
		if got == "" {
			return
		}
		if strings.ContainsAny(got, " \r\n<>,;\"") || strings.Count(got, "@") != 1 {
			t.Fatalf("RecipientOf(%q) = %q", s, got)
		}
		if a, err := mail.ParseAddress(got); err != nil || a.Address != got {
			t.Fatalf("RecipientOf(%q) = %q, not an address", s, got)
		}
	})
}

// FuzzCompose: whatever URL a report named, a composed notice is a
// well-formed X-ARF message whose report gives the URL back intact, with
// no header line a URL could have broken.
func FuzzCompose(f *testing.F) {
	for _, s := range []string{"https://a.example/p?q=1", "http://xn--bcher-kva.example:8080/ü", "https://a.example/\"quoted\"", "https://a.example/a%0d%0aBcc:x"} {
		f.Add(s, "fraud.scam")
	}
	f.Add("https://img.example/1.jpg", "minors.abuse-material")
	f.Fuzz(func(t *testing.T, rawURL, category string) {
		n := removal.Notice{ID: "id-1", URL: rawURL, Kind: "notice", LegalBasis: "LCEN", Category: category,
			SentAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), DueAt: time.Date(2026, 1, 5, 3, 4, 5, 0, time.UTC)}
		msg, err := removal.Compose(n, removal.MailFrom{Address: "v@vigie.example", BaseURL: "https://vigie.example"}, "Label")
		if err != nil {
			return
		}
		for _, h := range append(msg.Header, "Subject: "+msg.Subject) {
			if strings.ContainsAny(h, "\r\n") {
				t.Fatalf("header line %q", h)
			}
		}
		raw := "From: v@vigie.example\r\n" + strings.Join(msg.Header, "\r\n") + "\r\n\r\n" + string(msg.Body)
		_, _, report := parseXARF(t, raw)
		if report["Source"] != rawURL {
			t.Fatalf("Source %q, want %q", report["Source"], rawURL)
		}
	})
}
