package workspace

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/access"
	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/bank"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/linkgraph"
	"github.com/vigie-platform/vigie/problem"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/triage"
	"github.com/vigie-platform/vigie/web"
)

// queueView is the triage queue page.
type queueView struct {
	Items    []queueItem
	Next     string // URL of the next page, if any
	Filter   queueFilterView
	States   []string
	Channels []string
	Summary  triage.Summary
	Failed   *formFailure
	// Back is this page, where a decision comes back to.
	Back string
	// Filtered is true when the page is filtered: the filters stay open.
	Filtered bool
}

type queueItem struct {
	triage.Item
	CategoryLabel string
	Late          bool // past its deadline
}

type queueFilterView struct {
	State, Category, Channel, Assignee, Related, From, To string
}

const queuePage = 50

func parseDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return t, problem.New("triage.bad_date")
	}
	return t, nil
}

// queueFilter reads the queue's filters from the URL.
func (s *server) queueFilter(r *http.Request, u account.User) (triage.Filter, queueFilterView, error) {
	q := r.URL.Query()
	v := queueFilterView{State: q.Get("state"), Category: q.Get("category"), Channel: q.Get("channel"),
		Assignee: q.Get("assignee"), Related: q.Get("related"), From: q.Get("from"), To: q.Get("to")}
	f := triage.Filter{Limit: queuePage, Category: v.Category, Channel: v.Channel}
	var err error
	if f.States, err = triage.ParseState(v.State); err != nil {
		return f, v, err
	}
	if f.Category != "" && !strings.HasSuffix(f.Category, ".") {
		if _, ok := s.Intake.Taxonomy().Lookup(f.Category); !ok {
			return f, v, problem.New("triage.unknown_category")
		}
	}
	if f.Channel != "" && f.Channel != string(report.ChannelWeb) && f.Channel != string(report.ChannelAPI) {
		return f, v, problem.New("triage.unknown_channel")
	}
	switch v.Assignee {
	case "", "-":
		f.Assignee = v.Assignee
	case "me":
		f.Assignee = u.Email
	default:
		if f.Assignee, err = account.NormaliseEmail(v.Assignee); err != nil {
			return f, v, err
		}
	}
	switch v.Related {
	case "":
	case "yes", "no":
		b := v.Related == "yes"
		f.HasRelated = &b
	default:
		return f, v, problem.New("triage.related_yes_no")
	}
	if f.From, err = parseDay(v.From); err != nil {
		return f, v, err
	}
	if f.To, err = parseDay(v.To); err != nil {
		return f, v, err
	}
	if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1) // the "to" day is included
	}
	if f.After, err = triage.DecodeCursor(q.Get("after")); err != nil {
		return f, v, err
	}
	return f, v, nil
}

func (s *server) handleQueue(w http.ResponseWriter, r *http.Request, u account.User) {
	s.renderQueue(w, r, u, nil)
}

func (s *server) renderQueue(w http.ResponseWriter, r *http.Request, u account.User, failed *formFailure) {
	f, fv, err := s.queueFilter(r, u)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	f.OneItemPerWave = true // a wave is one item, its count shown
	items, err := s.Workspace.Queue(r.Context(), f)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	summary, err := s.summary.get(r.Context(), func(ctx context.Context) (triage.Summary, error) {
		return s.Workspace.QueueSummary(ctx, time.Now())
	})
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	// The queue shows the start of each description: a view of personal data.
	if !s.mustAudit(w, r, u, "queue.view", "queue", r.URL.RawQuery, "") {
		return
	}
	p := s.newWPage(r, u, "ws.queue.title")
	view := queueView{Filter: fv, Channels: []string{string(report.ChannelWeb), string(report.ChannelAPI)}, Summary: summary}
	for key, vals := range r.URL.Query() {
		if key != "lang" && key != "after" && key != "done" && len(vals) > 0 && vals[0] != "" {
			view.Filtered = true
		}
	}
	for _, st := range triage.States {
		view.States = append(view.States, string(st))
	}
	now := time.Now()
	for _, it := range items {
		view.Items = append(view.Items, queueItem{Item: it, CategoryLabel: s.categoryLabel(it.Category, p.Lang), Late: it.Overdue(now)})
	}
	if len(items) == f.Limit {
		q := r.URL.Query()
		q.Set("after", items[len(items)-1].Key().Encode())
		view.Next = "/w/queue?" + q.Encode()
	}
	view.Failed = failed
	view.Back = "/w/queue"
	if q := r.URL.Query(); len(q) > 0 {
		q.Del("lang")
		q.Del("done")
		if enc := q.Encode(); enc != "" {
			view.Back += "?" + enc
		}
	}
	p.Data = view
	status := http.StatusOK
	if failed != nil {
		p.Error, status = p.T("ws.form.failed"), http.StatusUnprocessableEntity
	}
	s.renderW(w, status, "w_queue", p)
}

