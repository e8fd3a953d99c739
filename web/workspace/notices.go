package workspace

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/hosting"
	"github.com/vigie-platform/vigie/problem"
	"github.com/vigie-platform/vigie/removal"
	"github.com/vigie-platform/vigie/report"
)

// noticeView is one removal notice on the case page.
type noticeView struct {
	removal.Notice
	Overdue       bool
	TimeToRemoval string
	// NotConfirmed: the last check concluded nothing (no answer, a name
	// that does not resolve); the content is not taken as removed.
	NotConfirmed bool
}

type noticesView struct {
	Notices  []noticeView
	URLs     []string
	Kinds    []removal.Kind
	Host     string // a suggestion: the traced abuse contact, else the network of the first host
	CanCheck bool
	// Contacts are the traced abuse contacts, offered in the host field.
	Contacts []string
	// Traces are the case's hosting traces; CanTrace shows the button.
	Traces     []hosting.Trace
	CanTrace   bool
	NeverFetch bool
}

func (s *server) noticesViewOf(r *http.Request, caseID string, urls []string, neverFetch bool, hostHint string) (noticesView, error) {
	v := noticesView{URLs: urls, Kinds: removal.Kinds, Host: hostHint, CanCheck: !neverFetch && s.Checker != nil, NeverFetch: neverFetch}
	list, err := s.Workspace.CaseNotices(r.Context(), caseID)
	if err != nil {
		return v, err
	}
	if s.Hosting != nil {
		v.CanTrace = len(urls) > 0
		if v.Traces, err = s.Workspace.CaseTraces(r.Context(), caseID); err != nil {
			return v, err
		}
		// The notice form's URL list starts with the case's first URL, so
		// its traced contact is the one to prefill.
		if len(urls) > 0 {
			if c := hosting.Recipient(v.Traces, urls[0]); c != "" {
				v.Host = c
			}
		}
		for _, t := range v.Traces {
			if t.Abuse != "" && !slices.Contains(v.Contacts, t.Abuse) {
				v.Contacts = append(v.Contacts, t.Abuse)
			}
		}
	}
	now := time.Now()
	for _, n := range list {
		nv := noticeView{Notice: n, Overdue: n.Overdue(now), NotConfirmed: removal.NotConfirmed(n.CheckResult)}
		if d, ok := n.TimeToRemoval(); ok {
			nv.TimeToRemoval = d.Round(time.Minute).String()
		}
		v.Notices = append(v.Notices, nv)
	}
	return v, nil
}

func (s *server) removalService() *removal.Service { return &removal.Service{Store: s.Workspace} }

func (s *server) handleNoticeSend(w http.ResponseWriter, r *http.Request, u account.User) {
	if !s.parseWSForm(w, r, u) {
		return
	}
	ctx := r.Context()
	c, reports, err := s.caseWithReports(ctx, r.PathValue("id"))
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	d := removal.Draft{CaseID: c.ID, CaseURLs: urlsOf(reports), URL: r.PostForm.Get("url"), Host: r.PostForm.Get("host"), Kind: r.PostForm.Get("kind"),
		Actor: u.Email, Category: categoryOf(c.Category, reports, r.PostForm.Get("url")), NeverFetch: s.neverFetch(c.Category, reports)}
	if s.Hosting != nil {
		traces, err := s.Workspace.CaseTraces(ctx, c.ID)
		if err != nil {
			s.wsErr(w, r, u, err)
			return
		}
		d.Network = networkOf(traces, d.URL)
	}
	if _, err := s.removalService().SendNotice(ctx, d); err != nil {
		s.caseFail(w, r, u, "notice", err)
		return
	}
	seeOther(w, r, "/w/cases/"+c.ID+"#notices", "notice")
}

// categoryOf is the content type a notice is counted under: the case's
// category, or, for a case not yet qualified, that of the report naming
// the URL.
func categoryOf(caseCategory string, reports []report.Report, rawURL string) string {
	if caseCategory != "" {
		return caseCategory
	}
	for _, rep := range reports {
		if slices.Contains(rep.URLs, rawURL) {
			return rep.Category
		}
	}
	return ""
}

// networkOf is the traced network of rawURL's host ("AS16276 OVH SAS"),
// for the times to removal per network; "" when it was not traced.
func networkOf(traces []hosting.Trace, rawURL string) string {
	for _, t := range traces {
		if t.URL == rawURL && t.ASN != 0 {
			return strings.TrimSpace(fmt.Sprintf("AS%d %s", t.ASN, t.Org))
		}
	}
	return ""
}

