package workspace

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/indicator"
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
		s.wsErr(w, r, u, web.BadInput("unknown status"))
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
	if !s.parseWSForm(w, r, u) {
		return
	}
	ids, err := parseIDs(r, "report")
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	c, err := s.Cases.Create(r.Context(), r.PostForm.Get("title"), ids, u.Email)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	s.audit(r, u.Email, "case.create", "case", c.ID, strings.Join(c.ReportIDs, " "))
	seeOther(w, r, "/w/cases/"+c.ID, "created")
}

// caseView is the case page.
type caseView struct {
	Case          casefile.Case
	CategoryLabel string
	Reports       []caseReport
	History       []casefile.Event
	Categories    []taxonomy.Category
	Legal         []string // the legal references of the case's category
	Priorities    []string
	Outcomes      []string
	ReadOnly      bool // the destination's view
	Routing       routingView
	Mine          *referralView // the destination user's own referral
	Notices       noticesView
}

type caseReport struct {
	report.Report
	CategoryLabel string
}

func (s *server) loadCase(w http.ResponseWriter, r *http.Request, u account.User, readOnly bool) (caseView, bool) {
	c, err := s.Workspace.CaseByID(r.Context(), r.PathValue("id"))
	if err != nil {
		s.wsErr(w, r, u, err)
		return caseView{}, false
	}
	// A destination user sees a case only if it was referred to their
	// service; any other id answers as if it did not exist.
	if u.Role == account.RoleDestination && !slices.ContainsFunc(c.Referrals, func(ref casefile.Referral) bool { return ref.Destination == u.Destination }) {
		s.audit(r, u.Email, "access.denied", "case", c.ID, "")
		s.wsFail(w, r, u, http.StatusNotFound, "ws.err.notfound")
		return caseView{}, false
	}
	if !s.mustAudit(w, r, u, "case.view", "case", c.ID) {
		return caseView{}, false
	}
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
	if v.History, err = s.Workspace.CaseEvents(r.Context(), c.ID); err != nil {
		s.wsErr(w, r, u, err)
		return v, false
	}
	if readOnly {
		// The destination sees its own referral, not the analysts' routing.
		rv, err := s.routingViewOf(r.Context(), casefile.Case{Referrals: c.Referrals}, nil, lang)
		if err != nil {
			s.wsErr(w, r, u, err)
			return v, false
		}
		for i := range rv.Referrals {
			if rv.Referrals[i].Destination == u.Destination {
				v.Mine = &rv.Referrals[i]
			}
		}
		return v, true
	}
	if v.Routing, err = s.routingViewOf(r.Context(), c, reports, lang); err != nil {
		s.wsErr(w, r, u, err)
		return v, false
	}
	var urls []string
	for _, rep := range reports {
		urls = append(urls, rep.URLs...)
	}
	hostHint := ""
	for _, h := range v.Routing.Proposal.Facts.Hosts {
		if h.Org != "" {
			hostHint = h.Org
			break
		}
	}
	if v.Notices, err = s.noticesViewOf(r, c.ID, urls, s.neverFetch(category, reports), hostHint); err != nil {
		s.wsErr(w, r, u, err)
		return v, false
	}
	return v, true
}

func (s *server) handleCaseView(w http.ResponseWriter, r *http.Request, u account.User) {
	v, ok := s.loadCase(w, r, u, false)
	if !ok {
		return
	}
	p := s.newWPage(r, u, "ws.case.title")
	p.Data = v
	s.renderW(w, http.StatusOK, "w_case", p)
}

// caseAction runs one change on a case from a form, audits it and goes
// back to the case page.
func (s *server) caseAction(action string, fn func(r *http.Request, u account.User, id string) (string, error)) wsHandler {
	return func(w http.ResponseWriter, r *http.Request, u account.User) {
		if !s.parseWSForm(w, r, u) {
			return
		}
		id := r.PathValue("id")
		detail, err := fn(r, u, id)
		if err != nil {
			s.wsErr(w, r, u, err)
			return
		}
		s.audit(r, u.Email, "case."+action, "case", id, detail)
		seeOther(w, r, "/w/cases/"+id, action)
	}
}

// The changes a case takes through caseAction (routes.go): each returns
// the audit entry's detail.

func (s *server) qualifyCase(r *http.Request, u account.User, id string) (string, error) {
	f := r.PostForm
	_, err := s.Cases.Qualify(r.Context(), id, f.Get("category"), f["legal"], f.Get("summary"), f.Get("priority"), u.Email)
	return f.Get("category"), err
}

func (s *server) closeCase(r *http.Request, u account.User, id string) (string, error) {
	_, err := s.Cases.Close(r.Context(), id, r.PostForm.Get("outcome"), r.PostForm.Get("reason"), u.Email)
	return r.PostForm.Get("outcome"), err
}

func (s *server) reopenCase(r *http.Request, u account.User, id string) (string, error) {
	_, err := s.Cases.Reopen(r.Context(), id, r.PostForm.Get("reason"), u.Email)
	return "", err
}

