package workspace

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/alert"
)

// alertCount keeps this instance's count of open alerts for the banner
// every workspace page shows, read again after a few seconds: an alert
// raised elsewhere shows within them.
type alertCount struct {
	mu sync.Mutex
	at time.Time
	n  int
}

func (c *alertCount) get(ctx context.Context, count func(context.Context) (int, error)) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && time.Since(c.at) < 5*time.Second {
		return c.n
	}
	n, err := count(ctx)
	if err != nil {
		// The banner is a hint; the page must not fail for it.
		return c.n
	}
	c.n, c.at = n, time.Now()
	return n
}

func (c *alertCount) forget() {
	c.mu.Lock()
	c.at = time.Time{}
	c.mu.Unlock()
}

type alertLine struct {
	alert.Alert
	Delay time.Duration
}

func (s *server) handleAlerts(w http.ResponseWriter, r *http.Request, u account.User) {
	open, err := s.Workspace.OpenAlerts(r.Context(), 200)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	lines := make([]alertLine, 0, len(open))
	for _, a := range open {
		lines = append(lines, alertLine{Alert: a, Delay: max(a.RaisedAt.Sub(a.TriggerAt), 0)})
	}
	p := s.newWPage(r, u, "ws.alerts.title")
	p.Data = lines
	s.renderW(w, http.StatusOK, "w_alerts", p)
}

func (s *server) handleAlertClose(w http.ResponseWriter, r *http.Request, u account.User) {
	if !s.parseWSForm(w, r, u) {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.wsFail(w, r, u, http.StatusNotFound, "ws.err.notfound")
		return
	}
	svc := alert.Service{Store: s.Workspace}
	if err := svc.Close(r.Context(), id, u.Email); err != nil {
		if errors.Is(err, alert.ErrNotFound) {
			s.wsFail(w, r, u, http.StatusNotFound, "ws.err.notfound")
			return
		}
		s.wsErr(w, r, u, err)
		return
	}
	s.alerts.forget()
	seeOther(w, r, "/w/alerts", "alert-closed")
}
