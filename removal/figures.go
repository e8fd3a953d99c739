package removal

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/stats"
)

// Removed is how long n's content stayed online after the notice, when
// it is known to be gone: removed, or escalated and gone since (a host
// that removes late counts, late; leaving them out would make slow hosts
// look fast).
func Removed(n Notice) (time.Duration, bool) {
	if n.RemovedAt.IsZero() || (n.Status != StatusRemoved && n.Status != StatusEscalated) {
		return 0, false
	}
	return max(n.RemovedAt.Sub(n.SentAt), 0), true
}

// Percentile is the nearest-rank p-th percentile (0 < p ≤ 100) of sorted:
// the smallest value that at least p % of the values do not exceed. Zero
// for no values.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// Times is the time to removal of a group of notices: a host, a network,
// all of them.
type Times struct {
	Key     string        `json:"key"`
	Notices int           `json:"notices"`
	Removed int           `json:"removed"`
	Median  time.Duration `json:"-"`
	P90     time.Duration `json:"-"`
}

// RemovalTimes groups notices by key (notices whose key is "" are counted
// in the whole only) and gives each group's median and 90th percentile,
// the groups with most notices first. all is every notice's.
func RemovalTimes(notices []Notice, key func(Notice) string) (all Times, groups []Times) {
	times := map[string][]time.Duration{}
	count := map[string]int{}
	var every []time.Duration
	for _, n := range notices {
		k := key(n)
		count[k]++
		if d, ok := Removed(n); ok {
			times[k] = append(times[k], d)
			every = append(every, d)
		}
	}
	summarise := func(k string, n int, ds []time.Duration) Times {
		slices.Sort(ds)
		return Times{Key: k, Notices: n, Removed: len(ds), Median: Percentile(ds, 50), P90: Percentile(ds, 90)}
	}
	all = summarise("", len(notices), every)
	for k, n := range count {
		if k != "" {
			groups = append(groups, summarise(k, n, times[k]))
		}
	}
	slices.SortFunc(groups, func(a, b Times) int { return cmp.Or(b.Notices-a.Notices, strings.Compare(a.Key, b.Key)) })
	return all, groups
}

// Provider names the host a notice went to: the domain of its recipient
// address (abuse@ovh.net: ovh.net), else what the analyst typed.
func Provider(n Notice) string {
	if _, domain, ok := strings.Cut(n.Recipient, "@"); ok && domain != "" {
		return strings.ToLower(domain)
	}
	return strings.TrimSpace(n.Host)
}

// Network is the notice's traced network ("" when not traced).
func Network(n Notice) string { return n.Network }

// Actions a notice led to, in the yearly report.
const (
	ActionRemoved     = "removed"
	ActionEscalated   = "escalated"
	ActionStillOnline = "still-online"
	ActionPending     = "pending"
)

// ActionOf is what came of n: removed by its host, escalated into a
// blocking request, seen still online, or pending (no answer yet, or
// only checks that concluded nothing).
func ActionOf(n Notice) string {
	switch n.Status {
	case StatusRemoved:
		return ActionRemoved
	case StatusEscalated:
		return ActionEscalated
	case StatusStillOnline:
		return ActionStillOnline
	}
	return ActionPending
}

// Actions are the report's columns, in order.
var Actions = []string{ActionRemoved, ActionEscalated, ActionStillOnline, ActionPending}

// Line is one row of the yearly report: notices of a provider or a
// content type, by action taken.
type Line struct {
	Key     string
	Notices int
	By      map[string]int // action → notices
}

// OrderTiming is the TCO removal orders of the year and how soon their
// content went.
type OrderTiming struct {
	Orders int
	By     map[string]int // action → orders
	// Removed counts the orders whose content is known gone (escalated
	// ones included, late), WithinHour those gone within the hour; the
	// median and 90th percentile are over Removed.
	Removed     int
	WithinHour  int
	Median, P90 time.Duration
}

