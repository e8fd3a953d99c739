package workspace

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/problem"
	"github.com/vigie-platform/vigie/stats"
	"github.com/vigie-platform/vigie/triage"
	"github.com/vigie-platform/vigie/wave"
	"github.com/vigie-platform/vigie/web"
)

// waveMembersShown bounds the members a wave's page lists: a campaign's
// wave holds thousands, and the decision applies to all of them anyway.
// Rendering 200 rows was most of the page's time on a wave of 4,000.
const waveMembersShown = 50

// waveView is a wave's page.
type waveView struct {
	Wave    wave.Wave
	Members []queueItem
	// OpenOnly says the list holds the members waiting for a decision
	// (while some wait); More counts those of the list's kind not shown.
	OpenOnly bool
	More     int
	Chart    growthChart
	Failed   *formFailure
	// Casable are the listed members in no case yet: the wave's case.
	Casable []string
}

func parseWaveID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, wave.ErrNotFound
	}
	return id, nil
}

func (s *server) handleWave(w http.ResponseWriter, r *http.Request, u account.User) {
	s.renderWave(w, r, u, nil)
}

func (s *server) renderWave(w http.ResponseWriter, r *http.Request, u account.User, failed *formFailure) {
	id, err := parseWaveID(r)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	ctx := r.Context()
	wv, err := s.Workspace.Wave(ctx, id)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	days, err := s.Workspace.WaveDays(ctx, id)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	// While members wait, those are the ones listed: they are the work.
	openOnly := wv.Open > 0
	ids, err := s.Workspace.WaveMembers(ctx, id, openOnly, waveMembersShown)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	items, err := s.Workspace.TriageItems(ctx, ids)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	// The members' excerpts are personal data: the view is recorded.
	if !s.mustAudit(w, r, u, "wave.view", "wave", strconv.FormatInt(id, 10), "") {
		return
	}
	p := s.newWPage(r, u, "ws.wave.title")
	p.Title = p.T("ws.wave.title", id)
	byID := make(map[string]triage.Item, len(items))
	for _, it := range items {
		byID[it.ID] = it
	}
	listed := wv.Size
	if openOnly {
		listed = wv.Open
	}
	view := waveView{Wave: wv, Failed: failed, OpenOnly: openOnly, More: max(0, listed-len(ids)), Chart: buildChart(p.Translator, days)}
	for _, rid := range ids { // in order of reception
		if it, ok := byID[rid]; ok {
			if it.CaseID == "" {
				view.Casable = append(view.Casable, it.ID)
			}
			view.Members = append(view.Members, queueItem{Item: it, CategoryLabel: s.categoryLabel(it.Category, p.Lang)})
		}
	}
	p.Data = view
	status := http.StatusOK
	if failed != nil {
		p.Error, status = p.T("ws.form.failed"), http.StatusUnprocessableEntity
	}
	s.renderW(w, status, "w_wave", p)
}

// handleWaveDecide decides every member of a wave still waiting: one
// action for the analyst, one audit entry per report decided.
func (s *server) handleWaveDecide(w http.ResponseWriter, r *http.Request, u account.User) {
	if !s.parseWSForm(w, r, u) {
		return
	}
	id, err := parseWaveID(r)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	fail := func(err error) {
		pr, ok := problem.As(err)
		if !ok {
			s.wsErr(w, r, u, err)
			return
		}
		s.renderWave(w, r, u, &formFailure{Problem: pr.In(web.LangOf(r)), Input: r.PostForm})
	}
	d := triage.Decision{State: triage.State(r.PostForm.Get("decision")), Reason: strings.TrimSpace(r.PostForm.Get("reason")),
		DuplicateOf: strings.TrimSpace(r.PostForm.Get("duplicate_of"))}
	if err := d.Check(); err != nil {
		fail(err)
		return
	}
	if d.DuplicateOf != "" {
		original, err := s.reportRefs(r.Context(), []string{d.DuplicateOf})
		if err != nil {
			fail(err)
			return
		}
		d.DuplicateOf = original[0]
	}
	open, err := s.Workspace.WaveMembers(r.Context(), id, true, triage.MaxWave+1)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	if _, err := s.Triage.DecideWave(r.Context(), id, open, d, u.Email); err != nil {
		fail(err)
		return
	}
	seeOther(w, r, fmt.Sprintf("/w/waves/%d", id), "decided")
}

