package report

import (
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/taxonomy"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func base() Submission {
	return Submission{Category: "fraud.scam", Description: "faux site", Anonymous: true, Channel: ChannelWeb}
}

func TestValidateAccepts(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*Submission)
		check func(*testing.T, *Report)
	}{
		{"minimal anonymous", func(s *Submission) {}, func(t *testing.T, r *Report) {
			if r.Status != StatusReceived || r.Lang != "fr" || len(r.URLs) != 0 || !r.Reporter.Anonymous {
				t.Errorf("%+v", r)
			}
		}},
		{"urls trimmed, blanks dropped, defanged accepted", func(s *Submission) {
			s.URLs = []string{" https://a.example.fr/x ", "", "hxxps://b[.]example[.]com/login", "www.c.example.org", "192.0.2.7/panel", "ftp://files.example.net"}
		}, func(t *testing.T, r *Report) {
			want := []string{"https://a.example.fr/x", "hxxps://b[.]example[.]com/login", "www.c.example.org", "192.0.2.7/panel", "ftp://files.example.net"}
			if strings.Join(r.URLs, "|") != strings.Join(want, "|") {
				t.Errorf("urls = %q", r.URLs)
			}
		}},
		{"amount with comma and spaces", func(s *Submission) { s.AmountLost = "1 250,5"; s.PaymentMeans = "card" }, func(t *testing.T, r *Report) {
			if r.Loss == nil || r.Loss.AmountCents != 125050 || r.Loss.Currency != "EUR" || r.Loss.Means != "card" {
				t.Errorf("loss = %+v", r.Loss)
			}
		}},
		{"identified with phone only", func(s *Submission) { s.Anonymous = false; s.Name = "Léa"; s.Phone = "06 12 34 56 78" }, func(t *testing.T, r *Report) {
			if r.Reporter.Name != "Léa" || r.Reporter.Phone != "06 12 34 56 78" {
				t.Errorf("%+v", r.Reporter)
			}
		}},
		{"anonymous drops contact details", func(s *Submission) { s.Name = "X"; s.Email = "x@example.fr" }, func(t *testing.T, r *Report) {
			if r.Reporter.Name != "" || r.Reporter.Email != "" {
				t.Errorf("anonymous report kept identity: %+v", r.Reporter)
			}
		}},
		{"datetime-local date", func(s *Submission) { s.OccurredAt = "2026-11-20T21:15" }, func(t *testing.T, r *Report) {
			if r.OccurredAt == nil || r.OccurredAt.Hour() != 21 {
				t.Errorf("%v", r.OccurredAt)
			}
		}},
		{"HTML kept verbatim", func(s *Submission) { s.Description = `<script>alert(1)</script>` }, func(t *testing.T, r *Report) {
			if r.Description != `<script>alert(1)</script>` {
				t.Errorf("%q", r.Description)
			}
		}},
		{"english", func(s *Submission) { s.Lang = "en" }, func(t *testing.T, r *Report) {
			if r.Lang != "en" {
				t.Error(r.Lang)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sub := base()
			tc.edit(&sub)
			r, inv := validate(sub, taxonomy.Default(), now)
			if inv != nil {
				t.Fatalf("refused: %v", inv)
			}
			tc.check(t, r)
		})
	}
}

