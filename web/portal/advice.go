package portal

import (
	"net/http"

	"github.com/vigie-platform/vigie/advice"
	"github.com/vigie-platform/vigie/web"
)

func (s *server) article(category, lang string) *advice.Article {
	if s.Advice == nil {
		return nil
	}
	if a, ok := s.Advice.Get(category, lang); ok {
		return &a
	}
	return nil
}

// adviceItem is one line of the advice index.
type adviceItem struct {
	Code, Label, Title string
	Short              string
}

func (s *server) handleAdviceIndex(w http.ResponseWriter, r *http.Request) {
	s.Visits.Observe(r)
	p := s.newPage(r, "advice.title")
	var items []adviceItem
	for _, c := range s.Intake.Taxonomy().Categories() {
		it := adviceItem{Code: c.Code, Label: c.Label.In(p.Lang), Short: c.Advice.In(p.Lang)}
		if a := s.article(c.Code, p.Lang); a != nil {
			it.Title = a.Title
		}
		items = append(items, it)
	}
	p.Data = items
	s.render(w, http.StatusOK, "advice_index", p)
}

func (s *server) handleAdvice(w http.ResponseWriter, r *http.Request) {
	s.Visits.Observe(r)
	c, ok := s.Intake.Taxonomy().Lookup(r.PathValue("category"))
	p := s.newPage(r, "advice.title")
	if !ok {
		s.NotFound(w, r)
		return
	}
	p.Category = web.ViewOf(c, p.Lang)
	p.Article = s.article(c.Code, p.Lang)
	if p.Article != nil {
		p.Title = p.Article.Title
	}
	s.render(w, http.StatusOK, "advice", p)
}
