// Package advice holds the prevention articles: one per category and
// language, in a small Markdown subset, embedded by default and
// replaceable by a folder without recompiling. Rendering escapes every
// character of the source; only the subset's own constructs become
// markup, and links only to http, https and tel addresses.
package advice

import (
	"embed"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"os"
	"regexp"
	"strings"
)

//go:embed articles
var embedded embed.FS

// Article is one rendered article.
type Article struct {
	Category string
	Lang     string
	Title    string
	HTML     template.HTML
}

// Library is the set of articles.
type Library struct {
	articles map[string]Article // lang/category
}

// Default is the embedded library.
func Default() *Library {
	sub, _ := fs.Sub(embedded, "articles")
	l, err := Load(sub)
	if err != nil {
		panic("embedded advice: " + err.Error())
	}
	return l
}

// LoadDir reads DIR/fr/*.md and DIR/en/*.md ("" for the default).
func LoadDir(dir string) (*Library, error) {
	if dir == "" {
		return Default(), nil
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("advice: %w", err)
	}
	return Load(os.DirFS(dir))
}

// Load reads <lang>/<category>.md files from a file system.
func Load(fsys fs.FS) (*Library, error) {
	l := &Library{articles: map[string]Article{}}
	for _, lang := range []string{"fr", "en"} {
		entries, err := fs.ReadDir(fsys, lang)
		if err != nil {
			continue
		}
		for _, e := range entries {
			name, ok := strings.CutSuffix(e.Name(), ".md")
			if !ok || e.IsDir() {
				continue
			}
			b, err := fs.ReadFile(fsys, lang+"/"+e.Name())
			if err != nil {
				return nil, fmt.Errorf("advice %s/%s: %w", lang, e.Name(), err)
			}
			title, body := Render(string(b))
			if title == "" {
				return nil, fmt.Errorf("advice %s/%s: the first line must be a title (# …)", lang, e.Name())
			}
			l.articles[lang+"/"+name] = Article{Category: name, Lang: lang, Title: title, HTML: body}
		}
	}
	return l, nil
}

// Get returns the article of a category in lang, falling back to French.
func (l *Library) Get(category, lang string) (Article, bool) {
	if a, ok := l.articles[lang+"/"+category]; ok {
		return a, true
	}
	a, ok := l.articles["fr/"+category]
	return a, ok
}

var (
	boldRE = regexp.MustCompile(`\*\*([^*]+)\*\*`)
	linkRE = regexp.MustCompile(`\[([^\]]+)\]\(((?:https?://|tel:)[^\s)]+)\)`)
)

// inline renders one line of text: escaped, then bold and links.
func inline(s string) string {
	s = html.EscapeString(s)
	s = boldRE.ReplaceAllString(s, "<strong>$1</strong>")
	return linkRE.ReplaceAllStringFunc(s, func(m string) string {
		parts := linkRE.FindStringSubmatch(m)
		return `<a href="` + parts[2] + `" rel="noopener noreferrer">` + parts[1] + `</a>`
	})
}

// Render turns the Markdown subset into HTML: the first "# " line is the
// title; "## " and "### " are headings; "- " items make lists, "1. " items
// ordered lists; other lines make paragraphs.
func Render(src string) (title string, out template.HTML) {
	var b strings.Builder
	var para []string
	list := ""
	flush := func() {
		if len(para) > 0 {
			b.WriteString("<p>" + strings.Join(para, " ") + "</p>\n")
			para = nil
		}
	}
	closeList := func() {
		if list != "" {
			b.WriteString("</" + list + ">\n")
			list = ""
		}
	}
	openList := func(kind string) {
		if list != kind {
			closeList()
			b.WriteString("<" + kind + ">\n")
			list = kind
		}
	}
	for _, line := range strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n") {
		line = strings.TrimRight(line, " \t")
		switch {
		case strings.HasPrefix(line, "# ") && title == "":
			flush()
			closeList()
			title = strings.TrimSpace(line[2:])
		case strings.HasPrefix(line, "### "):
			flush()
			closeList()
			b.WriteString("<h4>" + inline(line[4:]) + "</h4>\n")
		case strings.HasPrefix(line, "## "):
			flush()
			closeList()
			b.WriteString("<h3>" + inline(line[3:]) + "</h3>\n")
		case strings.HasPrefix(line, "- ") || strings.HasPrefix(line, "* "):
			flush()
			openList("ul")
			b.WriteString("<li>" + inline(line[2:]) + "</li>\n")
		case orderedItem(line) != "":
			flush()
			openList("ol")
			b.WriteString("<li>" + inline(orderedItem(line)) + "</li>\n")
		case strings.TrimSpace(line) == "":
			flush()
			closeList()
		default:
			closeList()
			para = append(para, inline(strings.TrimSpace(line)))
		}
	}
	flush()
	closeList()
	return title, template.HTML(b.String())
}

func orderedItem(line string) string {
	i := 0
	for i < len(line) && i < 3 && line[i] >= '0' && line[i] <= '9' {
		i++
	}
	if i > 0 && strings.HasPrefix(line[i:], ". ") {
		return line[i+2:]
	}
	return ""
}
