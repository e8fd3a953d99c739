package workspace

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/linkgraph"
	"github.com/vigie-platform/vigie/problem"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/search"
	"github.com/vigie-platform/vigie/taxonomy"
	"github.com/vigie-platform/vigie/triage"
	"github.com/vigie-platform/vigie/web"
)

type caseListView struct {
	Cases    []casefile.Case
	Status   string
	Statuses []string
}

func (s *server) handleCaseList(w http.ResponseWriter, r *http.Request, u account.User) {
	status := r.URL.Query().Get("status")
	if status != "" && !slices.Contains([]casefile.Status{casefile.StatusOpen, casefile.StatusQualified, casefile.StatusReferred, casefile.StatusClosed}, casefile.Status(status)) {
		s.wsErr(w, r, u, problem.New("case.unknown_status"))
		return
	}
	cases, err := s.Workspace.ListCases(r.Context(), casefile.Filter{Status: casefile.Status(status), Limit: 200})
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	p := s.newWPage(r, u, "ws.cases.title")
	p.Data = caseListView{Cases: cases, Status: status, Statuses: []string{"open", "qualified", "referred", "closed"}}
	s.renderW(w, http.StatusOK, "w_cases", p)
}

func (s *server) handleCaseCreate(w http.ResponseWriter, r *http.Request, u account.User) {
	ids, ok := s.formIDs(w, r, u)
	if !ok {
		return
	}
	back := r.PostForm.Get("back")
	if !strings.HasPrefix(back, "/w/") {
		back = "/w/queue"
	}
	back = safeNext(back)
	title := strings.TrimSpace(r.PostForm.Get("title"))
	if title == "" && len(ids) > 0 {
		var err error
		if title, err = s.draftTitle(r.Context(), ids); err != nil {
			s.wsErr(w, r, u, err)
			return
		}
	}
	c, err := s.Cases.Create(r.Context(), title, ids, u.Email)
	if errors.Is(err, casefile.ErrReportInCase) {
		err = problem.New("case.reports_taken")
	}
	if err != nil {
		// A mistake shows the page the form was on again, as a decision's.
		s.decideFail(w, r, u, back, err)
		return
	}
	seeOther(w, r, "/w/cases/"+c.ID, "created")
}

// caseView is the case page.
type caseView struct {
	Case          casefile.Case
	CategoryLabel string
	Reports       []caseReport
	// MoreReports counts the case's reports not shown.
	MoreReports  int
	History      []casefile.Event
	Categories   []taxonomy.Category
	Legal        []string // the legal references of the case's category
	Priorities   []string
	Outcomes     []string
	ReadOnly     bool // the destination's view
	MergedNumber string
	// A form that failed is shown again: which one, its problem, and what
	// was typed in it.
	Failed  string
	Problem string
	Input   url.Values
	Routing routingView
	Mine    *referralView // the destination user's own referral
	// Undo is the receipt just removed from the case, offered back;
	// Unsplit the case this one was just split from, to merge back into.
	Undo    string
	Unsplit *casefile.Case
	Notices noticesView
	// Graph pictures the case's reports and the identifiers tying them.
	Graph linkgraph.Graph
	// DraftSummary is offered in the summary field of a case not yet
	// qualified: what its reports say together.
	DraftSummary string
}

type caseReport struct {
	report.Report
	CategoryLabel string
}

// readerOf is who u reads cases as: what a destination user may see is
// decided by casefile (CaseFor, Inbox), not here.
func readerOf(u account.User) casefile.Reader {
	rd := casefile.Reader{Actor: u.Email}
	if u.Role == account.RoleDestination {
		rd.Destination = u.Destination
	}
	return rd
}