func TestValidateRefuses(t *testing.T) {
	many := make([]string, MaxURLs+1)
	for i := range many {
		many[i] = "https://example.fr"
	}
	cases := []struct {
		name  string
		edit  func(*Submission)
		field string
		code  string
	}{
		{"no category", func(s *Submission) { s.Category = "" }, "category", "required"},
		{"unknown category", func(s *Submission) { s.Category = "fraud" }, "category", "unknown_category"},
		{"blank description", func(s *Submission) { s.Description = "  \n " }, "description", "required"},
		{"long description", func(s *Submission) { s.Description = strings.Repeat("é", MaxDescription+1) }, "description", "too_long"},
		{"NUL in description", func(s *Submission) { s.Description = "a\x00b" }, "description", "control_chars"},
		{"bad UTF-8", func(s *Submission) { s.Description = "a\xffb" }, "description", "invalid_utf8"},
		{"newline in seen_on", func(s *Submission) { s.SeenOn = "a\nb" }, "seen_on", "control_chars"},
		{"too many urls", func(s *Submission) { s.URLs = many }, "urls", "too_many"},
		{"javascript url", func(s *Submission) { s.URLs = []string{"javascript:alert(1)"} }, "urls[0]", "invalid_url"},
		{"data url", func(s *Submission) { s.URLs = []string{"ok.example.fr", "data:text/html,<b>x</b>"} }, "urls[1]", "invalid_url"},
		{"word url", func(s *Submission) { s.URLs = []string{"arnaque"} }, "urls[0]", "invalid_url"},
		{"url with space in host", func(s *Submission) { s.URLs = []string{"http://exa mple.com"} }, "urls[0]", "invalid_url"},
		{"long url", func(s *Submission) { s.URLs = []string{"https://e.fr/" + strings.Repeat("a", MaxURLLength)} }, "urls[0]", "too_long"},
		{"future date", func(s *Submission) { s.OccurredAt = "2026-11-25" }, "occurred_at", "future_date"},
		{"ancient date", func(s *Submission) { s.OccurredAt = "1969-07-20" }, "occurred_at", "invalid_date"},
		{"bad date", func(s *Submission) { s.OccurredAt = "23/11/2026" }, "occurred_at", "invalid_date"},
		{"identified without name", func(s *Submission) { s.Anonymous = false; s.Email = "a@b.fr" }, "reporter.name", "required"},
		{"identified without contact", func(s *Submission) { s.Anonymous = false; s.Name = "A" }, "reporter.email", "contact_required"},
		{"bad email", func(s *Submission) { s.Anonymous = false; s.Name = "A"; s.Email = "A <a@b.fr>" }, "reporter.email", "invalid_email"},
		{"email without dot", func(s *Submission) { s.Anonymous = false; s.Name = "A"; s.Email = "a@localhost" }, "reporter.email", "invalid_email"},
		{"short phone", func(s *Submission) { s.Anonymous = false; s.Name = "A"; s.Phone = "123" }, "reporter.phone", "invalid_phone"},
		{"letters in phone", func(s *Submission) { s.Anonymous = false; s.Name = "A"; s.Phone = "06 CALL ME" }, "reporter.phone", "invalid_phone"},
		{"negative amount", func(s *Submission) { s.AmountLost = "-3" }, "loss.amount", "invalid_amount"},
		{"three decimals", func(s *Submission) { s.AmountLost = "1.234" }, "loss.amount", "invalid_amount"},
		{"huge amount", func(s *Submission) { s.AmountLost = "99999999999999" }, "loss.amount", "invalid_amount"},
		{"bad currency", func(s *Submission) { s.AmountLost = "3"; s.Currency = "€" }, "loss.currency", "invalid_currency"},
		{"bad means", func(s *Submission) { s.PaymentMeans = "gold" }, "loss.payment_means", "unknown_payment_means"},
		{"too many files", func(s *Submission) {
			for range MaxAttachments + 1 {
				s.Attachments = append(s.Attachments, Upload{Filename: "a", Content: []byte("x")})
			}
		}, "attachments", "too_many_files"},
		{"empty file", func(s *Submission) { s.Attachments = []Upload{{Filename: "a", Content: nil}} }, "attachments[0]", "empty_file"},
		{"big file", func(s *Submission) {
			s.Attachments = []Upload{{Filename: "a", Content: make([]byte, MaxAttachmentBytes+1)}}
		}, "attachments[0]", "too_large"},
		{"file for minors", func(s *Submission) {
			s.Category = "minors.abuse-material"
			s.Attachments = []Upload{{Filename: "a.jpg", Content: []byte("x")}}
		}, "attachments", "not_allowed_for_category"},
		{"control char in file name", func(s *Submission) { s.Attachments = []Upload{{Filename: "a\x1b.jpg", Content: []byte("x")}} }, "attachments[0].filename", "control_chars"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sub := base()
			tc.edit(&sub)
			_, inv := validate(sub, taxonomy.Default(), now)
			if inv == nil {
				t.Fatal("accepted")
			}
			p, ok := inv.Fields[tc.field]
			if !ok || p.Code != tc.code {
				t.Fatalf("fields = %v, want %s: %s", inv.Fields, tc.field, tc.code)
			}
			for _, lang := range []string{"fr", "en"} {
				if msg := p.Message(lang); msg == "" || strings.Contains(msg, "%!") {
					t.Errorf("message %s = %q", lang, msg)
				}
			}
		})
	}
}

func TestEveryProblemHasBothLanguages(t *testing.T) {
	for code, m := range problemMessages {
		if m[0] == "" || m[1] == "" || m[0] == m[1] {
			t.Errorf("%s: %q", code, m)
		}
	}
}

func TestCleanFilename(t *testing.T) {
	for in, want := range map[string]string{
		"capture.png":              "capture.png",
		"../../etc/passwd":         "passwd",
		`C:\Users\a\Desktop\x.jpg`: "x.jpg",
		"..":                       "",
		"/":                        "",
		"dir/":                     "dir",
	} {
		if got := cleanFilename(in); got != want {
			t.Errorf("cleanFilename(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzValidate(f *testing.F) {
	f.Add("fraud.scam", "desc", "https://x.example.fr", "1250,50", "2026-11-01", "a@b.fr", "06 12 34 56 78")
	f.Add("", "", "javascript:alert(1)", "-1", "x", "<a>", "")
	f.Add("minors.grooming", "\xff", "hxxp://x[.]y", "1.234", "2026-11-20T21:15", "a@b", "+33")
	tax := taxonomy.Default()
	f.Fuzz(func(t *testing.T, cat, desc, u, amount, when, email, phone string) {
		sub := Submission{Category: cat, Description: desc, URLs: []string{u}, AmountLost: amount, OccurredAt: when,
			Name: "n", Email: email, Phone: phone}
		r, inv := validate(sub, tax, now)
		if (r == nil) == (inv == nil) {
			t.Fatalf("exactly one of report and error expected: %v %v", r, inv)
		}
		if inv != nil {
			for k, p := range inv.Fields {
				if p.Message("fr") == "" || k == "" {
					t.Fatalf("empty problem for %q", k)
				}
			}
		}
	})
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"0", "12", "12,5", "12.50", "1 000,00", "-1", "1e3", "٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cents, ok := parseAmount(s)
		if ok && (cents < 0 || cents > MaxAmountLostCents) {
			t.Fatalf("parseAmount(%q) = %d", s, cents)
		}
	})
}
