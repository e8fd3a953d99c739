package web

import (
	"encoding/csv"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/stats"
)

// figuresView is the statistics page, public or the supervisor's.
type figuresView struct {
	Period     string
	Periods    []string
	From, To   string
	Visits     int64
	Reports    int64
	Cases      int64
	France     int64 // referrals to French services
	Abroad     int64 // referrals to Interpol and foreign hotlines
	ByCategory []figureLine
	ByDest     []figureLine
	Chart      barChart
	Table      []bucketLine
	Supervisor bool
	// Time to removal of the content named in notices to hosts.
	Removals                  int
	RemovalMedian, RemovalP90 string
}

type figureLine struct {
	Key, Label     string
	Reports, Cases int64
	Referrals      int64
}

type bucketLine struct {
	Bucket    string `json:"period"`
	Visits    int64  `json:"visits"`
	Reports   int64  `json:"reports"`
	Cases     int64  `json:"cases"`
	Referrals int64  `json:"referrals"`
}

// barChart is a server-rendered SVG bar chart of reports per bucket.
type barChart struct {
	Width, Height int
	Bars          []bar
	Max           int64
}

type bar struct {
	X, Y, W, H int
	Label      string
	Value      int64
}

func chartOf(lines []bucketLine) barChart {
	c := barChart{Width: 720, Height: 220}
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
		c.Bars = append(c.Bars, bar{X: i*slot + (slot-w)/2, Y: c.Height - 20 - h, W: w, H: h, Label: l.Bucket, Value: l.Reports})
	}
	return c
}

// figures reads the aggregates of the chosen range (a year by default).
func (s *server) figures(r *http.Request) (figuresView, error) {
	q := r.URL.Query()
	p, err := stats.ParsePeriod(q.Get("period"))
	if err != nil {
		return figuresView{}, badInput("unknown period %q (day, week or month)", q.Get("period"))
	}
	to := time.Now().UTC().AddDate(0, 0, 1)
	from := to.AddDate(-1, 0, 0)
	if v := q.Get("from"); v != "" {
		if from, err = time.Parse(time.DateOnly, v); err != nil {
			return figuresView{}, badInput("from: a date written YYYY-MM-DD")
		}
	}
	if v := q.Get("to"); v != "" {
		if to, err = time.Parse(time.DateOnly, v); err != nil {
			return figuresView{}, badInput("to: a date written YYYY-MM-DD")
		}
		to = to.AddDate(0, 0, 1)
	}
	if !to.After(from) || to.Sub(from) > 10*366*24*time.Hour {
		return figuresView{}, badInput("the range must run forward and span at most ten years")
	}
	rows, err := s.Stats.StatsRows(r.Context(), from, to)
	if err != nil {
		return figuresView{}, err
	}
	lang := langOf(r)
	v := figuresView{Period: string(p), Periods: []string{"day", "week", "month"}, From: from.Format(time.DateOnly), To: to.AddDate(0, 0, -1).Format(time.DateOnly)}
	visits, reports := stats.Group(rows, stats.Visits, p), stats.Group(rows, stats.Reports, p)
	cases, referrals := stats.Group(rows, stats.Cases, p), stats.Group(rows, stats.Referrals, p)
	v.Visits, v.Reports, v.Cases = visits.Total(), reports.Total(), cases.Total()
	for _, k := range reports.Keys {
		v.ByCategory = append(v.ByCategory, figureLine{Key: k, Label: s.categoryLabel(k, lang), Reports: reports.Totals[k], Cases: cases.Totals[k]})
	}
	if n := cases.Totals["unqualified"]; n > 0 {
		v.ByCategory = append(v.ByCategory, figureLine{Key: "unqualified", Label: translator{lang}.T("fig.unqualified"), Cases: n})
	}
	reg := s.registry()
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
		v.ByDest = append(v.ByDest, figureLine{Key: k, Label: label, Referrals: referrals.Totals[k]})
	}
	buckets := map[string]bool{}
	for _, s := range [][]string{visits.Buckets, reports.Buckets, cases.Buckets, referrals.Buckets} {
		for _, b := range s {
			buckets[b] = true
		}
	}
	for _, b := range slices.Sorted(maps.Keys(buckets)) {
		v.Table = append(v.Table, bucketLine{Bucket: b, Visits: visits.BucketTotal(b), Reports: reports.BucketTotal(b), Cases: cases.BucketTotal(b), Referrals: referrals.BucketTotal(b)})
	}
	v.Chart = chartOf(v.Table)
	if s.Workspace != nil {
		removed, err := s.Workspace.RemovedNotices(r.Context(), from, to)
		if err != nil {
			return v, err
		}
		var times []time.Duration
		for _, n := range removed {
			if d, ok := n.TimeToRemoval(); ok {
				times = append(times, d)
			}
		}
		if len(times) > 0 {
			slices.Sort(times)
			v.Removals = len(times)
			v.RemovalMedian = times[len(times)/2].Round(time.Minute).String()
			v.RemovalP90 = times[min(len(times)-1, len(times)*9/10)].Round(time.Minute).String()
		}
	}
	return v, nil
}