func (s *server) loadCase(w http.ResponseWriter, r *http.Request, u account.User, readOnly bool) (caseView, bool) {
	cv, err := s.Cases.CaseFor(r.Context(), r.PathValue("id"), readerOf(u))
	if err != nil {
		s.wsErr(w, r, u, err)
		return caseView{}, false
	}
	c := cv.Case
	lang := web.LangOf(r)
	v := caseView{Case: c, CategoryLabel: s.categoryLabel(c.Category, lang), Categories: s.Intake.Taxonomy().Categories(),
		Priorities: casefile.Priorities, Outcomes: casefile.Outcomes, ReadOnly: readOnly}
	reports, err := s.caseReports(r.Context(), c)
	if err != nil {
		s.wsErr(w, r, u, err)
		return v, false
	}
	for _, rep := range reports {
		v.Reports = append(v.Reports, caseReport{Report: rep, CategoryLabel: s.categoryLabel(rep.Category, lang)})
	}
	v.MoreReports = len(c.ReportIDs) - len(reports)
	category := c.Category
	if category == "" && len(v.Reports) > 0 {
		category = v.Reports[0].Category
	}
	if cat, ok := s.Intake.Taxonomy().Lookup(category); ok {
		v.Legal = cat.Legal
		if v.Case.Category == "" {
			v.Case.Category = category
		}
	}
	v.History = cv.History
	details := make([]*string, len(v.History))
	for i := range v.History {
		details[i] = &v.History[i].Detail
	}
	if c.MergedInto != "" {
		v.MergedNumber = c.MergedInto
		details = append(details, &v.MergedNumber)
	}
	if err := s.peopleNames(r.Context(), details); err != nil {
		s.wsErr(w, r, u, err)
		return v, false
	}
	if readOnly {
		// The destination sees its own referral, not the analysts' routing.
		if cv.Mine == nil {
			s.wsFail(w, r, u, http.StatusNotFound, "ws.err.notfound")
			return v, false
		}
		rv, err := s.routingViewOf(r.Context(), casefile.Case{Referrals: []casefile.Referral{*cv.Mine}}, nil, lang)
		if err != nil {
			s.wsErr(w, r, u, err)
			return v, false
		}
		if len(rv.Referrals) == 1 {
			v.Mine = &rv.Referrals[0]
		}
		return v, true
	}
	if v.Routing, err = s.routingViewOf(r.Context(), c, reports, lang); err != nil {
		s.wsErr(w, r, u, err)
		return v, false
	}
	if v.Graph, err = s.caseGraph(r.Context(), web.Page{Lang: lang}, v.Reports); err != nil {
		s.wsErr(w, r, u, err)
		return v, false
	}
	if c.Summary == "" {
		v.DraftSummary = draftSummary(v.Reports, v.MoreReports, v.Graph)
	}
	hostHint := ""
	for _, h := range v.Routing.Proposal.Facts.Hosts {
		if h.Org != "" {
			hostHint = h.Org
			break
		}
	}
	if v.Notices, err = s.noticesViewOf(r, c.ID, urlsOf(reports), s.neverFetch(category, reports), hostHint); err != nil {
		s.wsErr(w, r, u, err)
		return v, false
	}
	return v, true
}

// Err is the problem of form, if it is the one that failed.
func (v caseView) Err(form string) string {
	if v.Failed == form {
		return v.Problem
	}
	return ""
}

// HasLegal tells whether the case cites legal reference l.
func (v caseView) HasLegal(l string) bool {
	if len(v.Case.LegalRefs) == 0 && len(v.Legal) > 0 {
		// A case not yet qualified starts from its category's first
		// reference, the offence itself.
		return l == v.Legal[0]
	}
	return slices.Contains(v.Case.LegalRefs, l)
}

// Val is what was typed in field of form when it failed, else fallback.
func (v caseView) Val(form, field, fallback string) string {
	if v.Failed == form && v.Input != nil {
		return v.Input.Get(field)
	}
	return fallback
}

// Checked tells whether value was among field's checked boxes of form when
// it failed; otherwise fallback says.
func (v caseView) Checked(form, field, value string, fallback bool) bool {
	if v.Failed == form && v.Input != nil {
		return slices.Contains(v.Input[field], value)
	}
	return fallback
}

func (s *server) handleCaseView(w http.ResponseWriter, r *http.Request, u account.User) {
	s.showCase(w, r, u, false)
}

