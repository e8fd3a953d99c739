// Package stats is the figures the platform reports: visits, reports and
// cases per category, referrals per destination, in France and abroad,
// per day, week or month. They are pre-aggregated per day by the store,
// so the pages never count reports.
package stats

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Metrics.
const (
	Reports   = "reports"
	Cases     = "cases"
	Referrals = "referrals"
	Visits    = "visits"
	// KnownMatches counts reports whose media matched a bank of known
	// content, per bank.
	KnownMatches = "known_matches"
)

// Row is one day's value of a metric for one key.
type Row struct {
	Day    string // YYYY-MM-DD
	Metric string
	Key    string // category, destination; "" for visits
	Value  int64
}

// Store keeps the daily aggregates.
type Store interface {
	// RefreshStats recomputes every day from since (UTC) up to today.
	RefreshStats(ctx context.Context, since time.Time) error
	// StatsRows reads the aggregates of [from, to), visits included.
	StatsRows(ctx context.Context, from, to time.Time) ([]Row, error)
}

// Period groups days.
type Period string

const (
	Day   Period = "day"
	Week  Period = "week"
	Month Period = "month"
)

// ParsePeriod checks a period name.
func ParsePeriod(s string) (Period, error) {
	switch Period(s) {
	case "", Month:
		return Month, nil
	case Day, Week:
		return Period(s), nil
	}
	return "", fmt.Errorf("unknown period %q (day, week or month)", s)
}

// Bucket names the period a day falls in: 2026-11-23, 2026-W48, 2026-11.
func (p Period) Bucket(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	switch p {
	case Day:
		return day
	case Week:
		y, w := t.ISOWeek()
		return fmt.Sprintf("%d-W%02d", y, w)
	}
	return day[:7]
}

// Series is a metric's values per bucket and key.
type Series struct {
	Buckets []string
	Keys    []string
	Values  map[string]map[string]int64 // bucket → key → value
	Totals  map[string]int64            // key → value over the range
}

// Total is the sum over every key and bucket.
func (s Series) Total() int64 {
	var t int64
	for _, v := range s.Totals {
		t += v
	}
	return t
}

// BucketTotal sums a bucket over keys.
func (s Series) BucketTotal(b string) int64 {
	var t int64
	for _, v := range s.Values[b] {
		t += v
	}
	return t
}

// Group turns rows of one metric into a series.
func Group(rows []Row, metric string, p Period) Series {
	s := Series{Values: map[string]map[string]int64{}, Totals: map[string]int64{}}
	for _, r := range rows {
		if r.Metric != metric {
			continue
		}
		b := p.Bucket(r.Day)
		if s.Values[b] == nil {
			s.Values[b] = map[string]int64{}
			s.Buckets = append(s.Buckets, b)
		}
		if _, ok := s.Totals[r.Key]; !ok {
			s.Keys = append(s.Keys, r.Key)
		}
		s.Values[b][r.Key] += r.Value
		s.Totals[r.Key] += r.Value
	}
	slices.Sort(s.Buckets)
	s.Buckets = slices.Compact(s.Buckets)
	slices.SortFunc(s.Keys, func(a, b string) int {
		if s.Totals[a] != s.Totals[b] {
			if s.Totals[a] > s.Totals[b] {
				return -1
			}
			return 1
		}
		if a < b {
			return -1
		}
		return 1
	})
	return s
}