func (s *server) noteCase(r *http.Request, u account.User, id string) (string, error) {
	return "", s.Cases.Note(r.Context(), id, r.PostForm.Get("note"), u.Email)
}

func (s *server) addReports(r *http.Request, u account.User, id string) (string, error) {
	ids, err := parseIDs(r, "report")
	if err != nil {
		return "", err
	}
	return strings.Join(ids, " "), s.Cases.AddReports(r.Context(), id, ids, u.Email)
}

func (s *server) removeReport(r *http.Request, u account.User, id string) (string, error) {
	rid := r.PostForm.Get("report")
	return rid, s.Cases.RemoveReport(r.Context(), id, rid, u.Email)
}

func (s *server) mergeCase(r *http.Request, u account.User, id string) (string, error) {
	from := strings.TrimSpace(r.PostForm.Get("from"))
	if from == "" {
		return "", web.BadInput("give the id of the case to merge into this one")
	}
	return from, s.Cases.Merge(r.Context(), id, from, u.Email)
}

// handleCaseSplit moves the checked reports to a new case.
func (s *server) handleCaseSplit(w http.ResponseWriter, r *http.Request, u account.User) {
	if !s.parseWSForm(w, r, u) {
		return
	}
	ids, err := parseIDs(r, "report")
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	nc, err := s.Cases.Split(r.Context(), r.PathValue("id"), ids, r.PostForm.Get("title"), u.Email)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	s.audit(r, u.Email, "case.split", "case", r.PathValue("id"), nc.ID)
	seeOther(w, r, "/w/cases/"+nc.ID, "split")
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
		s.wsErr(w, r, u, web.BadInput("the search is too long (500 characters at most)"))
		return
	}
	ctx := r.Context()
	v := searchView{Query: q, Searched: q != ""}
	if q != "" {
		s.audit(r, u.Email, "search", "query", "", q)
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
		for _, id := range caseIDs {
			c, err := s.Workspace.CaseByID(ctx, id)
			if err != nil {
				s.wsErr(w, r, u, err)
				return
			}
			v.Cases = append(v.Cases, c)
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
			s.wsErr(w, r, u, web.BadInput("bad page"))
			return
		}
	}
	entries, err := s.Workspace.FindAudit(r.Context(), f)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	s.audit(r, u.Email, "audit.view", "audit", "", q.Encode())
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
	Users     []account.User
	Roles     []account.Role
	EnrolLink string
}

func (s *server) handleUsers(w http.ResponseWriter, r *http.Request, u account.User) {
	s.usersPage(w, r, u, "", http.StatusOK)
}

func (s *server) usersPage(w http.ResponseWriter, r *http.Request, u account.User, link string, status int) {
	users, err := s.Workspace.ListUsers(r.Context())
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	p := s.newWPage(r, u, "ws.users.title")
	p.Data = usersView{Users: users, Roles: account.Roles, EnrolLink: link}
	s.renderW(w, status, "w_users", p)
}

func (s *server) handleUserAdd(w http.ResponseWriter, r *http.Request, u account.User) {
	if !s.parseWSForm(w, r, u) {
		return
	}
	role, err := account.ParseRole(r.PostForm.Get("role"))
	if err != nil {
		s.wsErr(w, r, u, web.BadInput("unknown role %q (admin, supervisor, analyst, auditor or destination)", r.PostForm.Get("role")))
		return
	}
	nu, err := s.Accounts.AddUser(r.Context(), r.PostForm.Get("email"), role, strings.TrimSpace(r.PostForm.Get("destination")))
	if errors.Is(err, account.ErrExists) {
		s.wsErr(w, r, u, web.BadError(err))
		return
	}
	if err != nil {
		s.wsErr(w, r, u, web.BadError(err))
		return
	}
	token, err := s.Accounts.StartEnrolment(r.Context(), nu.ID)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	s.audit(r, u.Email, "user.add", "user", itoa(int(nu.ID)), nu.Email+" "+string(nu.Role))
	s.usersPage(w, r, u, "/w/enrol/"+token, http.StatusCreated)
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
		s.wsErr(w, r, u, web.BadInput("you cannot disable your own account"))
		return
	}
	if _, err := s.Accounts.Disable(r.Context(), target.Email); err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	s.audit(r, u.Email, "user.disable", "user", itoa(int(id)), target.Email)
	seeOther(w, r, "/w/users", "disabled")
}

// Destination inbox.

func (s *server) handleInbox(w http.ResponseWriter, r *http.Request, u account.User) {
	cases, err := s.Workspace.ListCases(r.Context(), casefile.Filter{Destination: u.Destination, Limit: 200})
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	p := s.newWPage(r, u, "ws.inbox.title")
	p.Data = caseListView{Cases: cases}
	s.renderW(w, http.StatusOK, "w_inbox", p)
}

func (s *server) handleInboxCase(w http.ResponseWriter, r *http.Request, u account.User) {
	v, ok := s.loadCase(w, r, u, true)
	if !ok {
		return
	}
	p := s.newWPage(r, u, "ws.case.title")
	p.Data = v
	s.renderW(w, http.StatusOK, "w_case", p)
}
