package removal

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime/multipart"
	"mime/quotedprintable"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/blocking"
	"github.com/vigie-platform/vigie/stats"
)

// XARFSchema is the JSON schema of the machine-readable part of a mailed
// notice, served at XARFSchemaPath so that the report's Schema-URL
// resolves. X-ARF 0.2 names the schema each report follows; its own
// schemata cover attacks and fraud, not illegal content at a URL.
//
//go:embed xarf_illegal-content_0.2.json
var XARFSchema []byte

// XARFSchemaPath is where the API serves XARFSchema.
const XARFSchemaPath = "/api/xarf/illegal-content_0.2.json"

// Message is a notice as mailed: X-ARF 0.2, a multipart/mixed message
// with a part a person reads and the report a machine reads.
type Message struct {
	Subject string
	// Header lines besides From, To, Subject, Date, Message-ID.
	Header []string
	// Body is the MIME body, lines ended by CRLF.
	Body []byte
}

// MailFrom is what the messages say of their sender.
type MailFrom struct {
	// Address is the platform's sending address (serve --smtp-from), the
	// report's Reported-From.
	Address string
	// BaseURL is the platform's public address: the schema's URL.
	BaseURL string
}

// Compose writes n's message. label names a category for people ("" to
// leave it out). A notice about minors (minors.*, or one the server must
// never fetch) says nothing of the content but its URL, its legal basis,
// its deadline and its reference: no category, no description, no
// evidence part, so that the message itself never carries more than a
// pointer.
func Compose(n Notice, from MailFrom, label string) (Message, error) {
	u, err := url.Parse(n.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || !utf8.ValidString(n.URL) {
		// The report's Source is a web address (Service http or https),
		// given back byte for byte.
		return Message{}, fmt.Errorf("%w: %q is not a web address", ErrNotMailable, n.URL)
	}
	restricted := n.NeverFetch || strings.HasPrefix(n.Category, "minors.")
	if restricted {
		label = ""
	}
	_, fromDomain, _ := strings.Cut(from.Address, "@")
	ref := n.ID + "@" + strings.Trim(fromDomain, "<> ")
	domain := blocking.DomainOf(n.URL)
	due := n.DueAt.In(stats.Zone)

	report := map[string]any{
		"Reported-From": strings.Trim(from.Address, "<> "),
		"Category":      "abuse",
		"Report-Type":   "illegal-content",
		"Report-ID":     ref,
		"Date":          n.SentAt.UTC().Format(time.RFC3339),
		"Source":        n.URL,
		"Source-Type":   "uri",
		"Service":       u.Scheme,
		"Domain":        domain,
		"User-Agent":    "Vigie",
		"Version":       "0.2",
		"Schema-URL":    strings.TrimRight(from.BaseURL, "/") + XARFSchemaPath,
		"Attachment":    "none",
		"Legal-Basis":   n.LegalBasis,
		"Deadline":      n.DueAt.UTC().Format(time.RFC3339),
		"Notice-Kind":   n.Kind,
		"TLP":           "amber",
	}
	if p := u.Port(); p != "" {
		if port, err := strconv.Atoi(p); err == nil {
			report["Port"] = port
		}
	} else if u.Scheme == "https" {
		report["Port"] = 443
	} else {
		report["Port"] = 80
	}
	if !restricted && n.Category != "" {
		report["Content-Category"] = n.Category
	}
	machine, err := json.MarshalIndent(report, "", "  ")
	if err != nil {
		return Message{}, err
	}

	var human strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&human, format+"\n", args...) }
	line("Madame, Monsieur,")
	line("")
	line("La plateforme Vigie vous demande de retirer le contenu à l'adresse ci-dessous, que vous hébergez.")
	line("")
	line("  Adresse : %s", n.URL)
	if label != "" {
		line("  Nature : %s", label)
	}
	line("  Fondement : %s", FrenchBasis(n))
	line("  Délai : retrait avant le %s (heure de Paris)", due.Format("02/01/2006 15:04"))
	line("  Référence : %s", ref)
	line("")
	line("Le retrait sera constaté par des vérifications de l'adresse. Passé le délai, le contenu encore en ligne")
	line("peut faire l'objet d'une demande de blocage et de déréférencement. Merci de rappeler la référence dans")
	line("toute réponse.")
	line("")
	line("-- English --")
	line("")
	line("The Vigie platform asks you to remove the content at the address below, which you host.")
	line("")
	line("  Address: %s", n.URL)
	if label != "" {
		line("  Nature: %s", label)
	}
	line("  Legal basis: %s", n.LegalBasis)
	line("  Deadline: removal before %s (Paris time, %s UTC)", due.Format("2006-01-02 15:04"), n.DueAt.UTC().Format("2006-01-02 15:04"))
	line("  Reference: %s", ref)
	line("")
	line("Removal is verified by checks of the address. After the deadline, content still online may be the")
	line("subject of a blocking and delisting request. Please quote the reference in any reply.")
	line("")
	line("The machine-readable report (X-ARF 0.2) is the second part of this message.")

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, part := range []struct {
		header textproto.MIMEHeader
		text   string
	}{
		{textproto.MIMEHeader{"Content-Type": {"text/plain; charset=utf-8"}, "Content-Transfer-Encoding": {"quoted-printable"}}, human.String()},
		{textproto.MIMEHeader{"Content-Type": {`text/plain; charset=utf-8; name="report.txt"`}, "Content-Transfer-Encoding": {"quoted-printable"}}, string(machine) + "\n"},
	} {
		w, err := mw.CreatePart(part.header)
		if err != nil {
			return Message{}, err
		}
		qp := quotedprintable.NewWriter(w)
		if _, err := qp.Write([]byte(part.text)); err != nil {
			return Message{}, err
		}
		if err := qp.Close(); err != nil {
			return Message{}, err
		}
	}
	if err := mw.Close(); err != nil {
		return Message{}, err
	}
	return Message{
		// The subject names the domain, not the URL: a URL is the
		// reporter's text and has no place in a header.
		Subject: "abuse report about " + domain + " - " + ref,
		Header: []string{
			"Content-Type: multipart/mixed; boundary=\"" + mw.Boundary() + "\"",
			"X-XARF: PLAIN",
			"X-ARF: YES",
			"Auto-Submitted: auto-generated",
		},
		Body: body.Bytes(),
	}, nil
}

