// Package figures reads the statistics that three pages show: the public
// figures page (and its CSV), the supervisors' dashboard in the workspace,
// and the API's /api/v1/stats. The page's template, figures.html, is
// rendered inside the portal's layout and inside the workspace's.
package figures

import (
	"context"
	"embed"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/vigie-platform/vigie/destination"
	"github.com/vigie-platform/vigie/problem"
	"github.com/vigie-platform/vigie/removal"
	"github.com/vigie-platform/vigie/stats"
	"github.com/vigie-platform/vigie/taxonomy"
	"github.com/vigie-platform/vigie/web"
)

// Template holds figures.html, the page's "content".
//
//go:embed figures.html
var Template embed.FS

// Reader reads the figures.
type Reader struct {
	Stats stats.Store
	// Notices gives the times to removal; nil without a workspace.
	Notices interface {
		NoticesSent(ctx context.Context, from, to time.Time) ([]removal.Notice, error)
	}
	// Destinations names the services referred to; nil is the default registry.
	Destinations *destination.Registry
	// Taxonomy names the categories.
	Taxonomy *taxonomy.Taxonomy
}

// View is the statistics page, public or the supervisor's.
type View struct {
	Period     string
	Periods    []string
	From, To   string
	Visits     int64
	Reports    int64
	Cases      int64
	France     int64 // referrals to French services
	Abroad     int64 // referrals to Interpol and foreign hotlines
	ByCategory []Line
	ByDest     []Line
	Chart      BarChart
	Table      []BucketLine
	Supervisor bool
	// KnownMatches counts, per bank, the reports whose media matched known
	// content (shown to supervisors only: the lists are not public).
	KnownMatches []Line
	// Time to removal of the content named in notices to hosts (sent in
	// the range), in all, per host and per network.
	Removals                  int
	RemovalMedian, RemovalP90 string
	RemovalTimes              removal.Times
	ByHost, ByNetwork         []TimeLine
}

// TimeLine is one host's or network's time to removal, said for people.
type TimeLine struct {
	removal.Times
	MedianText, P90Text string
}

// MaxTimeLines bounds the hosts and networks listed: the most notified.
const MaxTimeLines = 25

// Line is one category or one destination with its counts.
type Line struct {
	Key, Label     string
	Reports, Cases int64
	Referrals      int64
}

// BucketLine is one period with its counts (the table, the CSV, the API's series).
type BucketLine struct {
	Bucket    string `json:"period"`
	Visits    int64  `json:"visits"`
	Reports   int64  `json:"reports"`
	Cases     int64  `json:"cases"`
	Referrals int64  `json:"referrals"`
}

// BarChart is a server-rendered SVG bar chart of reports per bucket.
type BarChart struct {
	Width, Height int
	Bars          []Bar
	Max           int64
}

// Bar is one period's bar of the chart.
type Bar struct {
	X, Y, W, H int
	Label      string
	Value      int64
}

func chartOf(lines []BucketLine) BarChart {
	c := BarChart{Width: 720, Height: 220}
	for _, l := range lines {
		c.Max = max(c.Max, l.Reports)
	}
	if len(lines) == 0 || c.Max == 0 {
		return c
	}
	slot := c.Width / len(lines)
	w := max(slot*3/4, 1)
	for i, l := range lines {
		h := int(int64(c.Height-20) * l.Reports / c.Max)
		c.Bars = append(c.Bars, Bar{X: i*slot + (slot-w)/2, Y: c.Height - 20 - h, W: w, H: h, Label: l.Bucket, Value: l.Reports})
	}
	return c
}

