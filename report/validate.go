package report

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/vigie-platform/vigie/contenthash"
	"github.com/vigie-platform/vigie/taxonomy"
)

// Submission is what a sender gives, before any check. Web form and API
// both fill one and hand it to the same Intake.
type Submission struct {
	Category     string
	Description  string
	URLs         []string
	SeenOn       string
	OccurredAt   string // YYYY-MM-DD, YYYY-MM-DDTHH:MM or RFC 3339
	Urgent       bool
	Anonymous    bool
	Name         string
	Email        string
	Phone        string
	IsVictim     bool
	AmountLost   string // decimal, "." or "," as separator; "" when none
	Currency     string
	PaymentMeans string
	Lang         string
	Attachments  []Upload
	// Notify is the reporter's consent to news of the report by e-mail.
	Notify bool
	// Hashes are media hashes without the files: {kind, value} with kind
	// md5, sha1, sha256 or pdq (API only).
	Hashes []HashInput

	Channel        Channel
	TokenName      string
	IdempotencyKey string
}

// HashInput is one media hash as sent.
type HashInput struct {
	Kind  string
	Value string
}

// Upload is an attached file as received.
type Upload struct {
	Filename string
	Content  []byte
}

// Problem is what is wrong with one field, as a stable code and an optional
// number (a limit), translated for people by Message.
type Problem struct {
	Code  string
	Limit int
}

// InvalidError lists the fields that failed validation, keyed by their API
// names (urls[0], reporter.email, …). Nothing is stored when it is returned.
type InvalidError struct {
	Fields map[string]Problem
}

func (e *InvalidError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k].Message("en")
	}
	return "invalid report: " + strings.Join(parts, "; ")
}

// TooLarge reports whether any problem is a size limit, which HTTP maps to 413.
func (e *InvalidError) TooLarge() bool {
	for _, p := range e.Fields {
		if p.Code == "too_large" || p.Code == "too_many_files" {
			return true
		}
	}
	return false
}

var (
	amountPattern   = regexp.MustCompile(`^[0-9]{1,13}([.,][0-9]{1,2})?$`)
	currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)
	phoneChars      = regexp.MustCompile(`^\+?[0-9 ().\-/]+$`)
)

type checker struct {
	fields map[string]Problem
}

func (c *checker) fail(field, code string, limit int) {
	if _, seen := c.fields[field]; !seen {
		c.fields[field] = Problem{Code: code, Limit: limit}
	}
}

// text checks one free-text field: valid UTF-8, length in characters and,
// unless multiline, no control characters at all.
func (c *checker) text(field, s string, max int, multiline bool) {
	if !utf8.ValidString(s) {
		c.fail(field, "invalid_utf8", 0)
		return
	}
	if utf8.RuneCountInString(s) > max {
		c.fail(field, "too_long", max)
		return
	}
	for _, r := range s {
		if r == '\n' || r == '\r' || r == '\t' {
			if multiline {
				continue
			}
		}
		if unicode.IsControl(r) {
			c.fail(field, "control_chars", 0)
			return
		}
	}
}

