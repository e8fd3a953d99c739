package portal

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/vigie-platform/vigie/advice"
	"github.com/vigie-platform/vigie/installation"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/web"
	"github.com/vigie-platform/vigie/web/figures"
)

var pageNames = []string{"home", "choose", "form", "done", "followup", "advice", "advice_index", "news_stop",
	"diagnosis", "legal", "privacy", "accessibility", "contact"}

// parsePages parses the portal's pages in the public layout; the figures
// page's content comes from web/figures.
func parsePages() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		out[name] = web.PublicPage(templateFS, "templates/"+name+".html")
	}
	out["figures"] = web.PublicPage(figures.Template, "figures.html")
	// The embedded entry point has a layout of its own, without the site's
	// header: it defines "layout" itself.
	out["embed"] = template.Must(template.ParseFS(templateFS, "templates/embed.html"))
	return out
}

// formView is the report form's input, kept when the form comes back.
type formView struct {
	Category, Description, URLs, SeenOn, OccurredAt string
	Urgent, Anonymous, IsVictim, Notify             bool
	Name, Email, Phone                              string
	Amount, Currency, PaymentMeans                  string
	SubmissionID                                    string
}

type fieldError struct {
	ID      string // the input's id, for the summary's link
	Message string
	// Label names the field in the error summary, which is read away
	// from the form: "Décrivez les faits : ce champ est obligatoire."
	Label string
}

// inputLabels are the catalogue keys of the inputs' labels.
var inputLabels = map[string]string{
	"category": "form.category", "description": "form.description", "urls": "form.urls", "seen_on": "form.seen_on",
	"occurred_at": "form.occurred_at", "amount": "form.amount", "currency": "form.currency",
	"payment_means": "form.payment_means", "attachments": "form.files", "name": "form.name", "email": "form.email",
	"phone": "form.phone", "website": "form.honeypot", "altcha": "form.pow", "idempotency_key": "form.submission",
}

// page is what the portal's templates receive: the shared page and the
// report form's state.
type page struct {
	web.Page
	Category     web.CategoryView
	Form         formView
	Errors       []fieldError
	Ack          report.Acknowledgement
	Receipt      string
	Status       string
	Challenge    string
	PaymentMeans []string
	// Article is the prevention article of the page's category, if any.
	Article *advice.Article
	// Kept is the receipt to keep: the confirmation page's summary, and
	// the receipt and secret the PDF form carries back.
	Kept *receiptView
	// StatusCode is the follow-up's status; Statuses every status, for
	// the page that says what each means.
	StatusCode report.Status
	Statuses   []report.Status
	// NewsOn: the platform can send news by e-mail (the form offers it).
	NewsOn bool
	// StopToken and Stopped are the unsubscribe page's.
	StopToken string
	Stopped   bool
	// Info is the installation's configuration, on the legal pages.
	Info *installation.Info
}

// Err is the message for one input, if any.
func (p page) Err(id string) string {
	for _, e := range p.Errors {
		if e.ID == id {
			return e.Message
		}
	}
	return ""
}

func (s *server) newPage(r *http.Request, title string) page {
	p := page{Page: web.NewPage(r, title, s.Intake.Taxonomy()), PaymentMeans: report.PaymentMeans, NewsOn: s.News != nil,
		Statuses: []report.Status{report.StatusReceived, report.StatusAnalysing, report.StatusReferred, report.StatusClosed}}
	s.orderCategories(&p)
	p.A11yStatus = s.Installation.Accessibility.Status
	return p
}

func (s *server) render(w http.ResponseWriter, status int, name string, p page) {
	s.pages.Render(w, status, name, p)
}

func (s *server) handleHome(w http.ResponseWriter, r *http.Request) {
	s.Visits.Observe(r)
	s.render(w, http.StatusOK, "home", s.newPage(r, "home.title"))
}

func newSubmissionID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *server) challengeJSON() string {
	b, _ := json.Marshal(s.Altcha.NewChallenge())
	return string(b)
}

func (s *server) handleReportForm(w http.ResponseWriter, r *http.Request) {
	s.Visits.Observe(r)
	p := s.newPage(r, "form.title")
	code := r.URL.Query().Get("category")
	c, ok := s.Intake.Taxonomy().Lookup(code)
	if !ok {
		s.render(w, http.StatusOK, "choose", p)
		return
	}
	p.Category = web.ViewOf(c, p.Lang)
	p.Form = formView{Category: c.Code, Currency: "EUR", SubmissionID: newSubmissionID()}
	p.Challenge = s.challengeJSON()
	p.Article = s.article(c.Code, p.Lang)
	s.render(w, http.StatusOK, "form", p)
}

var (
	indexed  = regexp.MustCompile(`\[\d+\].*$`)
	urlField = regexp.MustCompile(`^urls\[(\d+)\]$`)
)

