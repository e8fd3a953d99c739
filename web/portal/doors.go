package portal

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/diagnosis"
	"github.com/vigie-platform/vigie/installation"
	"github.com/vigie-platform/vigie/taxonomy"
	"github.com/vigie-platform/vigie/web"
)

// Fill shows an installation's value, or a visible marker where the
// installation has not filled it in.
func (p page) Fill(s string) template.HTML {
	if strings.TrimSpace(s) == "" {
		return template.HTML(`<span class="unset">` + template.HTMLEscapeString(p.T("inst.unset")) + `</span>`)
	}
	return template.HTML(template.HTMLEscapeString(s))
}

// FillText is Fill for a text in both languages.
func (p page) FillText(t taxonomy.Text) template.HTML {
	if p.Lang == "en" {
		return p.Fill(t.EN)
	}
	return p.Fill(t.FR)
}

// In says a text in the page's language.
func (p page) In(t taxonomy.Text) string { return t.In(p.Lang) }

// orderCategories puts the installation's first categories first.
func (s *server) orderCategories(p *page) {
	if s.Installation == nil {
		return
	}
	rank := func(code string) int {
		if k := slices.Index(s.Installation.HomeFirst, code); k >= 0 {
			return k
		}
		return len(s.Installation.HomeFirst)
	}
	slices.SortStableFunc(p.Categories, func(a, b web.CategoryView) int { return rank(a.Code) - rank(b.Code) })
}

// doorView is a door said in the page's language.
type doorView struct {
	ID, Kind, Name, Explanation, URL string
	Numbers                          []numberView
}

// numberView is a number to call: Href is its tel: (or sms:) link, which
// html/template would refuse as a string; the number is digits, spaces
// and a leading + (diagnosis checks it), so the link is safe.
type numberView struct {
	Number, Label string
	Href          template.URL
}

func viewDoor(d diagnosis.Door, lang string) doorView {
	v := doorView{ID: d.ID, Kind: d.Kind, Name: d.Name.In(lang), Explanation: d.Explanation.In(lang), URL: d.URL}
	for _, n := range d.Numbers {
		scheme := "tel:"
		if n.SMS {
			scheme = "sms:"
		}
		v.Numbers = append(v.Numbers, numberView{Number: n.Number, Href: template.URL(scheme + strings.ReplaceAll(n.Number, " ", "")), Label: n.Label.In(lang)})
	}
	return v
}

type optionView struct{ ID, Value, Label string }

type answerView struct {
	Question, Answer string
	// Change asks the question again, the answers before it kept.
	Change string
}

// diagnosisView is the questionnaire's page: a question, or the door
// reached.
type diagnosisView struct {
	Answers []answerView
	// The question's page.
	QuestionID, Question, Hint string
	Options                    []optionView
	Hidden                     [][2]string
	Missing                    bool
	Number                     int
	Back                       string
	// The outcome's page.
	Door          *doorView
	Also          []doorView
	Category      string
	CategoryLabel string
	ReportLink    string
}

func (s *server) handleDiagnosis(w http.ResponseWriter, r *http.Request) {
	s.Visits.Observe(r)
	p := s.newPage(r, "diag.title")
	q := r.URL.Query()
	st := s.Diagnosis.Walk(q.Get)
	v := diagnosisView{}
	link := func(vals url.Values) string {
		if p.Lang == "en" {
			vals.Set("lang", "en")
		}
		if len(vals) == 0 {
			return "/diagnosis"
		}
		return "/diagnosis?" + vals.Encode()
	}
	for i, a := range st.Answers {
		v.Answers = append(v.Answers, answerView{Question: a.Question.Text.In(p.Lang), Answer: a.Option.Label.In(p.Lang),
			Change: link(diagnosis.Query(st.Answers[:i]))})
	}
	if st.Next != nil {
		v.QuestionID, v.Question, v.Hint = st.Next.ID, st.Next.Text.In(p.Lang), st.Next.Hint.In(p.Lang)
		for _, o := range st.Next.Options {
			v.Options = append(v.Options, optionView{ID: st.Next.ID + "-" + o.Value, Value: o.Value, Label: o.Label.In(p.Lang)})
		}
		for _, a := range st.Answers {
			v.Hidden = append(v.Hidden, [2]string{a.Question.ID, a.Option.Value})
		}
		// The form names the question it asked: sent without an answer,
		// the page says so rather than asking again in silence.
		v.Missing = q.Get("asked") == st.Next.ID
		v.Number = len(st.Answers) + 1
		if n := len(st.Answers); n > 0 {
			v.Back = link(diagnosis.Query(st.Answers[:n-1]))
		}
		// Each question's page is titled by it, so that pages differ in
		// the history and for screen readers.
		p.Title = v.Question + " — " + p.Title
		if v.Missing {
			p.Title = p.T("diag.missing.title") + " — " + p.Title
		}
	} else {
		d := viewDoor(st.Outcome.Door, p.Lang)
		v.Door = &d
		for _, a := range st.Outcome.Also {
			v.Also = append(v.Also, viewDoor(a, p.Lang))
		}
		v.Category = st.Outcome.Category
		v.ReportLink = p.Link("/report")
		if v.Category != "" {
			v.CategoryLabel = p.CategoryLabel(v.Category)
			v.ReportLink = p.Link("/report?category=" + url.QueryEscape(v.Category))
		}
		p.Title = d.Name
	}
	p.Data = v
	s.render(w, http.StatusOK, "diagnosis", p)
}