// Read reads the aggregates of the range the request asks for (period,
// from, to; a year by default). A request the user can fix is a
// problem.
func (rd *Reader) Read(r *http.Request) (View, error) {
	q := r.URL.Query()
	p, err := stats.ParsePeriod(q.Get("period"))
	if err != nil {
		return View{}, problem.New("stats.unknown_period", q.Get("period"))
	}
	to := time.Now().UTC().AddDate(0, 0, 1)
	from := to.AddDate(-1, 0, 0)
	if v := q.Get("from"); v != "" {
		if from, err = time.Parse(time.DateOnly, v); err != nil {
			return View{}, problem.New("date.from")
		}
	}
	if v := q.Get("to"); v != "" {
		if to, err = time.Parse(time.DateOnly, v); err != nil {
			return View{}, problem.New("date.to")
		}
		to = to.AddDate(0, 0, 1)
	}
	if !to.After(from) || to.Sub(from) > 10*366*24*time.Hour {
		return View{}, problem.New("stats.bad_range")
	}
	rows, err := rd.Stats.StatsRows(r.Context(), from, to)
	if err != nil {
		return View{}, err
	}
	lang := web.LangOf(r)
	v := View{Period: string(p), Periods: []string{"day", "week", "month"}, From: from.Format(time.DateOnly), To: to.AddDate(0, 0, -1).Format(time.DateOnly)}
	visits, reports := stats.Group(rows, stats.Visits, p), stats.Group(rows, stats.Reports, p)
	cases, referrals := stats.Group(rows, stats.Cases, p), stats.Group(rows, stats.Referrals, p)
	v.Visits, v.Reports, v.Cases = visits.Total(), reports.Total(), cases.Total()
	for _, k := range reports.Keys {
		v.ByCategory = append(v.ByCategory, Line{Key: k, Label: web.CategoryLabel(rd.Taxonomy, k, lang), Reports: reports.Totals[k], Cases: cases.Totals[k]})
	}
	if n := cases.Totals["unqualified"]; n > 0 {
		v.ByCategory = append(v.ByCategory, Line{Key: "unqualified", Label: web.TranslatorFor(lang).T("fig.unqualified"), Cases: n})
	}
	reg := rd.Destinations
	if reg == nil {
		reg = destination.Default()
	}
	for _, k := range referrals.Keys {
		label := k
		if d, ok := reg.Lookup(k); ok {
			label = d.Name.In(lang)
			if d.Abroad() {
				v.Abroad += referrals.Totals[k]
			} else {
				v.France += referrals.Totals[k]
			}
		} else {
			v.France += referrals.Totals[k]
		}
		v.ByDest = append(v.ByDest, Line{Key: k, Label: label, Referrals: referrals.Totals[k]})
	}
	buckets := map[string]bool{}
	for _, s := range [][]string{visits.Buckets, reports.Buckets, cases.Buckets, referrals.Buckets} {
		for _, b := range s {
			buckets[b] = true
		}
	}
	for _, b := range slices.Sorted(maps.Keys(buckets)) {
		v.Table = append(v.Table, BucketLine{Bucket: b, Visits: visits.BucketTotal(b), Reports: reports.BucketTotal(b), Cases: cases.BucketTotal(b), Referrals: referrals.BucketTotal(b)})
	}
	v.Chart = chartOf(v.Table)
	known := stats.Group(rows, stats.KnownMatches, p)
	for _, k := range known.Keys {
		v.KnownMatches = append(v.KnownMatches, Line{Key: k, Label: k, Reports: known.Totals[k]})
	}
	if rd.Notices != nil {
		notices, err := rd.Notices.NoticesSent(r.Context(), from, to)
		if err != nil {
			return v, err
		}
		tr := web.TranslatorFor(lang)
		line := func(t removal.Times) TimeLine {
			l := TimeLine{Times: t, MedianText: "—", P90Text: "—"}
			if t.Removed > 0 {
				l.MedianText, l.P90Text = tr.Duration(t.Median), tr.Duration(t.P90)
			}
			return l
		}
		all, hosts := removal.RemovalTimes(notices, removal.Provider)
		_, networks := removal.RemovalTimes(notices, removal.Network)
		v.RemovalTimes, v.Removals = all, all.Removed
		if all.Removed > 0 {
			v.RemovalMedian, v.RemovalP90 = tr.Duration(all.Median), tr.Duration(all.P90)
		}
		for _, t := range hosts[:min(len(hosts), MaxTimeLines)] {
			v.ByHost = append(v.ByHost, line(t))
		}
		for _, t := range networks[:min(len(networks), MaxTimeLines)] {
			v.ByNetwork = append(v.ByNetwork, line(t))
		}
	}
	return v, nil
}
