package workspace

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/blocking"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/problem"
	"github.com/vigie-platform/vigie/removal"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/stats"
	"github.com/vigie-platform/vigie/web"
)

// The oversight's pages (issue 15, part 3): the qualified person reviews
// every blocking and delisting request before it may enter a feed, week by
// week. They read text only: the URL as text (never a link, so that
// nothing is fetched by a click or a preview), the request's reason, the
// notice, and the reports' descriptions; never an attachment. Every view
// and every decision is in the audit trail.

// requestsPerPage bounds the requests a batch page lists: each carries
// its reports' text and its own form.
const requestsPerPage = 50

// descriptionsShown bounds the reports' descriptions shown per request
// (a campaign's case holds hundreds of near-identical ones).
const descriptionsShown = 3

var weekPattern = regexp.MustCompile(`^[0-9]{4}-W[0-9]{2}$`)

// batchLine is one week in the list of batches.
type batchLine struct {
	blocking.Batch
	From, To time.Time // Monday 00:00 and Sunday, in Paris
	Name     string    // « semaine 49 de 2026 »
}

// weekName says an ISO week as people do: « semaine 49 de 2026 ».
// key's words take the week's number and its year.
func weekName(t web.Translator, key, w string) string {
	if !weekPattern.MatchString(w) {
		return w
	}
	return t.T(key, strings.TrimPrefix(w[6:], "0"), w[:4])
}

// weekBounds is the Monday that starts ISO week w in Paris and the
// Sunday that ends it.
func weekBounds(w string) (time.Time, time.Time, bool) {
	if !weekPattern.MatchString(w) {
		return time.Time{}, time.Time{}, false
	}
	year, _ := strconv.Atoi(w[:4])
	week, _ := strconv.Atoi(w[6:])
	if week < 1 || week > 53 {
		return time.Time{}, time.Time{}, false
	}
	// 4 January is always in week 1.
	jan4 := time.Date(year, 1, 4, 0, 0, 0, 0, stats.Zone)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+7*(week-1))
	if blocking.BatchOf(monday) != w {
		return time.Time{}, time.Time{}, false // week 53 of a year that has 52
	}
	return monday, monday.AddDate(0, 0, 6), true
}

func (s *server) oversight() *blocking.Service {
	return &blocking.Service{Store: s.Workspace}
}

func (s *server) handleOversightBatches(w http.ResponseWriter, r *http.Request, u account.User) {
	batches, err := s.Workspace.BlockingBatches(r.Context())
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	if !s.mustAudit(w, r, u, "oversight.list", "blocking_batch", "", fmt.Sprintf("%d batches", len(batches))) {
		return
	}
	p := s.newWPage(r, u, "ws.ov.title")
	lines := make([]batchLine, 0, len(batches))
	for _, b := range batches {
		from, to, _ := weekBounds(b.Week)
		lines = append(lines, batchLine{Batch: b, From: from, To: to, Name: weekName(p.Translator, "ws.ov.week.name", b.Week)})
	}
	p.Data = lines
	s.renderW(w, http.StatusOK, "w_oversight", p)
}

// requestView is one request as the batch page shows it.
type requestView struct {
	blocking.Request
	CategoryLabel string
	Notice        removal.Notice
	HasNotice     bool
	CaseNumber    string
	Reports       []reportText
	MoreReports   int
	// Failed is the problem of this request's form, with what was typed.
	Failed *formFailure
	// Outside: listed because its decision failed, not because it is in
	// the list asked for (it was reviewed already).
	Outside bool
}

// reportText is what the oversight reads of a report: its text, and how
// many attachments it has, which are not shown.
type reportText struct {
	Receipt     string
	CreatedAt   time.Time
	Description string
	URLs        []string
	Attachments int
}

// batchView is a week's page.
type batchView struct {
	Week     string
	From, To time.Time
	Counts   blocking.Batch
	State    string // the list shown: pending, approved or refused
	Requests []requestView
	Page     int
	Pages    int
	// BatchFailed is the batch decision's problem, with what was typed.
	BatchFailed *formFailure
	// Already says, on the page, a decision that came too late.
	Already string
	// Decided and Skipped tell the outcome of a batch decision.
	Decided, Skipped int
}

// Shown lists the ids of the requests on the page, for "every request on
// this page".
func (v batchView) Shown() []string {
	var out []string
	for _, r := range v.Requests {
		if r.State == blocking.StatePending && !r.Outside {
			out = append(out, r.ID)
		}
	}
	return out
}

func (s *server) handleOversightBatch(w http.ResponseWriter, r *http.Request, u account.User) {
	s.renderBatch(w, r, u, batchView{})
}

