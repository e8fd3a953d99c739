package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"

	"github.com/vigie-platform/vigie/taxonomy"
)

// templateFS holds the public layout, which the portal's pages and the
// not-found page share.
//
//go:embed templates/*.html
var templateFS embed.FS

// staticFS holds the style sheet both layouts link to and the report
// form's script.
//
//go:embed static
var staticFS embed.FS

// Static serves the static files under /static/.
//
// Only files are served: a folder (/static/ itself) answers 404 rather than
// a listing of what the server holds.
func Static() http.Handler {
	static, _ := fs.Sub(staticFS, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(static))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		if info, err := fs.Stat(static, strings.TrimSuffix(name, "/")); name == "" || err != nil || info.IsDir() {
			http.NotFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	})
}

// PublicPage parses a page of the public layout: layout.html, then the
// page's own file in fsys, which defines "content".
func PublicPage(fsys fs.FS, file string) *template.Template {
	return template.Must(template.Must(template.ParseFS(templateFS, "templates/layout.html")).ParseFS(fsys, file))
}

// CategoryView is a category in the page's language.
type CategoryView struct {
	Code     string
	Label    string
	Advice   string
	IsFraud  bool
	IsMinors bool
	Urgent   bool
}

// ViewOf says a category in lang.
func ViewOf(c taxonomy.Category, lang string) CategoryView {
	return CategoryView{
		Code: c.Code, Label: c.Label.In(lang), Advice: c.Advice.In(lang),
		IsFraud: strings.HasPrefix(c.Code, "fraud."), IsMinors: strings.HasPrefix(c.Code, "minors."),
		Urgent: c.UrgentDefault,
	}
}

// CategoryLabel names a category in lang; an unknown code is shown as it is.
func CategoryLabel(tax *taxonomy.Taxonomy, code, lang string) string {
	if c, ok := tax.Lookup(code); ok {
		return c.Label.In(lang)
	}
	return code
}

// Page is what every template receives; the portal and the workspace add
// their own fields around it.
type Page struct {
	Translator
	Lang         string
	Title        string
	OtherLangURL string
	Categories   []CategoryView
	// General is a message about the whole page (an error, a refusal).
	General string
	// A11yStatus is the installation's accessibility status (full,
	// partial, none), which the footer's link says as RGAA asks.
	A11yStatus string
	Data       any
}

// NewPage starts a page in the request's language, titled by the
// catalogue's key title, with the categories of tax.
func NewPage(r *http.Request, title string, tax *taxonomy.Taxonomy) Page {
	lang := LangOf(r)
	other := *r.URL
	q := other.Query()
	if lang == "en" {
		q.Del("lang")
	} else {
		q.Set("lang", "en")
	}
	other.RawQuery = q.Encode()
	p := Page{Translator: Translator{lang}, Lang: lang, OtherLangURL: other.RequestURI()}
	p.Title = p.T(title)
	if tax != nil {
		for _, c := range tax.Categories() {
			p.Categories = append(p.Categories, ViewOf(c, lang))
		}
	}
	return p
}

// CategoryLabel names a category's code in the page's language; an
// unknown code is shown as it is.
func (p Page) CategoryLabel(code string) string {
	for _, c := range p.Categories {
		if c.Code == code {
			return c.Label
		}
	}
	return code
}

// Link keeps the page language on internal links.
func (p Page) Link(path string) string {
	if p.Lang != "en" {
		return path
	}
	if strings.Contains(path, "?") {
		return path + "&lang=en"
	}
	return path + "?lang=en"
}

// Pages are an audience's parsed pages, each executed through the layout
// they share.
type Pages struct {
	layout string
	byName map[string]*template.Template
	logger *slog.Logger
}

// Pages gathers an audience's pages under the template named layout.
func (k *Kit) Pages(layout string, byName map[string]*template.Template) Pages {
	return Pages{layout: layout, byName: byName, logger: k.Logger}
}

// Render writes the page called name with status; a template that fails
// is logged and answered 500, with nothing of the page sent.
func (ps Pages) Render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := ps.byName[name].ExecuteTemplate(&buf, ps.layout, data); err != nil {
		ps.logger.Error("render", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// NotFound answers 404 with the public not-found page.
func (k *Kit) NotFound(w http.ResponseWriter, r *http.Request) {
	k.notFound.Render(w, http.StatusNotFound, "notfound", NewPage(r, "notfound.title", k.taxonomy))
}