// showCase renders the case page: the analysts' or, readOnly, the
// destination's.
func (s *server) showCase(w http.ResponseWriter, r *http.Request, u account.User, readOnly bool) {
	s.renderCase(w, r, u, readOnly, "", "", http.StatusOK)
}

func (s *server) renderCase(w http.ResponseWriter, r *http.Request, u account.User, readOnly bool, form, message string, status int) {
	v, ok := s.loadCase(w, r, u, readOnly)
	if !ok {
		return
	}
	p := s.newWPage(r, u, "ws.case.title")
	if form != "" {
		v.Failed, v.Problem, v.Input = form, message, r.PostForm
		p.Error = p.T("ws.form.failed")
	}
	// Right after a removal, the receipt removed can be put back.
	if undo := r.URL.Query().Get("undo"); form == "" && !readOnly && undo != "" {
		v.Undo = report.NormaliseReceipt(undo)
	}
	// Right after a split, the new case can be merged back into its origin.
	if from := r.URL.Query().Get("unsplit"); form == "" && !readOnly && from != "" && v.Case.MergedInto == "" {
		if orig, err := s.Workspace.CaseByID(r.Context(), from); err == nil && orig.MergedInto == "" && orig.Status != casefile.StatusClosed {
			v.Unsplit = &orig
		}
	}
	p.Data = v
	s.renderW(w, status, "w_case", p)
}

// caseFail answers a case form that failed: a problem the person can fix
// shows the same page again, the input kept and the problem named at the
// form; anything else goes to wsErr.
func (s *server) caseFail(w http.ResponseWriter, r *http.Request, u account.User, form string, err error) {
	pr, ok := problem.As(err)
	if !ok {
		s.wsErr(w, r, u, err)
		return
	}
	s.renderCase(w, r, u, u.Role == account.RoleDestination, form, pr.In(web.LangOf(r)), http.StatusUnprocessableEntity)
}

// formAction runs one change from a form on what the path's id names,
// and goes back to its page, page+id; the services record the change in
// the audit trail.
func (s *server) formAction(page, done string, fn func(r *http.Request, u account.User, id string) error) wsHandler {
	return func(w http.ResponseWriter, r *http.Request, u account.User) {
		if !s.parseWSForm(w, r, u) {
			return
		}
		id := r.PathValue("id")
		if err := fn(r, u, id); err != nil {
			s.caseFail(w, r, u, done, err)
			return
		}
		seeOther(w, r, page+id, done)
	}
}

// caseAction is a change on a case, back to the case page.
func (s *server) caseAction(done string, fn func(r *http.Request, u account.User, id string) error) wsHandler {
	return s.formAction("/w/cases/", done, fn)
}

// The changes a case takes through caseAction (routes.go).

func (s *server) qualifyCase(r *http.Request, u account.User, id string) error {
	f := r.PostForm
	_, err := s.Cases.Qualify(r.Context(), id, f.Get("category"), f["legal"], f.Get("summary"), f.Get("priority"), u.Email)
	return err
}

func (s *server) closeCase(r *http.Request, u account.User, id string) error {
	_, err := s.Cases.Close(r.Context(), id, r.PostForm.Get("outcome"), r.PostForm.Get("reason"), u.Email)
	return err
}

func (s *server) reopenCase(r *http.Request, u account.User, id string) error {
	_, err := s.Cases.Reopen(r.Context(), id, r.PostForm.Get("reason"), u.Email)
	return err
}

func (s *server) noteCase(r *http.Request, u account.User, id string) error {
	return s.Cases.Note(r.Context(), id, r.PostForm.Get("note"), u.Email)
}

func (s *server) addReports(r *http.Request, u account.User, id string) error {
	refs, err := parseIDs(r, "report")
	if err != nil {
		return err
	}
	ids, err := s.reportRefs(r.Context(), refs)
	if err != nil {
		return err
	}
	return s.Cases.AddReports(r.Context(), id, ids, u.Email)
}

