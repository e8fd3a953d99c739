package workspace

import (
	"strings"
	"testing"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/report"
)

// TestLinkGraphs: the report and case pages draw the reports and the
// identifiers tying them as an SVG picture with a title and description,
// the same links said in a table, and attacker text as text.
func TestLinkGraphs(t *testing.T) {
	e := newWSEnv(t)
	ana, _ := e.User("ana@vigie.test", account.RoleAnalyst, "")
	var ids []string
	for _, d := range []string{
		"Virement demandé sur l'IBAN FR7630006000011234567890189, site https://faux-conseiller.example/x, conseiller <b>bancaire</b>",
		"Même arnaque, IBAN FR76 3000 6000 0112 3456 7890 189",
		"Encore, IBAN FR7630006000011234567890189 et https://faux-conseiller.example/x",
	} {
		ids = append(ids, e.Submit(report.Submission{Description: d}))
	}
	e.Submit(report.Submission{Description: "sans rapport, IBAN DE89370400440532013000"})
	e.Link()
	c := e.session(ana)

	page := e.Do("GET", "/w/reports/"+ids[0], c, nil).Body.String()
	assertNoMarkup(t, "report page", page)
	graph := between(t, page, `<figure class="linkgraph">`, `</figure>`)
	if !strings.Contains(graph, `role="group"`) || !strings.Contains(graph, `aria-labelledby="report-graph-title"`) || !strings.Contains(graph, `aria-describedby="report-graph-desc"`) {
		t.Error("the picture has no role and name")
	}
	// This report in the middle, the two others around; the IBAN and the URL.
	if n := strings.Count(graph, "<circle"); n != 3 {
		t.Errorf("%d reports drawn, want 3", n)
	}
	if n := strings.Count(graph, "<rect"); n < 2 {
		t.Errorf("%d identifiers drawn, want the IBAN and the URL at least", n)
	}
	if n := strings.Count(graph, `class="node report current"`); n != 1 {
		t.Errorf("%d current reports, want 1", n)
	}
	table := between(t, page, `<details class="graph-table">`, `</details>`)
	if !strings.Contains(table, "FR7630006000011234567890189") {
		t.Errorf("the table does not name the IBAN:\n%s", table)
	}

	cs, err := e.Cases.Create(bg, "Campagne", ids, "setup")
	if err != nil {
		t.Fatal(err)
	}
	page = e.Do("GET", "/w/cases/"+cs.ID, c, nil).Body.String()
	assertNoMarkup(t, "case page", page)
	graph = between(t, page, `<figure class="linkgraph">`, `</figure>`)
	if n := strings.Count(graph, "<circle"); n != 3 {
		t.Errorf("case graph: %d reports drawn, want 3", n)
	}
	if strings.Contains(graph, "DE89370400440532013000") {
		t.Error("the case graph draws a report outside the case")
	}
}