// inputFor maps the intake's field names to the form's inputs.
func inputFor(field string) string {
	switch base := indexed.ReplaceAllString(field, ""); base {
	case "reporter.name":
		return "name"
	case "reporter.email":
		return "email"
	case "reporter.notify":
		return "notify"
	case "reporter.phone":
		return "phone"
	case "loss.amount":
		return "amount"
	case "loss.currency":
		return "currency"
	case "loss.payment_means":
		return "payment_means"
	default:
		return base
	}
}

// formOrder lists inputs top to bottom, so the error summary reads in the
// order of the page.
var formOrder = []string{"category", "description", "urls", "seen_on", "occurred_at", "amount", "currency", "payment_means",
	"attachments", "name", "email", "notify", "phone", "website", "altcha", "idempotency_key"}

func (p *page) setErrors(inv *report.InvalidError) {
	byInput := map[string][]string{}
	for field, prob := range inv.Fields {
		msg := prob.Message(p.Lang)
		if m := urlField.FindStringSubmatch(field); m != nil {
			var n int
			fmt.Sscan(m[1], &n)
			msg = p.T("form.url_n", n+1) + " — " + msg
		}
		id := inputFor(field)
		byInput[id] = append(byInput[id], msg)
	}
	for _, id := range formOrder {
		if msgs, ok := byInput[id]; ok {
			p.Errors = append(p.Errors, fieldError{ID: id, Message: strings.Join(msgs, " "), Label: p.T(inputLabels[id])})
		}
	}
}

func formFrom(r *http.Request) formView {
	v := r.PostForm.Get
	return formView{
		Category: v("category"), Description: v("description"), URLs: v("urls"), SeenOn: v("seen_on"),
		OccurredAt: v("occurred_at"), Urgent: v("urgent") != "", Anonymous: v("anonymous") != "",
		IsVictim: v("is_victim") != "", Name: v("name"), Email: v("email"), Phone: v("phone"),
		Amount: v("amount"), Currency: v("currency"), PaymentMeans: v("payment_means"), Notify: v("notify") != "",
		SubmissionID: v("submission_id"),
	}
}

func (f formView) submission(lang string) report.Submission {
	sub := report.Submission{
		Category: f.Category, Description: f.Description, URLs: strings.Split(strings.ReplaceAll(f.URLs, "\r\n", "\n"), "\n"),
		SeenOn: f.SeenOn, OccurredAt: f.OccurredAt, Urgent: f.Urgent, Anonymous: f.Anonymous,
		Name: f.Name, Email: f.Email, Phone: f.Phone, IsVictim: f.IsVictim,
		Currency: f.Currency, PaymentMeans: f.PaymentMeans, Lang: lang,
		Channel: report.ChannelWeb, IdempotencyKey: f.SubmissionID, Notify: f.Notify,
	}
	if strings.TrimSpace(f.Amount) != "" {
		sub.AmountLost = f.Amount
	}
	return sub
}