// growthChart is a wave's growth drawn on the server: members received
// per period (bars) and in all (a line), in a 600×180 box that scales
// with the page. The same figures are given as a table for those who do
// not see the picture.
type growthChart struct {
	Title, Desc string
	// Period names the bars' unit ("jour", "semaine", "mois").
	Period string
	Bars   []growthBar
	Line   string // the polyline's points
	// Axis labels: the first and last period, the largest bar, the total.
	First, Last  string
	MaxBar, Sum  int
	MaxY, TotalY float64
}

type growthBar struct {
	Label         string
	Count, Total  int
	X, Y, W, H    float64
	CX, TotalLine float64
}

const (
	chartW, chartH      = 600.0, 180.0
	chartLeft, chartTop = 40.0, 12.0
	chartBottom         = 24.0
)

// buildChart groups a wave's days into at most about 60 periods (days,
// then weeks, then months) and lays them out.
func buildChart(t web.Translator, days []wave.Day) growthChart {
	var c growthChart
	if len(days) == 0 {
		return c
	}
	first, err1 := time.ParseInLocation(time.DateOnly, days[0].Day, stats.Zone)
	last, err2 := time.ParseInLocation(time.DateOnly, days[len(days)-1].Day, stats.Zone)
	if err1 != nil || err2 != nil {
		return c
	}
	span := int(last.Sub(first).Hours()/24) + 1
	period := func(d time.Time) time.Time { return d }
	step := func(d time.Time) time.Time { return d.AddDate(0, 0, 1) }
	label := func(d time.Time) string { return t.Date(d) }
	c.Period = t.T("ws.wave.period.day")
	switch {
	case span > 62*7:
		period = func(d time.Time) time.Time { return time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, stats.Zone) }
		step = func(d time.Time) time.Time { return d.AddDate(0, 1, 0) }
		label = func(d time.Time) string { return t.T("ws.wave.month", t.Date(d)) }
		c.Period = t.T("ws.wave.period.month")
	case span > 62:
		period = func(d time.Time) time.Time { return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7)) } // Monday
		step = func(d time.Time) time.Time { return d.AddDate(0, 0, 7) }
		label = func(d time.Time) string { return t.T("ws.wave.week", t.Date(d)) }
		c.Period = t.T("ws.wave.period.week")
	}
	counts := map[string]int{}
	for _, d := range days {
		at, err := time.ParseInLocation(time.DateOnly, d.Day, stats.Zone)
		if err != nil {
			continue
		}
		counts[period(at).Format(time.DateOnly)] += d.Count
	}
	total := 0
	for at := period(first); !at.After(last); at = step(at) {
		n := counts[at.Format(time.DateOnly)]
		total += n
		c.Bars = append(c.Bars, growthBar{Label: label(at), Count: n, Total: total})
		c.MaxBar = max(c.MaxBar, n)
	}
	c.Sum = total
	plotW, plotH := chartW-chartLeft-8, chartH-chartTop-chartBottom
	slot := plotW / float64(len(c.Bars))
	var line []string
	for i := range c.Bars {
		b := &c.Bars[i]
		b.W = max(1, slot*0.7)
		b.X = chartLeft + float64(i)*slot + (slot-b.W)/2
		b.H = plotH * float64(b.Count) / float64(max(1, c.MaxBar))
		b.Y = chartTop + plotH - b.H
		b.CX = chartLeft + float64(i)*slot + slot/2
		b.TotalLine = chartTop + plotH - plotH*float64(b.Total)/float64(max(1, total))
		line = append(line, fmt.Sprintf("%.1f,%.1f", b.CX, b.TotalLine))
	}
	c.Line = strings.Join(line, " ")
	c.First, c.Last = c.Bars[0].Label, c.Bars[len(c.Bars)-1].Label
	c.MaxY, c.TotalY = chartTop, chartTop+plotH
	peak := c.Bars[0]
	for _, b := range c.Bars {
		if b.Count > peak.Count {
			peak = b
		}
	}
	c.Title = t.T("ws.wave.chart.title")
	c.Desc = t.T("ws.wave.chart.desc", t.Plural("ws.search.count", total), c.First, c.Last, c.Period, peak.Label, t.Number(peak.Count))
	return c
}