// validate checks a submission against the taxonomy and builds the report
// it describes. It never touches storage.
func validate(sub Submission, tax *taxonomy.Taxonomy, now time.Time) (*Report, *InvalidError) {
	c := &checker{fields: map[string]Problem{}}
	r := &Report{
		Status:         StatusReceived,
		Channel:        sub.Channel,
		TokenName:      sub.TokenName,
		Urgent:         sub.Urgent,
		IsVictim:       sub.IsVictim,
		IdempotencyKey: sub.IdempotencyKey,
		Lang:           "fr",
	}
	if sub.Lang == "en" {
		r.Lang = "en"
	}

	r.Category = strings.TrimSpace(sub.Category)
	switch {
	case r.Category == "":
		c.fail("category", "required", 0)
	case !utf8.ValidString(r.Category):
		c.fail("category", "invalid_utf8", 0)
	default:
		if _, ok := tax.Lookup(r.Category); !ok {
			c.fail("category", "unknown_category", 0)
		}
	}

	r.Description = strings.TrimSpace(sub.Description)
	if r.Description == "" {
		c.fail("description", "required", 0)
	} else {
		c.text("description", r.Description, MaxDescription, true)
	}

	var urls []string
	for _, u := range sub.URLs {
		if u = strings.TrimSpace(u); u != "" {
			urls = append(urls, u)
		}
	}
	if len(urls) > MaxURLs {
		c.fail("urls", "too_many", MaxURLs)
	}
	for i, u := range urls {
		field := fmt.Sprintf("urls[%d]", i)
		c.text(field, u, MaxURLLength, false)
		if _, bad := c.fields[field]; !bad && !plausibleURL(u) {
			c.fail(field, "invalid_url", 0)
		}
	}
	r.URLs = urls
	if r.URLs == nil {
		r.URLs = []string{}
	}

	r.SeenOn = strings.TrimSpace(sub.SeenOn)
	c.text("seen_on", r.SeenOn, MaxShortText, false)

	if s := strings.TrimSpace(sub.OccurredAt); s != "" {
		t, ok := parseWhen(s)
		switch {
		case !ok:
			c.fail("occurred_at", "invalid_date", 0)
		case t.After(now.Add(24 * time.Hour)):
			c.fail("occurred_at", "future_date", 0)
		case t.Year() < 1990:
			c.fail("occurred_at", "invalid_date", 0)
		default:
			r.OccurredAt = &t
		}
	}

	r.Reporter.Anonymous = sub.Anonymous
	if !sub.Anonymous {
		r.Reporter.Name = strings.TrimSpace(sub.Name)
		r.Reporter.Email = strings.TrimSpace(sub.Email)
		r.Reporter.Phone = strings.TrimSpace(sub.Phone)
		if r.Reporter.Name == "" {
			c.fail("reporter.name", "required", 0)
		}
		c.text("reporter.name", r.Reporter.Name, MaxShortText, false)
		if r.Reporter.Email == "" && r.Reporter.Phone == "" {
			c.fail("reporter.email", "contact_required", 0)
		}
		if r.Reporter.Email != "" {
			c.text("reporter.email", r.Reporter.Email, MaxShortText, false)
			if !plausibleEmail(r.Reporter.Email) {
				c.fail("reporter.email", "invalid_email", 0)
			}
		}
		if r.Reporter.Phone != "" {
			if !plausiblePhone(r.Reporter.Phone) {
				c.fail("reporter.phone", "invalid_phone", 0)
			}
		}
	}
	// News go to the reporter's e-mail address only: asking for them
	// without one (or anonymously) is a mistake to point out, not to drop.
	if sub.Notify {
		if sub.Anonymous || strings.TrimSpace(sub.Email) == "" {
			c.fail("reporter.notify", "news_needs_email", 0)
		}
		r.Notify = true
	}

	if s := strings.TrimSpace(sub.AmountLost); s != "" || sub.PaymentMeans != "" {
		loss := &Loss{Currency: strings.ToUpper(strings.TrimSpace(sub.Currency)), Means: strings.TrimSpace(sub.PaymentMeans)}
		if loss.Currency == "" {
			loss.Currency = "EUR"
		}
		if s != "" {
			cents, ok := parseAmount(s)
			if !ok {
				c.fail("loss.amount", "invalid_amount", 0)
			}
			loss.AmountCents = cents
		}
		if !currencyPattern.MatchString(loss.Currency) {
			c.fail("loss.currency", "invalid_currency", 0)
		}
		if loss.Means != "" && !slices.Contains(PaymentMeans, loss.Means) {
			c.fail("loss.payment_means", "unknown_payment_means", 0)
		}
		r.Loss = loss
	}

	if len(sub.Attachments) > 0 && strings.HasPrefix(r.Category, "minors.") {
		// Receiving child-abuse images would itself be possession: for these
		// categories the platform takes addresses, never files.
		c.fail("attachments", "not_allowed_for_category", 0)
	}
	if len(sub.Attachments) > MaxAttachments {
		c.fail("attachments", "too_many_files", MaxAttachments)
	}
	for i, a := range sub.Attachments {
		field := fmt.Sprintf("attachments[%d]", i)
		switch {
		case len(a.Content) == 0:
			c.fail(field, "empty_file", 0)
		case len(a.Content) > MaxAttachmentBytes:
			c.fail(field, "too_large", MaxAttachmentBytes)
		}
		c.text(field+".filename", a.Filename, MaxFilenameLength, false)
	}

	if len(sub.Hashes) > MaxHashes {
		c.fail("hashes", "too_many", MaxHashes)
	}
	for i, h := range sub.Hashes {
		k, err := contenthash.ParseKind(h.Kind)
		var v contenthash.Hash
		if err == nil {
			v, err = contenthash.New(k, strings.TrimSpace(h.Value))
		}
		if err != nil {
			c.fail(fmt.Sprintf("hashes[%d]", i), "invalid_hash", 0)
			continue
		}
		if !slices.Contains(r.Hashes, v) {
			r.Hashes = append(r.Hashes, v)
		}
	}

	if sub.IdempotencyKey != "" {
		c.text("idempotency_key", sub.IdempotencyKey, MaxIdempotencyKey, false)
	}

	if len(c.fields) > 0 {
		return nil, &InvalidError{Fields: c.fields}
	}
	return r, nil
}

// plausibleURL accepts what people paste: with or without a scheme, and the
// defanged forms analysts write (hxxp, [.]). It keeps out what is not a
// web address at all (javascript:, data:, plain words).
func plausibleURL(s string) bool {
	refanged := strings.NewReplacer("[.]", ".", "(.)", ".", "[:]", ":", "[://]", "://").Replace(s)
	lower := strings.ToLower(refanged)
	if strings.HasPrefix(lower, "hxxp") {
		refanged = "http" + refanged[len("hxxp"):]
	}
	if !strings.Contains(lower, "://") {
		refanged = "http://" + refanged
	}
	u, err := url.Parse(refanged)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "ftp":
	default:
		return false
	}
	host := u.Hostname()
	if host == "" || strings.ContainsAny(host, " \t") {
		return false
	}
	if net.ParseIP(host) != nil {
		return true
	}
	return strings.Contains(strings.Trim(host, "."), ".")
}

func plausibleEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at+1:], ".")
}

func plausiblePhone(s string) bool {
	if !phoneChars.MatchString(s) {
		return false
	}
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	return digits >= 6 && digits <= 17
}

func parseAmount(s string) (int64, bool) {
	s = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "").Replace(s)
	if !amountPattern.MatchString(s) {
		return 0, false
	}
	whole, frac, _ := strings.Cut(strings.Replace(s, ",", ".", 1), ".")
	for len(frac) < 2 {
		frac += "0"
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, false
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	cents := w*100 + f
	return cents, cents <= MaxAmountLostCents
}

func parseWhen(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