func (s *server) categoryLabel(code, lang string) string {
	return web.CategoryLabel(s.Intake.Taxonomy(), code, lang)
}

func (s *server) handleTakeNext(w http.ResponseWriter, r *http.Request, u account.User) {
	it, err := s.Triage.TakeNext(r.Context(), u.Email)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	seeOther(w, r, "/w/reports/"+it.ID, "")
}

// parseIDs reads the checked reports of a bulk form.
func parseIDs(r *http.Request, field string) ([]string, error) {
	var ids []string
	for _, v := range r.PostForm[field] {
		for _, id := range strings.Fields(v) {
			if len(id) > 64 {
				return nil, problem.New("case.report_id_invalid")
			}
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, problem.New("case.choose_reports")
	}
	if len(ids) > triage.MaxBulk {
		return nil, problem.New("triage.too_many")
	}
	return ids, nil
}

// formIDs parses a bulk form and its checked reports; false when it
// answered the request with the problem.
func (s *server) formIDs(w http.ResponseWriter, r *http.Request, u account.User) ([]string, bool) {
	if !s.parseWSForm(w, r, u) {
		return nil, false
	}
	ids, err := parseIDs(r, "report")
	if err != nil {
		s.wsErr(w, r, u, err)
		return nil, false
	}
	return ids, true
}

func (s *server) parseWSForm(w http.ResponseWriter, r *http.Request, u account.User) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	if err := r.ParseForm(); err != nil {
		s.wsFail(w, r, u, http.StatusBadRequest, "ws.err.form")
		return false
	}
	return true
}

func (s *server) handleBulkDecide(w http.ResponseWriter, r *http.Request, u account.User) {
	if !s.parseWSForm(w, r, u) {
		return
	}
	back := r.PostForm.Get("back")
	if !strings.HasPrefix(back, "/w/") {
		back = "/w/queue"
	}
	back = safeNext(back)
	ids, err := parseIDs(r, "report")
	if err != nil {
		s.decideFail(w, r, u, back, err)
		return
	}
	d := triage.Decision{State: triage.State(r.PostForm.Get("decision")), Reason: strings.TrimSpace(r.PostForm.Get("reason")),
		DuplicateOf: strings.TrimSpace(r.PostForm.Get("duplicate_of"))}
	if d.DuplicateOf != "" {
		original, err := s.reportRefs(r.Context(), []string{d.DuplicateOf})
		if err != nil {
			s.decideFail(w, r, u, back, err)
			return
		}
		d.DuplicateOf = original[0]
	}
	// A decision on several reports at once is shown back for a second
	// look before it is made: it closes them all, and the reporters hear.
	if len(ids) > 1 && r.PostForm.Get("confirm") != "yes" {
		if err := d.Check(); err != nil {
			s.decideFail(w, r, u, back, err)
			return
		}
		s.confirmDecision(w, r, u, ids, d, back)
		return
	}
	if _, err := s.Triage.Decide(r.Context(), ids, d, u.Email); err != nil {
		s.decideFail(w, r, u, back, err)
		return
	}
	seeOther(w, r, back, "decided")
}