func (s *server) handleReportSubmit(w http.ResponseWriter, r *http.Request) {
	limited := !s.Allow(w, "form", s.ClientIP(r), s.Limits.Form)

	p := s.newPage(r, "form.title")
	r.Body = http.MaxBytesReader(w, r.Body, web.MaxMultipartBody)
	var err error
	switch web.MediaType(r) {
	case "multipart/form-data":
		err = r.ParseMultipartForm(12 << 20)
		if r.MultipartForm != nil {
			defer r.MultipartForm.RemoveAll()
		}
	case "application/x-www-form-urlencoded":
		err = r.ParseForm()
	default:
		p.General = p.T("form.unavailable")
		s.render(w, http.StatusUnsupportedMediaType, "choose", p)
		return
	}
	p = s.newPage(r, "form.title") // the body may carry the language
	p.Challenge = s.challengeJSON()
	if err != nil {
		status, msg := http.StatusBadRequest, p.T("form.unavailable")
		if web.IsTooBig(err) {
			status, msg = http.StatusRequestEntityTooLarge, p.T("form.too_large")
		}
		p.General = msg
		s.render(w, status, "choose", p)
		return
	}
	p.Form = formFrom(r)
	c, known := s.Intake.Taxonomy().Lookup(p.Form.Category)
	if !known {
		s.render(w, http.StatusBadRequest, "choose", p)
		return
	}
	p.Category = web.ViewOf(c, p.Lang)
	if p.Form.SubmissionID == "" {
		p.Form.SubmissionID = newSubmissionID()
	}
	if limited {
		p.General = p.T("form.rate_limited")
		s.render(w, http.StatusTooManyRequests, "form", p)
		return
	}
	if r.PostForm.Get("website") != "" {
		p.setErrors(&report.InvalidError{Fields: map[string]report.Problem{"website": {Code: "must_be_empty"}}})
		s.render(w, http.StatusBadRequest, "form", p)
		return
	}
	// The proof of work is required when the page's script ran; without
	// JavaScript only the rate limit applies.
	if r.PostForm.Get("altcha_js") == "1" {
		if err := s.Altcha.Verify(r.Context(), r.PostForm.Get("altcha")); err != nil {
			p.setErrors(&report.InvalidError{Fields: map[string]report.Problem{"altcha": {Code: "invalid_proof"}}})
			s.render(w, http.StatusBadRequest, "form", p)
			return
		}
	}
	if s.News == nil {
		p.Form.Notify = false // no news can be sent: no consent is recorded
	}
	sub := p.Form.submission(p.Lang)
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["attachments"] {
			if fh.Filename == "" && fh.Size == 0 {
				continue // an empty file input
			}
			f, err := fh.Open()
			if err != nil {
				p.General = p.T("form.unavailable")
				s.render(w, http.StatusBadRequest, "form", p)
				return
			}
			content, err := io.ReadAll(io.LimitReader(f, report.MaxAttachmentBytes+1))
			f.Close()
			if err != nil {
				p.General = p.T("form.unavailable")
				s.render(w, http.StatusBadRequest, "form", p)
				return
			}
			sub.Attachments = append(sub.Attachments, report.Upload{Filename: fh.Filename, Content: content})
		}
	}
	ack, err := s.Intake.Submit(r.Context(), sub)
	if errors.Is(err, report.ErrIdempotencyMismatch) {
		// The page was sent, then edited and sent again: that is a new report.
		sub.IdempotencyKey = newSubmissionID()
		ack, err = s.Intake.Submit(r.Context(), sub)
	}
	var inv *report.InvalidError
	switch {
	case errors.As(err, &inv):
		p.setErrors(inv)
		status := http.StatusBadRequest
		if inv.TooLarge() {
			status = http.StatusRequestEntityTooLarge
		}
		s.render(w, status, "form", p)
		return
	case err != nil:
		s.Logger.Error("store report", "err", err)
		w.Header().Set("Retry-After", "5")
		p.General = p.T("form.unavailable")
		s.render(w, http.StatusServiceUnavailable, "form", p)
		return
	}
	if !ack.Replayed {
		s.ReportsStored("web", 1)
	}
	done := s.newPage(r, "done.title")
	done.Ack = ack
	// The summary is read back from the store: what was kept, as it was
	// kept. The page is this POST's answer (no-store) and cannot be shown
	// again by its address.
	if stored, err := s.Intake.Lookup(r.Context(), ack.Receipt, ack.FollowUpSecret); err == nil {
		v := s.receiptOf(stored, ack.FollowUpSecret, done.Translator, done.Lang)
		v.News = sub.Notify && s.News != nil
		done.Kept = &v
	} else {
		// The report is stored: the codes are what matters now.
		s.Logger.Warn("receipt summary", "err", err)
		done.Kept = &receiptView{Receipt: ack.Receipt, Secret: ack.FollowUpSecret}
	}
	s.render(w, http.StatusOK, "done", done)
}

func (s *server) handleFollowUpForm(w http.ResponseWriter, r *http.Request) {
	s.Visits.Observe(r)
	p := s.newPage(r, "follow.title")
	p.Receipt = r.URL.Query().Get("receipt")
	s.render(w, http.StatusOK, "followup", p)
}

func (s *server) handleFollowUpSubmit(w http.ResponseWriter, r *http.Request) {
	rep, secret, p, ok := s.followUpLookup(w, r, "follow-up")
	if !ok {
		return
	}
	p.StatusCode = rep.Status
	p.Status = p.T("status." + string(rep.Status))
	p.Kept = &receiptView{Receipt: rep.Receipt, Secret: secret, News: s.subscribed(r, rep.Receipt)}
	s.render(w, http.StatusOK, "followup", p)
}

// followUpLookup reads a receipt and its secret from a posted form and
// finds the report, under the follow-up throttle. Every page that a
// receipt and secret open goes through it, so that they answer a wrong
// pair, a flood or an outage alike. When ok is false it has answered.
func (s *server) followUpLookup(w http.ResponseWriter, r *http.Request, what string) (rep report.Report, secret string, p page, ok bool) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	err := r.ParseForm()
	// The page's language may come from the form, so it is made after.
	p = s.newPage(r, "follow.title")
	if err != nil {
		p.General = p.T("follow.notfound")
		s.render(w, http.StatusBadRequest, "followup", p)
		return rep, "", p, false
	}
	p.Receipt = r.PostForm.Get("receipt")
	if !s.Allow(w, "follow-up", s.ClientIP(r), s.Limits.FollowUp) {
		p.General = p.T("form.rate_limited")
		s.render(w, http.StatusTooManyRequests, "followup", p)
		return rep, "", p, false
	}
	secret = strings.TrimSpace(r.PostForm.Get("secret"))
	rep, err = s.Intake.Lookup(r.Context(), p.Receipt, secret)
	switch {
	case errors.Is(err, report.ErrNotFound):
		p.General = p.T("follow.notfound")
		s.render(w, http.StatusNotFound, "followup", p)
		return rep, "", p, false
	case err != nil:
		s.Logger.Error(what, "err", err)
		w.Header().Set("Retry-After", "5")
		p.General = p.T("form.unavailable")
		s.render(w, http.StatusServiceUnavailable, "followup", p)
		return rep, "", p, false
	}
	return rep, secret, p, true
}
