package workspace

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/destination"
	"github.com/vigie-platform/vigie/export"
	"github.com/vigie-platform/vigie/problem"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/routing"
)

// routingView is the routing part of the case page: the proposal (a dry
// run of the rules), the choices offered, and the referrals made.
type routingView struct {
	Proposal  routing.Proposal
	Choices   []destinationChoice
	Referrals []referralView
}

type destinationChoice struct {
	Code     string
	Label    string
	Proposed bool
}

type referralView struct {
	casefile.Referral
	Label   string
	Overdue bool
}

func (s *server) registry() *destination.Registry {
	if s.Destinations == nil {
		return destination.Default()
	}
	return s.Destinations
}

// propose runs the routing rules over a case; the server always
// recomputes it, never trusting a proposal sent back by the browser.
func (s *server) propose(ctx context.Context, c casefile.Case, reports []report.Report) (routing.Proposal, error) {
	if s.Routing == nil {
		return routing.Proposal{}, nil
	}
	return s.Routing.Propose(s.Gatherer.Facts(ctx, c, reports), s.registry())
}

func (s *server) routingViewOf(ctx context.Context, c casefile.Case, reports []report.Report, lang string) (routingView, error) {
	var v routingView
	p, err := s.propose(ctx, c, reports)
	if err != nil {
		return v, err
	}
	v.Proposal = p
	reg := s.registry()
	offered := map[string]bool{}
	add := func(d destination.Destination) {
		if offered[d.Code] {
			return
		}
		offered[d.Code] = true
		v.Choices = append(v.Choices, destinationChoice{Code: d.Code, Label: d.Name.In(lang), Proposed: slices.Contains(p.Destinations, d.Code)})
	}
	for _, code := range p.Destinations {
		if d, ok := reg.Lookup(code); ok {
			add(d)
		}
	}
	for _, d := range reg.National() {
		add(d)
	}
	now := time.Now()
	for _, r := range c.Referrals {
		label := r.Destination
		if d, ok := reg.Lookup(r.Destination); ok {
			label = d.Name.In(lang)
		}
		v.Referrals = append(v.Referrals, referralView{Referral: r, Label: label, Overdue: r.Overdue(now)})
	}
	return v, nil
}

// caseWithReports reads a case and its reports.
func (s *server) caseWithReports(ctx context.Context, id string) (casefile.Case, []report.Report, error) {
	c, err := s.Workspace.CaseByID(ctx, id)
	if err != nil {
		return c, nil, err
	}
	reports, err := s.caseReports(ctx, c)
	return c, reports, err
}

// caseReportsShown bounds the reports a case page reads and shows, and
// routing reads facts from: a campaign's case may gather tens of thousands
// of reports, and a page of them all would take seconds to make and to read.
const caseReportsShown = 200