// handleCaseRemove takes a report out of a case in one click, and the case
// page then offers to put it back: a slip is undone in one click too,
// rather than every removal asking first.
func (s *server) handleCaseRemove(w http.ResponseWriter, r *http.Request, u account.User) {
	if !s.parseWSForm(w, r, u) {
		return
	}
	id, reportID := r.PathValue("id"), r.PostForm.Get("report")
	if err := s.Cases.RemoveReport(r.Context(), id, reportID, u.Email); err != nil {
		s.caseFail(w, r, u, "remove", err)
		return
	}
	target := "/w/cases/" + id
	if it, err := s.Workspace.TriageOf(r.Context(), reportID); err == nil {
		target += "?undo=" + url.QueryEscape(it.Receipt)
	}
	seeOther(w, r, target, "remove")
}

func (s *server) mergeCase(r *http.Request, u account.User, id string) error {
	from := strings.TrimSpace(r.PostForm.Get("from"))
	if from == "" {
		return problem.New("case.merge_target_required")
	}
	fromID, err := s.Cases.Resolve(r.Context(), from)
	if err != nil {
		return err
	}
	return s.Cases.Merge(r.Context(), id, fromID, u.Email)
}

// handleCaseSplit moves the checked reports to a new case.
func (s *server) handleCaseSplit(w http.ResponseWriter, r *http.Request, u account.User) {
	if !s.parseWSForm(w, r, u) {
		return
	}
	ids, err := parseIDs(r, "report")
	if err != nil {
		s.caseFail(w, r, u, "split", err)
		return
	}
	nc, err := s.Cases.Split(r.Context(), r.PathValue("id"), ids, r.PostForm.Get("title"), u.Email)
	if err != nil {
		s.caseFail(w, r, u, "split", err)
		return
	}
	// The new case's page offers to merge it back, in one click.
	seeOther(w, r, "/w/cases/"+nc.ID+"?unsplit="+url.QueryEscape(r.PathValue("id")), "split")
}

// Search.

type searchView struct {
	Query      string
	Identifier *correlate.Info
	ByValue    []triage.Item
	Reports    []triage.Item
	Cases      []casefile.Case
	Searched   bool
}

const searchLimit = 50

func (s *server) handleSearch(w http.ResponseWriter, r *http.Request, u account.User) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 500 {
		s.wsErr(w, r, u, problem.New("search.too_long"))
		return
	}
	ctx := r.Context()
	v := searchView{Query: q, Searched: q != ""}
	if q != "" {
		if !s.mustAudit(w, r, u, "search", "query", "", q) {
			return
		}
		// An identifier typed on its own (an IBAN, a phone, a URL…) is
		// looked up in the index, under its normal form.
		if ids := indicator.Extract(q, indicator.DefaultOptions); len(ids) > 0 {
			info, err := s.Index.Indicator(ctx, ids[0].Type, ids[0].Value)
			if err == nil {
				v.Identifier = &info
				reportIDs, _, err := s.Index.IndicatorReports(ctx, info.Type, info.Value, "", searchLimit)
				if err != nil {
					s.wsErr(w, r, u, err)
					return
				}
				if v.ByValue, err = s.items(r, reportIDs); err != nil {
					s.wsErr(w, r, u, err)
					return
				}
			} else if !errors.Is(err, correlate.ErrNotFound) {
				s.wsErr(w, r, u, err)
				return
			}
		}
		terms := search.Terms(q)
		reportIDs, err := s.Workspace.SearchReports(ctx, terms, searchLimit)
		if err != nil {
			s.wsErr(w, r, u, err)
			return
		}
		if v.Reports, err = s.items(r, reportIDs); err != nil {
			s.wsErr(w, r, u, err)
			return
		}
		caseIDs, err := s.Workspace.SearchCases(ctx, terms, searchLimit)
		if err != nil {
			s.wsErr(w, r, u, err)
			return
		}
		// The found cases in one read, without their reports (a campaign's
		// case holds thousands), in the search's order.
		var found []casefile.Case
		if len(caseIDs) > 0 {
			found, err = s.Workspace.ListCases(ctx, casefile.Filter{IDs: caseIDs, Limit: len(caseIDs)})
		}
		if err != nil {
			s.wsErr(w, r, u, err)
			return
		}
		byID := make(map[string]casefile.Case, len(found))
		for _, c := range found {
			byID[c.ID] = c
		}
		for _, id := range caseIDs {
			if c, ok := byID[id]; ok {
				v.Cases = append(v.Cases, c)
			}
		}
	}
	p := s.newWPage(r, u, "ws.search.title")
	p.Data = v
	s.renderW(w, http.StatusOK, "w_search", p)
}

