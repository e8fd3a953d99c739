package portal

import (
	"errors"
	"net/http"
	"strings"

	"github.com/vigie-platform/vigie/news"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/web"
)

// Unsubscribing is one link in each message: GET shows a page with one
// button, POST stops the news. A GET that changed something would be
// followed by mail scanners that open every link; so the link is not
// RFC 8058's one-click POST target, and a person confirms with one click.

// handleNewsStopForm answers GET /news/stop?receipt=…&token=….
func (s *server) handleNewsStopForm(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "news.stop.title")
	q := r.URL.Query()
	p.Receipt, p.StopToken = report.NormaliseReceipt(q.Get("receipt")), q.Get("token")
	if s.News == nil || !s.News.Tokens.Valid(p.Receipt, p.StopToken) {
		p.Receipt, p.StopToken = "", ""
		p.General = p.T("news.stop.bad")
		s.render(w, http.StatusNotFound, "news_stop", p)
		return
	}
	s.render(w, http.StatusOK, "news_stop", p)
}

// handleNewsStop answers POST /news/stop: the subscription ends, and the
// act is in the audit trail.
func (s *server) handleNewsStop(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	err := r.ParseForm()
	p := s.newPage(r, "news.stop.title")
	if err != nil || s.News == nil {
		p.General = p.T("news.stop.bad")
		s.render(w, http.StatusBadRequest, "news_stop", p)
		return
	}
	receipt, token := r.PostForm.Get("receipt"), r.PostForm.Get("token")
	switch err := s.News.Stop(r.Context(), receipt, token); {
	case errors.Is(err, news.ErrBadToken):
		p.General = p.T("news.stop.bad")
		s.render(w, http.StatusNotFound, "news_stop", p)
	case err != nil:
		s.Logger.Error("stop news", "err", err)
		w.Header().Set("Retry-After", "5")
		p.Receipt, p.StopToken = report.NormaliseReceipt(receipt), token
		p.General = p.T("form.unavailable")
		s.render(w, http.StatusServiceUnavailable, "news_stop", p)
	default:
		p.Receipt, p.Stopped = report.NormaliseReceipt(receipt), true
		s.render(w, http.StatusOK, "news_stop", p)
	}
}

// NewsMessage writes a notice to a reporter, in their report's language.
// It says what the follow-up page says and no more: the receipt, the
// status and what it means, the link to the follow-up page (which asks
// for the secret: the message never carries it), and the link to stop.
func NewsMessage(n news.Notice, links news.Links) (subject, body string) {
	t := web.TranslatorFor(n.Lang)
	status := string(n.Status)
	subject = t.T("news.mail.subject", n.Receipt, t.T("status."+status+".short"))
	var b strings.Builder
	for _, line := range []string{
		t.T("news.mail.hello"),
		"",
		t.T("news.mail.changed", n.Receipt),
		"",
		t.T("follow.status") + t.T("receipt.sep") + t.T("status."+status),
		t.T("status." + status + ".meaning"),
		"",
		t.T("follow.can") + t.T("receipt.sep") + t.T("status."+status+".can"),
		"",
		t.T("news.mail.follow"),
		links.FollowUp,
		"",
		t.T("news.mail.why"),
		t.T("news.mail.stop"),
		links.Stop,
		"",
		t.T("news.mail.noreply"),
	} {
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return subject, b.String()
}