// renderBatch shows a week's page; view carries a failed form, if any.
func (s *server) renderBatch(w http.ResponseWriter, r *http.Request, u account.User, view batchView) {
	ctx := r.Context()
	week := r.PathValue("week")
	from, to, ok := weekBounds(week)
	if !ok {
		s.wsFail(w, r, u, http.StatusNotFound, "ws.err.notfound")
		return
	}
	view.Week, view.From, view.To = week, from, to
	batches, err := s.Workspace.BlockingBatches(ctx)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	for _, b := range batches {
		if b.Week == week {
			view.Counts = b
		}
	}
	q := r.URL.Query()
	view.State = q.Get("state")
	switch view.State {
	case blocking.StatePending, blocking.StateApproved, blocking.StateRefused:
	default:
		// The work first: what waits, else what was approved.
		view.State = blocking.StatePending
		if view.Counts.Pending == 0 && view.Counts.Total() > 0 {
			view.State = blocking.StateApproved
		}
	}
	count := map[string]int{blocking.StatePending: view.Counts.Pending, blocking.StateApproved: view.Counts.Approved, blocking.StateRefused: view.Counts.Refused}[view.State]
	view.Pages = max(1, (count+requestsPerPage-1)/requestsPerPage)
	view.Page, _ = strconv.Atoi(q.Get("page"))
	view.Page = min(max(view.Page, 1), view.Pages)
	list, err := s.Workspace.BlockingRequests(ctx, blocking.Filter{Batch: week, State: view.State, Limit: requestsPerPage, Offset: (view.Page - 1) * requestsPerPage})
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	lang := web.LangOf(r)
	failedID := ""
	var failed *formFailure
	if len(view.Requests) == 1 { // a request's failed decision
		failedID, failed = view.Requests[0].ID, view.Requests[0].Failed
		view.Requests = nil
	}
	found := false
	for _, req := range list {
		if req.ID == failedID {
			found = true
		}
	}
	if failedID != "" && !found {
		req, err := s.Workspace.BlockingRequest(ctx, failedID)
		if err != nil {
			s.wsErr(w, r, u, err)
			return
		}
		list = append([]blocking.Request{req}, list...)
	}
	cases := map[string]caseText{}
	for _, req := range list {
		rv, err := s.requestView(ctx, req, lang, cases)
		if err != nil {
			s.wsErr(w, r, u, err)
			return
		}
		if req.ID == failedID {
			rv.Failed, rv.Outside = failed, !found
		}
		view.Requests = append(view.Requests, rv)
	}
	// The requests' URLs and the reports' text are what the qualified
	// person judges on: each view of them is recorded, before it is shown.
	detail := fmt.Sprintf("state=%s page=%d shown=%d", view.State, view.Page, len(view.Requests))
	if !s.mustAudit(w, r, u, "oversight.view", "blocking_batch", week, detail) {
		return
	}
	if n, err := strconv.Atoi(q.Get("decided")); err == nil && n >= 0 {
		view.Decided = n
		view.Skipped, _ = strconv.Atoi(q.Get("skipped"))
	}
	p := s.newWPage(r, u, "ws.ov.batch.title")
	p.Title = weekName(p.Translator, "ws.ov.batch.title", week)
	p.Data = view
	status := http.StatusOK
	switch {
	case view.Already != "":
		p.Error, status = view.Already, http.StatusConflict
	case failed != nil || view.BatchFailed != nil:
		p.Error, status = p.T("ws.form.failed"), http.StatusUnprocessableEntity
	}
	s.renderW(w, status, "w_oversight_batch", p)
}

// caseText is what the oversight reads of a case: its number and its
// first reports' text, read once per page however many requests it has.
type caseText struct {
	Number      string
	Reports     []reportText
	MoreReports int
}

// requestView reads what the page shows of a request: its notice, its
// case's number and the text of the case's first reports.
func (s *server) requestView(ctx context.Context, req blocking.Request, lang string, cases map[string]caseText) (requestView, error) {
	rv := requestView{Request: req, CategoryLabel: s.categoryLabel(req.Category, lang)}
	n, err := s.Workspace.Notice(ctx, req.NoticeID)
	switch {
	case err == nil:
		rv.Notice, rv.HasNotice = n, true
	case !errors.Is(err, removal.ErrNotFound):
		return rv, err
	}
	ct, ok := cases[req.CaseID]
	if !ok {
		if ct, err = s.caseText(ctx, req.CaseID); err != nil {
			return rv, err
		}
		cases[req.CaseID] = ct
	}
	rv.CaseNumber, rv.Reports, rv.MoreReports = ct.Number, ct.Reports, ct.MoreReports
	return rv, nil
}

// caseText reads a case's number and its first reports' text; a purged
// case or report is left out, not an error.
func (s *server) caseText(ctx context.Context, caseID string) (caseText, error) {
	var ct caseText
	c, err := s.Workspace.CaseByID(ctx, caseID)
	if errors.Is(err, casefile.ErrNotFound) {
		return ct, nil
	}
	if err != nil {
		return ct, err
	}
	ct.Number = c.Number
	for i, id := range c.ReportIDs {
		if i == descriptionsShown {
			ct.MoreReports = len(c.ReportIDs) - i
			break
		}
		rep, err := s.Reports.ReportByID(ctx, id)
		if errors.Is(err, report.ErrNotFound) {
			continue // purged since
		}
		if err != nil {
			return ct, err
		}
		ct.Reports = append(ct.Reports, reportText{Receipt: rep.Receipt, CreatedAt: rep.CreatedAt, Description: clip(rep.Description, 1200),
			URLs: rep.URLs, Attachments: len(rep.Attachments)})
	}
	return ct, nil
}