func (s *server) items(r *http.Request, ids []string) ([]triage.Item, error) {
	out := make([]triage.Item, 0, len(ids))
	for _, id := range ids {
		it, err := s.Workspace.TriageOf(r.Context(), id)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}

// Audit viewer.

type auditView struct {
	Entries []audit.Entry
	Filter  map[string]string
	Next    string
}

func (s *server) handleAuditViewer(w http.ResponseWriter, r *http.Request, u account.User) {
	q := r.URL.Query()
	f := audit.Filter{Actor: q.Get("actor"), Action: q.Get("action"), ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id"), Limit: 100}
	var err error
	if f.From, err = parseDay(q.Get("from")); err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	if f.To, err = parseDay(q.Get("to")); err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1)
	}
	if b := q.Get("before"); b != "" {
		if f.BeforeSeq, err = strconv.ParseInt(b, 10, 64); err != nil || f.BeforeSeq < 1 {
			s.wsErr(w, r, u, problem.New("page.bad"))
			return
		}
	}
	entries, err := s.Workspace.FindAudit(r.Context(), f)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	// Recorded once read, so that the reader's own entry is not on the
	// page it asked for; still before anything is shown.
	if !s.mustAudit(w, r, u, "audit.view", "audit", "", q.Encode()) {
		return
	}
	v := auditView{Entries: entries, Filter: map[string]string{"actor": f.Actor, "action": f.Action, "object_type": f.ObjectType,
		"object_id": f.ObjectID, "from": q.Get("from"), "to": q.Get("to")}}
	if len(entries) == f.Limit {
		nq := r.URL.Query()
		nq.Set("before", strconv.FormatInt(entries[len(entries)-1].Seq, 10))
		v.Next = "/w/audit?" + nq.Encode()
	}
	p := s.newWPage(r, u, "ws.audit.title")
	p.Data = v
	s.renderW(w, http.StatusOK, "w_audit", p)
}

// Users (admin).

type usersView struct {
	Users []account.User
	Roles []account.Role
	// Added is the account just created and Mailed whether its activation
	// link went to its owner by e-mail. The link itself is never shown
	// here: an administrator who saw it could enrol the account as their
	// own, a supervisor's included.
	Added  string
	Mailed bool
	// Problem is a mistake in the form to add an account, shown at the
	// form with what was typed (Input).
	Problem string
	Input   url.Values
}

// Val is what was typed in the form to add an account when it failed.
func (v usersView) Val(field, fallback string) string {
	if v.Problem != "" && v.Input != nil {
		return v.Input.Get(field)
	}
	return fallback
}

func (s *server) handleUsers(w http.ResponseWriter, r *http.Request, u account.User) {
	s.usersPage(w, r, u, usersView{}, http.StatusOK)
}

func (s *server) usersPage(w http.ResponseWriter, r *http.Request, u account.User, view usersView, status int) {
	users, err := s.Workspace.ListUsers(r.Context())
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	p := s.newWPage(r, u, "ws.users.title")
	if view.Problem != "" {
		p.Error = p.T("ws.form.failed")
	}
	view.Users, view.Roles = users, account.Roles
	p.Data = view
	s.renderW(w, status, "w_users", p)
}