// decideFail answers a decision that could not be made: a problem the
// analyst can fix shows the page the form was on again (the queue with its
// filters, or the report), with the checked reports, the decision and the
// reason kept and the problem named at the form.
func (s *server) decideFail(w http.ResponseWriter, r *http.Request, u account.User, back string, err error) {
	pr, ok := problem.As(err)
	if !ok {
		s.wsErr(w, r, u, err)
		return
	}
	page, perr := url.Parse(back)
	if perr != nil {
		s.wsErr(w, r, u, err)
		return
	}
	again := r.Clone(r.Context())
	again.URL = page
	if again.URL.Query().Get("lang") == "" && web.LangOf(r) == "en" {
		q := again.URL.Query()
		q.Set("lang", "en")
		again.URL.RawQuery = q.Encode()
	}
	failed := &formFailure{Problem: pr.In(web.LangOf(r)), Input: r.PostForm}
	if id, isReport := strings.CutPrefix(page.Path, "/w/reports/"); isReport {
		s.renderReport(w, again, u, id, failed)
		return
	}
	if id, isWave := strings.CutPrefix(page.Path, "/w/waves/"); isWave && r.URL.Path == "/w/cases" {
		again.SetPathValue("id", id)
		failed.Form = "case"
		s.renderWave(w, again, u, failed)
		return
	}
	s.renderQueue(w, again, u, failed)
}

// formFailure is a form that failed, shown again: its problem, and what
// was typed or checked in it.
type formFailure struct {
	Problem string
	Input   url.Values
	// Form names the form that failed on a page holding several; empty
	// for the page's main form.
	Form string
}

// For is the failure when it is form's, else nil: a page with several
// forms shows the problem and the input at the one that was sent.
func (f *formFailure) For(form string) *formFailure {
	if f == nil || f.Form != form {
		return nil
	}
	return f
}

// Val is what was typed in field, else fallback.
func (f *formFailure) Val(field, fallback string) string {
	if f == nil {
		return fallback
	}
	return f.Input.Get(field)
}

// Checked tells whether value was checked in field.
func (f *formFailure) Checked(field, value string) bool {
	return f != nil && slices.Contains(f.Input[field], value)
}

// Err is the problem, if any.
func (f *formFailure) Err() string {
	if f == nil {
		return ""
	}
	return f.Problem
}

func (s *server) handleReassign(w http.ResponseWriter, r *http.Request, u account.User) {
	ids, ok := s.formIDs(w, r, u)
	if !ok {
		return
	}
	if _, err := s.Triage.Assign(r.Context(), ids, r.PostForm.Get("assignee"), u.Email); err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	seeOther(w, r, "/w/queue", "assigned")
}

// reportView is everything the report page shows.
type reportView struct {
	Report        report.Report
	Triage        triage.Item
	CategoryLabel string
	IsMinors      bool
	Identifiers   []correlate.Info
	Related       []relatedView
	Cluster       correlate.Cluster
	// Proposal is the cluster's reports that a new case can take: not
	// decided, in no case. LeftOut counts the others.
	Proposal    []triage.Item
	LeftOut     int
	History     []triage.Event
	Attachments []attachmentView
	Decisions   []string
	Failed      *formFailure
	// Graph pictures the report, its identifiers and the related reports.
	Graph linkgraph.Graph
	// Known content (issue 14): what the report's media matched, the
	// reports the flood guard gathered into this one, and the categories
	// an analyst may classify an image in.
	Matches    []bank.Match
	Gathered   []triage.Item
	Categories []string
	CanBank    bool
}

type relatedView struct {
	Item   triage.Item
	Shared []correlate.SharedIdentity
}

type attachmentView struct {
	report.Attachment
	IsImage  bool
	Revealed bool
	Hidden   bool // not even a blurred preview (minors.*)
	// Known is the classified bank entry the attachment matched: the
	// label is shown instead of the media, which opens only on purpose.
	Known *bank.Match
}

var inlineImageTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp"}

func (s *server) handleReportView(w http.ResponseWriter, r *http.Request, u account.User) {
	s.renderReport(w, r, u, r.PathValue("id"), nil)
}

func (s *server) renderReport(w http.ResponseWriter, r *http.Request, u account.User, id string, failed *formFailure) {
	rep, err := s.Reports.ReportByID(r.Context(), id)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	if !s.mustAudit(w, r, u, "report.view", "report", id, "") {
		return
	}
	ctx := r.Context()
	v := reportView{Report: rep, IsMinors: strings.HasPrefix(rep.Category, "minors.")}
	if v.Triage, err = s.Workspace.TriageOf(ctx, id); err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	p := s.newWPage(r, u, "ws.report.title")
	v.CategoryLabel = s.categoryLabel(rep.Category, p.Lang)
	if v.Identifiers, err = s.Index.ReportIndicators(ctx, id); err != nil && !errors.Is(err, correlate.ErrNotFound) {
		s.wsErr(w, r, u, err)
		return
	}
	related, err := correlate.RelatedReports(ctx, s.Index, id, web.RelatedPerValue)
	if err != nil && !errors.Is(err, correlate.ErrNotFound) {
		s.wsErr(w, r, u, err)
		return
	}
	if len(related) > 50 {
		related = related[:50]
	}
	if v.Cluster, err = correlate.ClusterOf(ctx, s.Index, id, web.ClusterMaxReports, web.ClusterMaxValueCount); err != nil && !errors.Is(err, correlate.ErrNotFound) {
		s.wsErr(w, r, u, err)
		return
	}
	named := make([]string, 0, len(related)+len(v.Cluster.Reports))
	for _, rel := range related {
		named = append(named, rel.ReportID)
	}
	items, err := s.itemsByID(ctx, append(named, v.Cluster.Reports...))
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	for _, rel := range related {
		v.Related = append(v.Related, relatedView{Item: items[rel.ReportID], Shared: rel.Shared})
	}
	v.Graph = s.reportGraph(p.Page, v)
	for _, rid := range v.Cluster.Reports {
		it, ok := items[rid]
		if ok && it.CaseID == "" && (it.State == triage.StateNew || it.State == triage.StateAssigned) {
			v.Proposal = append(v.Proposal, it)
		} else {
			v.LeftOut++
		}
	}
	if v.History, err = s.Workspace.ReportEvents(ctx, id); err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	details := make([]*string, len(v.History))
	for i := range v.History {
		details[i] = &v.History[i].Detail
	}
	if err := s.peopleNames(ctx, details); err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	if s.BankStore != nil {
		if v.Matches, err = s.BankStore.ReportMatches(ctx, id); err != nil {
			s.wsErr(w, r, u, err)
			return
		}
		gathered, err := s.BankStore.GatheredReports(ctx, id)
		if err == nil && len(gathered) > 0 {
			var items map[string]triage.Item
			if items, err = s.itemsByID(ctx, gathered); err == nil {
				for _, g := range gathered {
					if it, ok := items[g]; ok {
						v.Gathered = append(v.Gathered, it)
					}
				}
			}
		}
		if err != nil {
			s.wsErr(w, r, u, err)
			return
		}
		v.Categories, v.CanBank = bank.Categories, s.Banks != nil && p.Can[string(access.Triage)]
	}
	reveal := r.URL.Query().Get("reveal")
	for _, a := range rep.Attachments {
		av := attachmentView{Attachment: a, IsImage: slices.Contains(inlineImageTypes, a.ContentType), Revealed: reveal == a.SHA256}
		av.Known = knownMatch(v.Matches, a.SHA256)
		if av.Known != nil {
			av.Revealed = false
		}
		av.Hidden = av.IsImage && v.IsMinors && !av.Revealed
		v.Attachments = append(v.Attachments, av)
	}
	for _, d := range triage.Decisions {
		v.Decisions = append(v.Decisions, string(d))
	}
	v.Failed = failed
	p.Data = v
	status := http.StatusOK
	if failed != nil {
		p.Error, status = p.T("ws.form.failed"), http.StatusUnprocessableEntity
	}
	s.renderW(w, status, "w_report", p)
}