// caseReports reads the case's first reports (caseReportsShown at most).
func (s *server) caseReports(ctx context.Context, c casefile.Case) ([]report.Report, error) {
	ids := c.ReportIDs[:min(len(c.ReportIDs), caseReportsShown)]
	out := make([]report.Report, 0, len(ids))
	for _, id := range ids {
		r, err := s.Reports.ReportByID(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// handleRefer sends a case to the destinations the analyst ticked; the
// proposal is recomputed here, and a departure from it needs a reason.
func (s *server) handleRefer(w http.ResponseWriter, r *http.Request, u account.User) {
	if !s.parseWSForm(w, r, u) {
		return
	}
	ctx := r.Context()
	id := r.PathValue("id")
	c, reports, err := s.caseWithReports(ctx, id)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	p, err := s.propose(ctx, c, reports)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	reg := s.registry()
	var choices []casefile.ReferralChoice
	for _, code := range r.PostForm["destination"] {
		d, ok := reg.Lookup(code)
		if !ok {
			s.caseFail(w, r, u, "refer", problem.New("case.unknown_destination", code))
			return
		}
		ch := casefile.ReferralChoice{Destination: code, AckWithin: d.AcknowledgeWithin, Delivered: d.Channel.Type == "inbox", Channel: d.Channel.Type}
		switch d.Channel.Type {
		case "webhook":
			ch.Target = d.Channel.URL
		case "file":
			ch.Target = d.Channel.Dir
		case "email":
			ch.Target = d.Channel.To
		}
		for _, f := range p.Fired {
			if slices.Contains(f.Destinations, code) {
				ch.Rule, ch.Reason = f.Rule, f.Reason
				break
			}
		}
		choices = append(choices, ch)
	}
	if _, err := s.Cases.Refer(ctx, id, choices, p.Destinations, r.PostForm.Get("reason"), u.Email); err != nil {
		s.caseFail(w, r, u, "refer", err)
		return
	}
	s.traceOnReferral(ctx, id, urlsOf(reports), s.neverFetch(c.Category, reports), u.Email)
	seeOther(w, r, "/w/cases/"+id, "refer")
}

func (s *server) handleCaseFacts(w http.ResponseWriter, r *http.Request, u account.User) {
	if !s.parseWSForm(w, r, u) {
		return
	}
	id := r.PathValue("id")
	valid := func(d string) bool {
		_, ok := s.registry().Lookup("local-police-" + strings.ToLower(d))
		return ok || slices.Contains(destination.Departements, d)
	}
	if _, err := s.Cases.SetFacts(r.Context(), id, r.PostForm.Get("departement"), r.PostForm.Get("country"), u.Email, valid); err != nil {
		s.caseFail(w, r, u, "facts", err)
		return
	}
	seeOther(w, r, "/w/cases/"+id+"#routing", "facts")
}

// destinationAction runs an acknowledgement or an outcome for the
// signed-in destination user's own service only, back to the inbox case.
func (s *server) destinationAction(action string, fn func(r *http.Request, u account.User, id string) error) wsHandler {
	return s.formAction("/w/inbox/", action, fn)
}

// The destination's acts, through destinationAction (routes.go).

func (s *server) acknowledge(r *http.Request, u account.User, id string) error {
	return s.Cases.Acknowledge(r.Context(), id, u.Destination, u.Email)
}

func (s *server) reportOutcome(r *http.Request, u account.User, id string) error {
	return s.Cases.ReportOutcome(r.Context(), id, u.Destination, r.PostForm.Get("outcome"), u.Email)
}

// handleCaseExport sends a case as STIX 2.1, a MISP event, CSV, or the
// English referral summary; every export is audited.
func (s *server) handleCaseExport(w http.ResponseWriter, r *http.Request, u account.User) {
	ctx := r.Context()
	format := r.PathValue("format")
	kinds := map[string]struct{ ctype, ext string }{
		"stix":    {"application/stix+json;version=2.1", "stix.json"},
		"misp":    {"application/json", "misp.json"},
		"csv":     {"text/csv; charset=utf-8", "csv"},
		"summary": {"text/plain; charset=utf-8", "txt"},
	}
	kind, ok := kinds[format]
	if !ok {
		s.wsFail(w, r, u, http.StatusNotFound, "ws.err.notfound")
		return
	}
	c, reports, err := s.caseWithReports(ctx, r.PathValue("id"))
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	ex := export.Case{Case: c, Reports: reports, Now: time.Now(), Namespace: s.ExportNamespace, PublicURL: s.PublicURL}
	if cat, ok := s.Intake.Taxonomy().Lookup(c.Category); ok {
		ex.CategoryEN = cat.Label.In("en")
	}
	seen := map[string]bool{}
	for _, rep := range reports {
		infos, err := s.Index.ReportIndicators(ctx, rep.ID)
		if err != nil && !errors.Is(err, correlate.ErrNotFound) {
			s.wsErr(w, r, u, err)
			return
		}
		for _, i := range infos {
			if k := string(i.Type) + " " + i.Value; !seen[k] {
				seen[k] = true
				ex.Identifiers = append(ex.Identifiers, i)
			}
		}
	}
	ex.HostCountries = s.Gatherer.Facts(ctx, c, reports).HostCountries
	var body []byte
	switch format {
	case "stix":
		body, err = export.STIX(ex)
	case "misp":
		body, err = export.MISP(ex)
	case "csv":
		body, err = export.CSV(ex)
	default:
		body = export.Summary(ex)
	}
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	if !s.mustAudit(w, r, u, "case.export."+format, "case", c.ID, "") {
		return
	}
	w.Header().Set("Content-Type", kind.ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="vigie-case-`+c.ID+`.`+kind.ext+`"`)
	w.Write(body)
}