func (s *server) handleUserAdd(w http.ResponseWriter, r *http.Request, u account.User) {
	if !s.parseWSForm(w, r, u) {
		return
	}
	fail := func(err error) {
		pr, ok := problem.As(err)
		if !ok {
			s.wsErr(w, r, u, err)
			return
		}
		s.usersPage(w, r, u, usersView{Problem: pr.In(web.LangOf(r)), Input: r.PostForm}, http.StatusUnprocessableEntity)
	}
	role, err := account.ParseRole(r.PostForm.Get("role"))
	if err != nil {
		fail(err)
		return
	}
	nu, err := s.Accounts.AddUser(r.Context(), r.PostForm.Get("email"), role, strings.TrimSpace(r.PostForm.Get("destination")), u.Email)
	if err != nil {
		fail(err)
		return
	}
	view := usersView{Added: nu.Email}
	if s.Mailer != nil && s.PublicURL != "" {
		if err := s.mailEnrolment(r, nu, u); err != nil {
			// The account exists; the operator can still make its link.
			s.Logger.Error("activation e-mail", "user", nu.Email, "err", err)
		} else {
			view.Mailed = true
		}
	}
	s.usersPage(w, r, u, view, http.StatusCreated)
}

// mailEnrolment sends a new account its activation link, to its own
// address only, from the configured public address (never from the
// request's Host, which the requester writes).
func (s *server) mailEnrolment(r *http.Request, nu, by account.User) error {
	token, err := s.Accounts.IssueEnrolment(r.Context(), nu.ID, by.Email)
	if err != nil {
		return err
	}
	link := strings.TrimRight(s.PublicURL, "/") + "/w/enrol/" + token
	t := web.TranslatorFor(web.LangOf(r))
	ttl := int(s.Accounts.Policy().EnrolmentTTL / time.Hour)
	return s.Mailer.SendText(r.Context(), nu.Email, t.T("ws.users.mail.subject"), t.T("ws.users.mail.body", link, ttl))
}

func (s *server) handleUserDisable(w http.ResponseWriter, r *http.Request, u account.User) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.wsFail(w, r, u, http.StatusNotFound, "ws.err.notfound")
		return
	}
	target, err := s.Workspace.UserByID(r.Context(), id)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	if target.ID == u.ID {
		s.wsErr(w, r, u, problem.New("account.disable_self"))
		return
	}
	if _, err := s.Accounts.Disable(r.Context(), target.Email, u.Email); err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	seeOther(w, r, "/w/users", "disabled")
}

// Destination inbox.

// inboxLine is one case of a destination's inbox: its own referral, what
// it is expected to do next, and by when.
type inboxLine struct {
	Case     casefile.Case
	Referral casefile.Referral
	Overdue  bool
	Action   string // acknowledge, outcome, or "" when nothing is expected
}

func (s *server) handleInbox(w http.ResponseWriter, r *http.Request, u account.User) {
	cases, err := s.Cases.Inbox(r.Context(), readerOf(u), 200)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	now := time.Now()
	lines := make([]inboxLine, 0, len(cases))
	for _, c := range cases {
		if len(c.Referrals) == 0 {
			continue
		}
		ref := c.Referrals[0]
		line := inboxLine{Case: c, Referral: ref, Overdue: ref.Overdue(now)}
		switch ref.Status {
		case casefile.ReferralPending, casefile.ReferralDelivered:
			line.Action = "acknowledge"
		case casefile.ReferralAcknowledged:
			line.Action = "outcome"
		}
		lines = append(lines, line)
	}
	// What waits for an act comes first, the most urgent deadline first.
	slices.SortStableFunc(lines, func(a, b inboxLine) int {
		if (a.Action == "") != (b.Action == "") {
			if a.Action == "" {
				return 1
			}
			return -1
		}
		return a.Referral.DueAt.Compare(b.Referral.DueAt)
	})
	p := s.newWPage(r, u, "ws.inbox.title")
	p.Data = lines
	s.renderW(w, http.StatusOK, "w_inbox", p)
}

func (s *server) handleInboxCase(w http.ResponseWriter, r *http.Request, u account.User) {
	s.showCase(w, r, u, true)
}