// clip shortens a text to n characters, marking the cut.
func clip(text string, n int) string {
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	return string([]rune(text)[:n]) + " […]"
}

// batchBack is where a decision sends the page back to: the same week,
// list and page.
func batchBack(week string, form url.Values) string {
	back := "/w/oversight/" + week
	q := url.Values{}
	if st := form.Get("state"); st == blocking.StateApproved || st == blocking.StateRefused {
		q.Set("state", st)
	}
	if pg, err := strconv.Atoi(form.Get("page")); err == nil && pg > 1 {
		q.Set("page", strconv.Itoa(pg))
	}
	if len(q) > 0 {
		back += "?" + q.Encode()
	}
	return back
}

// formQuery puts the list and page the form came from back in the
// request's query, so that a failed form shows the same page.
func formQuery(r *http.Request) {
	q := r.URL.Query()
	for _, k := range []string{"state", "page"} {
		if v := r.PostForm.Get(k); v != "" {
			q.Set(k, v)
		}
	}
	r.URL.RawQuery = q.Encode()
}

func (s *server) handleOversightReview(w http.ResponseWriter, r *http.Request, u account.User) {
	if !s.parseWSForm(w, r, u) {
		return
	}
	id := r.PathValue("id")
	req, err := s.Workspace.BlockingRequest(r.Context(), id)
	if errors.Is(err, blocking.ErrNotFound) {
		s.wsFail(w, r, u, http.StatusNotFound, "ws.err.notfound")
		return
	}
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	// The week is the request's own: the path names it for the page.
	r.SetPathValue("week", req.Batch)
	formQuery(r)
	err = s.oversight().Review(r.Context(), id, r.PostForm.Get("decision"), r.PostForm.Get("reason"), u.Email)
	switch {
	case err == nil:
		seeOther(w, r, batchBack(req.Batch, r.PostForm), "reviewed")
	case errors.Is(err, blocking.ErrReviewed):
		now, _ := s.Workspace.BlockingRequest(r.Context(), id)
		t := web.TranslatorFor(web.LangOf(r))
		msg := t.T("ws.ov.already", t.T("ws.ov.state."+now.State), now.ReviewedBy, t.DateTime(now.ReviewedAt))
		s.renderBatch(w, r, u, batchView{Already: msg, Requests: []requestView{{Request: now, Failed: &formFailure{Problem: msg, Input: r.PostForm}}}})
	default:
		pr, ok := problem.As(err)
		if !ok {
			s.wsErr(w, r, u, err)
			return
		}
		s.renderBatch(w, r, u, batchView{Requests: []requestView{{Request: req, Failed: &formFailure{Problem: pr.In(web.LangOf(r)), Input: r.PostForm}}}})
	}
}

func (s *server) handleOversightBatchReview(w http.ResponseWriter, r *http.Request, u account.User) {
	if !s.parseWSForm(w, r, u) {
		return
	}
	week := r.PathValue("week")
	if _, _, ok := weekBounds(week); !ok {
		s.wsFail(w, r, u, http.StatusNotFound, "ws.err.notfound")
		return
	}
	formQuery(r)
	ids := r.PostForm["request"]
	if r.PostForm.Get("all") == "1" {
		ids = append(ids, strings.Fields(r.PostForm.Get("shown"))...)
	}
	done, err := s.oversight().ReviewMany(r.Context(), week, ids, r.PostForm.Get("decision"), r.PostForm.Get("reason"), u.Email)
	switch {
	case err == nil:
		selected := map[string]bool{}
		for _, id := range ids {
			selected[id] = true
		}
		back := batchBack(week, r.PostForm)
		sep := "?"
		if strings.Contains(back, "?") {
			sep = "&"
		}
		seeOther(w, r, fmt.Sprintf("%s%sdecided=%d&skipped=%d", back, sep, len(done), len(selected)-len(done)), "")
	case errors.Is(err, blocking.ErrReviewed):
		t := web.TranslatorFor(web.LangOf(r))
		s.renderBatch(w, r, u, batchView{BatchFailed: &formFailure{Problem: t.T("ws.ov.batch.already"), Input: r.PostForm}})
	default:
		pr, ok := problem.As(err)
		if !ok {
			s.wsErr(w, r, u, err)
			return
		}
		s.renderBatch(w, r, u, batchView{BatchFailed: &formFailure{Problem: pr.In(web.LangOf(r)), Input: r.PostForm}})
	}
}

// Prev and Next are the neighbouring pages' numbers.
func (v batchView) Prev() int { return v.Page - 1 }
func (v batchView) Next() int { return v.Page + 1 }