// ErrNotMailable is a notice that cannot be put in a message (its URL
// is not a web address): it is given up at once, not retried.
var ErrNotMailable = errors.New("notice cannot be mailed")

// Mailer sends a MIME message (delivery.Email does).
type Mailer interface {
	SendMIME(ctx context.Context, to, subject string, header []string, body []byte) error
}

// MailWorker mails the notices that have a recipient, outside any
// request, with retries: an outbox on the notices themselves
// (ClaimNoticeMail), claimed by one instance at a time.
type MailWorker struct {
	Store  Store
	Mailer Mailer
	From   MailFrom
	// Label names a category for people (the taxonomy's French label);
	// nil leaves the nature out.
	Label       func(category string) string
	MaxAttempts int // default 12: about seven hours of tries
	Lease       time.Duration
	Logger      *slog.Logger
	Now         func() time.Time
}

// MailActor is who the mail worker's changes are recorded as.
const MailActor = "mailer"

// MailBackoff is the wait after failed attempt n: 1 min, 2, 4… capped
// at an hour.
func MailBackoff(attempts int) time.Duration {
	d := time.Minute
	for i := 1; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

func (w *MailWorker) now() time.Time {
	if w.Now != nil {
		return w.Now().UTC()
	}
	return time.Now().UTC()
}

// RunOnce mails what is due and returns how many notices it tried.
func (w *MailWorker) RunOnce(ctx context.Context) (int, error) {
	lease := w.Lease
	if lease <= 0 {
		lease = 2 * time.Minute
	}
	max := w.MaxAttempts
	if max <= 0 {
		max = 12
	}
	batch, err := w.Store.ClaimNoticeMail(ctx, w.now(), lease, 20)
	if err != nil {
		return 0, fmt.Errorf("claim notice mail: %w", err)
	}
	var errs []error
	for _, n := range batch {
		label := ""
		if w.Label != nil {
			label = w.Label(n.Category)
		}
		msg, err := Compose(n, w.From, label)
		if err == nil {
			err = w.Mailer.SendMIME(ctx, n.Recipient, msg.Subject, msg.Header, msg.Body)
		}
		now := w.now()
		entry := audit.Entry{At: now, Actor: MailActor, ObjectType: "case", ObjectID: n.CaseID}
		save := func(ctx context.Context) error { return w.Store.SaveNoticeMail(ctx, n) }
		switch {
		case err == nil:
			n.MailedAt, n.MailError, n.MailNextAt = now, "", time.Time{}
			entry.Action, entry.Detail = "notice.mail", n.ID+" "+n.Recipient
			err = audit.Within(ctx, entry, save)
		case errors.Is(err, ErrNotMailable) || n.MailAttempts >= max:
			n.MailError, n.MailNextAt = trim(fmt.Sprintf("gave up after %d attempts: %v", n.MailAttempts, err)), time.Time{}
			entry.Action, entry.Detail = "notice.mail_failed", n.ID+" "+n.MailError
			err = audit.Within(ctx, entry, save)
		default:
			// A retry to come: the error shows on the case page; the
			// trail records the outcome, sent or given up.
			n.MailError, n.MailNextAt = trim(err.Error()), now.Add(MailBackoff(n.MailAttempts))
			if w.Logger != nil {
				w.Logger.Warn("notice not mailed", "notice", n.ID, "attempt", n.MailAttempts, "err", err)
			}
			err = save(ctx)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("notice %s: %w", n.ID, err))
		}
	}
	return len(batch), errors.Join(errs...)
}

// Run mails what is due every interval until ctx ends.
func (w *MailWorker) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := w.RunOnce(ctx); err != nil && w.Logger != nil && ctx.Err() == nil {
			w.Logger.Error("notice mail worker", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