// handleAttachment sends an attachment, always audited: as a download, or
// inline for the report page's image preview (images only, sandboxed).
func (s *server) handleAttachment(w http.ResponseWriter, r *http.Request, u account.User) {
	a, known, ok := s.reportAttachment(w, r, u)
	if !ok {
		return
	}
	if known != nil {
		// Known content is not sent by a link: only the audited button opens it.
		s.wsFail(w, r, u, http.StatusForbidden, "ws.known.use_button")
		return
	}
	inline := r.URL.Query().Get("inline") == "1" && slices.Contains(inlineImageTypes, a.ContentType)
	action := "attachment.download"
	if inline {
		action = "attachment.view"
	}
	if !s.mustAudit(w, r, u, action, "attachment", r.PathValue("id")+"/"+a.SHA256, "") {
		return
	}
	s.sendAttachment(w, r, u, a, inline, "default-src 'none'; sandbox")
}

// reportAttachment finds the attachment named by the route ({id}, {sha})
// and the classified bank match that hides it, if any. When ok is false it
// has answered.
func (s *server) reportAttachment(w http.ResponseWriter, r *http.Request, u account.User) (_ report.Attachment, known *bank.Match, ok bool) {
	id, sha := r.PathValue("id"), r.PathValue("sha")
	rep, err := s.Reports.ReportByID(r.Context(), id)
	if err != nil {
		s.wsErr(w, r, u, err)
		return report.Attachment{}, nil, false
	}
	i := slices.IndexFunc(rep.Attachments, func(a report.Attachment) bool { return a.SHA256 == sha })
	if i < 0 {
		s.wsFail(w, r, u, http.StatusNotFound, "ws.err.notfound")
		return report.Attachment{}, nil, false
	}
	if s.BankStore != nil {
		matches, err := s.BankStore.ReportMatches(r.Context(), id)
		if err != nil {
			s.wsErr(w, r, u, err)
			return report.Attachment{}, nil, false
		}
		known = knownMatch(matches, sha)
	}
	return rep.Attachments[i], known, true
}

// sendAttachment writes an attachment's content, inline only for image
// types a browser shows, under a policy that runs nothing. The sender's
// file name is data: only a neutral name goes in the header.
func (s *server) sendAttachment(w http.ResponseWriter, r *http.Request, u account.User, a report.Attachment, inline bool, policy string) {
	content, err := s.Workspace.GetBlob(r.Context(), a.SHA256)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", policy)
	h.Set("Cache-Control", "no-store")
	if inline {
		h.Set("Content-Type", a.ContentType)
	} else {
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Disposition", `attachment; filename="vigie-`+a.SHA256[:16]+`.bin"`)
	}
	w.Write(content)
}

// confirmView is the second look at a bulk decision.
type confirmView struct {
	Items                         []triage.Item
	Decision, Reason, DuplicateOf string
	Back                          string
}

func (s *server) confirmDecision(w http.ResponseWriter, r *http.Request, u account.User, ids []string, d triage.Decision, back string) {
	byID, err := s.itemsByID(r.Context(), ids)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	v := confirmView{Decision: string(d.State), Reason: d.Reason, DuplicateOf: strings.TrimSpace(r.PostForm.Get("duplicate_of")), Back: back}
	for _, id := range ids {
		if it, ok := byID[id]; ok {
			v.Items = append(v.Items, it)
		}
	}
	p := s.newWPage(r, u, "ws.confirm.title")
	p.Data = v
	s.renderW(w, http.StatusOK, "w_confirm", p)
}