// YearReport is the yearly transparency report (DSA art. 15, TCO art. 7):
// notices by provider, by content type and by action taken, and the
// removal orders with their timing. The year is Paris's.
type YearReport struct {
	Year       int
	Notices    int
	ByAction   map[string]int
	ByProvider []Line
	ByCategory []Line
	Orders     OrderTiming
}

// YearBounds is the Paris year's first instant and the next year's, in UTC.
func YearBounds(year int) (from, to time.Time) {
	return time.Date(year, 1, 1, 0, 0, 0, 0, stats.Zone).UTC(), time.Date(year+1, 1, 1, 0, 0, 0, 0, stats.Zone).UTC()
}

// Report builds the year's report from its notices (those sent within
// YearBounds). Unqualified cases' notices are under category "".
func Report(year int, notices []Notice) YearReport {
	r := YearReport{Year: year, Notices: len(notices), ByAction: map[string]int{}, Orders: OrderTiming{By: map[string]int{}}}
	providers, categories := map[string]*Line{}, map[string]*Line{}
	add := func(m map[string]*Line, k, action string) {
		l := m[k]
		if l == nil {
			l = &Line{Key: k, By: map[string]int{}}
			m[k] = l
		}
		l.Notices++
		l.By[action]++
	}
	var orderTimes []time.Duration
	for _, n := range notices {
		a := ActionOf(n)
		r.ByAction[a]++
		add(providers, Provider(n), a)
		add(categories, n.Category, a)
		if n.Kind != "removal-order" {
			continue
		}
		r.Orders.Orders++
		r.Orders.By[a]++
		if d, ok := Removed(n); ok {
			orderTimes = append(orderTimes, d)
			if d <= time.Hour {
				r.Orders.WithinHour++
			}
		}
	}
	slices.Sort(orderTimes)
	r.Orders.Removed, r.Orders.Median, r.Orders.P90 = len(orderTimes), Percentile(orderTimes, 50), Percentile(orderTimes, 90)
	lines := func(m map[string]*Line) []Line {
		out := make([]Line, 0, len(m))
		for _, l := range m {
			out = append(out, *l)
		}
		slices.SortFunc(out, func(a, b Line) int { return cmp.Or(b.Notices-a.Notices, strings.Compare(a.Key, b.Key)) })
		return out
	}
	r.ByProvider, r.ByCategory = lines(providers), lines(categories)
	return r
}

// WriteCSV writes the report as one CSV table (RFC 4180, CRLF records):
// section, key, notices, then the notices per action, then for the
// removal orders their timing in seconds. A provider's name or a category
// that starts like a formula is prefixed with a quote so that a
// spreadsheet shows it as text.
func (r YearReport) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	header := []string{"section", "key", "notices"}
	for _, a := range Actions {
		header = append(header, strings.ReplaceAll(a, "-", "_"))
	}
	header = append(header, "removed_within_1h", "median_seconds", "p90_seconds")
	if err := cw.Write(header); err != nil {
		return err
	}
	row := func(section, key string, notices int, by map[string]int, extra ...string) error {
		rec := []string{section, textCell(key), fmt.Sprint(notices)}
		for _, a := range Actions {
			rec = append(rec, fmt.Sprint(by[a]))
		}
		if len(extra) == 0 {
			extra = []string{"", "", ""}
		}
		return cw.Write(append(rec, extra...))
	}
	if err := row("total", fmt.Sprint(r.Year), r.Notices, r.ByAction); err != nil {
		return err
	}
	for _, l := range r.ByProvider {
		if err := row("provider", l.Key, l.Notices, l.By); err != nil {
			return err
		}
	}
	for _, l := range r.ByCategory {
		if err := row("category", l.Key, l.Notices, l.By); err != nil {
			return err
		}
	}
	o := r.Orders
	if err := row("removal-orders", "removal-order", o.Orders, o.By,
		fmt.Sprint(o.WithinHour), fmt.Sprint(int64(o.Median.Seconds())), fmt.Sprint(int64(o.P90.Seconds()))); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// textCell keeps a cell that a spreadsheet would read as a formula as text.
func textCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