// retentionRow is one line of the privacy notice's retention table.
type retentionRow struct {
	Label  string
	Days   int
	Period string
}

func (s *server) infoPage(r *http.Request, title string) page {
	s.Visits.Observe(r)
	p := s.newPage(r, title)
	p.Info = s.Installation
	return p
}

func (s *server) handleLegal(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "legal", s.infoPage(r, "legal.title"))
}

func (s *server) handlePrivacy(w http.ResponseWriter, r *http.Request) {
	p := s.infoPage(r, "privacy.title")
	var rows []retentionRow
	for _, c := range s.Intake.Taxonomy().Categories() {
		days := int(c.Retention() / (24 * time.Hour))
		row := retentionRow{Label: c.Label.In(p.Lang), Days: days, Period: p.Plural("privacy.days", days)}
		if days%365 == 0 {
			row.Period = p.Plural("privacy.years", days/365)
		}
		rows = append(rows, row)
	}
	p.Data = rows
	s.render(w, http.StatusOK, "privacy", p)
}

func (s *server) handleAccessibility(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "accessibility", s.infoPage(r, "a11y.title"))
}

func (s *server) handleContact(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "contact", s.infoPage(r, "contact.title"))
}

// embedView is the entry point other sites frame.
type embedView struct {
	Category   web.CategoryView
	ReportLink string
}

// handleEmbed serves the entry point other public sites may show in a
// frame: only this page lets the installation's origins frame it, every
// other keeps frame-ancestors 'none'. Its link opens the same form in a
// new tab, outside the frame, where the address bar shows the platform.
func (s *server) handleEmbed(w http.ResponseWriter, r *http.Request) {
	s.Visits.Observe(r)
	p := s.newPage(r, "embed.title")
	v := embedView{ReportLink: p.Link("/diagnosis")}
	if c, ok := s.Intake.Taxonomy().Lookup(r.URL.Query().Get("category")); ok {
		v.Category = web.ViewOf(c, p.Lang)
		v.ReportLink = p.Link("/report?category=" + url.QueryEscape(c.Code))
	}
	p.Data = v
	h := w.Header()
	directive := "frame-ancestors 'none'"
	if s.Installation != nil {
		directive = s.Installation.FrameDirective()
	}
	h.Set("Content-Security-Policy", strings.Replace(h.Get("Content-Security-Policy"), "frame-ancestors 'none'", directive, 1))
	if directive != "frame-ancestors 'none'" {
		// X-Frame-Options cannot name several origins; CSP says who may.
		h.Del("X-Frame-Options")
	}
	s.render(w, http.StatusOK, "embed", p)
}

// Party writes an organisation's details: its name, address and e-mail
// always (marked where not filled in), its phone, site and number when
// given. Every value is escaped.
func (p page) Party(x installation.Party) template.HTML {
	var b strings.Builder
	esc := template.HTMLEscapeString
	row := func(key string, value template.HTML) {
		b.WriteString("<dt>" + esc(p.T(key)) + "</dt><dd>" + string(value) + "</dd>")
	}
	b.WriteString(`<dl class="facts">`)
	row("inst.name", p.Fill(x.Name))
	row("inst.address", p.Fill(x.Address))
	if x.Phone != "" {
		row("inst.phone", template.HTML(`<a href="tel:`+esc(strings.ReplaceAll(x.Phone, " ", ""))+`">`+esc(x.Phone)+`</a>`))
	}
	if x.Email != "" {
		row("inst.email", template.HTML(`<a href="mailto:`+esc(x.Email)+`">`+esc(x.Email)+`</a>`))
	} else if x.Web == "" {
		row("inst.email", p.Fill(""))
	}
	if x.Web != "" {
		row("inst.web", template.HTML(`<a href="`+esc(x.Web)+`">`+esc(x.Web)+`</a>`))
	}
	if x.ID != "" {
		row("inst.id", p.Fill(x.ID))
	}
	b.WriteString(`</dl>`)
	return template.HTML(b.String())
}