// noticeOf loads a notice and its case, which the route's permission covers.
func (s *server) noticeOf(w http.ResponseWriter, r *http.Request, u account.User) (removal.Notice, bool) {
	n, err := s.Workspace.Notice(r.Context(), r.PathValue("nid"))
	if err != nil {
		s.wsErr(w, r, u, err)
		return n, false
	}
	return n, true
}

// noticeFail answers a notice's form that failed on the case page, as
// the case's own forms do: the problem named at the notices.
func (s *server) noticeFail(w http.ResponseWriter, r *http.Request, u account.User, caseID string, err error) {
	r.SetPathValue("id", caseID)
	s.caseFail(w, r, u, "notice", err)
}

func (s *server) handleNoticeRecord(w http.ResponseWriter, r *http.Request, u account.User) {
	if !s.parseWSForm(w, r, u) {
		return
	}
	n, ok := s.noticeOf(w, r, u)
	if !ok {
		return
	}
	removed := r.PostForm.Get("removed") == "yes"
	caseID := n.CaseID
	n, err := s.removalService().Record(r.Context(), n.ID, removed, u.Email)
	if err != nil {
		s.noticeFail(w, r, u, caseID, err)
		return
	}
	seeOther(w, r, "/w/cases/"+n.CaseID+"#notices", "notice")
}

func (s *server) handleNoticeCheck(w http.ResponseWriter, r *http.Request, u account.User) {
	n, ok := s.noticeOf(w, r, u)
	if !ok {
		return
	}
	c, reports, err := s.caseWithReports(r.Context(), n.CaseID)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	neverFetch := s.neverFetch(c.Category, reports)
	if s.Checker == nil {
		s.noticeFail(w, r, u, n.CaseID, problem.New("case.checks_off"))
		return
	}
	caseID := n.CaseID
	n, err = s.removalService().Check(r.Context(), n.ID, neverFetch, s.Checker, u.Email)
	if err != nil {
		s.noticeFail(w, r, u, caseID, err)
		return
	}
	seeOther(w, r, "/w/cases/"+n.CaseID+"#notices", "notice")
}

// handleTrace traces the hosting of the case's URLs (audited by the
// service); a minors case is traced from the offline directory only.
func (s *server) handleTrace(w http.ResponseWriter, r *http.Request, u account.User) {
	if !s.parseWSForm(w, r, u) {
		return
	}
	if s.Hosting == nil {
		s.wsErr(w, r, u, problem.New("case.trace_off"))
		return
	}
	ctx := r.Context()
	c, reports, err := s.caseWithReports(ctx, r.PathValue("id"))
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	if _, err := s.Hosting.TraceCase(ctx, c.ID, urlsOf(reports), s.neverFetch(c.Category, reports), u.Email); err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	seeOther(w, r, "/w/cases/"+c.ID+"#hosting", "trace")
}

// traceOnReferral traces a referred case that was never traced, in the
// background: a referral must not wait for hosts that do not answer. The
// trace is audited as the analyst's, who referred the case.
func (s *server) traceOnReferral(ctx context.Context, caseID string, urls []string, neverFetch bool, actor string) {
	if s.Hosting == nil || len(urls) == 0 {
		return
	}
	// The request ends with the redirect; the trace keeps its values (the
	// audit source) and has its own bound.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		defer cancel()
		if prev, err := s.Workspace.CaseTraces(ctx, caseID); err != nil || len(prev) > 0 {
			return
		}
		if _, err := s.Hosting.TraceCase(ctx, caseID, urls, neverFetch, actor); err != nil {
			s.Logger.Warn("hosting trace after referral", "case", caseID, "err", err)
		}
	}()
}

// urlsOf gathers the URLs that reports name, a notice's candidates.
func urlsOf(reports []report.Report) []string {
	var urls []string
	for _, rep := range reports {
		urls = append(urls, rep.URLs...)
	}
	return urls
}

// neverFetch tells a case whose content the server must not download:
// its category, or any of its reports', is never-fetch (minors.*).
func (s *server) neverFetch(category string, reports []report.Report) bool {
	cats := []string{category}
	for _, r := range reports {
		cats = append(cats, r.Category)
	}
	for _, c := range cats {
		if strings.HasPrefix(c, "minors.") {
			return true
		}
		if cat, ok := s.Intake.Taxonomy().Lookup(c); ok && cat.NeverFetch {
			return true
		}
	}
	return false
}