func (s *server) handleFigures(w http.ResponseWriter, r *http.Request) {
	s.Visits.Observe(r)
	v, err := s.figures(r)
	if err != nil {
		p := s.newPage(r, "fig.title")
		p.General = p.problem(err)
		s.render(w, http.StatusBadRequest, "figures", p)
		return
	}
	p := s.newPage(r, "fig.title")
	p.Data = v
	s.render(w, http.StatusOK, "figures", p)
}

func (s *server) handleStatsDashboard(w http.ResponseWriter, r *http.Request, u account.User) {
	v, err := s.figures(r)
	if err != nil {
		s.wsErr(w, r, u, err)
		return
	}
	v.Supervisor = true
	p := s.newWPage(r, u, "fig.dashboard")
	p.Data = v
	s.renderW(w, http.StatusOK, "w_figures", p)
}

func (s *server) handleFiguresCSV(w http.ResponseWriter, r *http.Request) {
	v, err := s.figures(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="vigie-figures.csv"`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"period", "visits", "reports", "cases", "referrals"})
	for _, l := range v.Table {
		cw.Write([]string{l.Bucket, strconv.FormatInt(l.Visits, 10), strconv.FormatInt(l.Reports, 10), strconv.FormatInt(l.Cases, 10), strconv.FormatInt(l.Referrals, 10)})
	}
	cw.Flush()
}

func (s *server) handleAPIStats(w http.ResponseWriter, r *http.Request) {
	v, err := s.figures(r)
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, "invalid", err.Error(), nil)
		return
	}
	type cat struct {
		Category string `json:"category"`
		Reports  int64  `json:"reports"`
		Cases    int64  `json:"cases"`
	}
	type dest struct {
		Destination string `json:"destination"`
		Referrals   int64  `json:"referrals"`
	}
	out := struct {
		From            string       `json:"from"`
		To              string       `json:"to"`
		Period          string       `json:"period"`
		Visits          int64        `json:"visits"`
		Reports         int64        `json:"reports"`
		Cases           int64        `json:"cases"`
		ReferralsFrance int64        `json:"referrals_france"`
		ReferralsAbroad int64        `json:"referrals_abroad"`
		ByCategory      []cat        `json:"by_category"`
		ByDestination   []dest       `json:"by_destination"`
		Series          []bucketLine `json:"series"`
	}{From: v.From, To: v.To, Period: v.Period, Visits: v.Visits, Reports: v.Reports, Cases: v.Cases, ReferralsFrance: v.France, ReferralsAbroad: v.Abroad, Series: v.Table}
	for _, c := range v.ByCategory {
		out.ByCategory = append(out.ByCategory, cat{c.Key, c.Reports, c.Cases})
	}
	for _, d := range v.ByDest {
		out.ByDestination = append(out.ByDestination, dest{d.Key, d.Referrals})
	}
	writeJSON(w, http.StatusOK, out)
}
