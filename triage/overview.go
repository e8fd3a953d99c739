package triage

import (
	"cmp"
	"slices"
	"time"
)

// Waiting is one report that waits for a decision, as the supervisors'
// overview reads it.
type Waiting struct {
	Category  string
	Urgent    bool
	CreatedAt time.Time
	DueAt     time.Time
	Assignee  string // "" while nobody has taken it
}

// AgeBuckets are the upper bounds of the overview's age columns; the last
// column takes what is older.
var AgeBuckets = []time.Duration{time.Hour, 24 * time.Hour, 3 * 24 * time.Hour, 7 * 24 * time.Hour}

// CategoryBacklog is what waits in one category.
type CategoryBacklog struct {
	Category string
	Waiting  int
	Urgent   int
	Overdue  int
	// ByAge counts the waiting reports per age column (len(AgeBuckets)+1).
	ByAge    []int
	P50, P95 time.Duration // age of the waiting reports
	Target   time.Duration // the category's target time
}

// AnalystLoad is what one analyst holds.
type AnalystLoad struct {
	Assignee string
	Held     int
	Overdue  int
	Oldest   time.Time
}

// Overview is the queue as a supervisor steers it.
type Overview struct {
	At         time.Time
	Categories []CategoryBacklog // most overdue first, then most waiting
	Analysts   []AnalystLoad     // most held first
	Total      CategoryBacklog   // every category together (no target)
}

// Summarise builds the overview of the waiting reports at now; target
// gives a category's target time.
func Summarise(waiting []Waiting, now time.Time, target func(category string) time.Duration) Overview {
	ov := Overview{At: now, Total: CategoryBacklog{ByAge: make([]int, len(AgeBuckets)+1)}}
	byCat := map[string]*CategoryBacklog{}
	ages := map[string][]time.Duration{}
	var all []time.Duration
	byAnalyst := map[string]*AnalystLoad{}
	for _, w := range waiting {
		c := byCat[w.Category]
		if c == nil {
			c = &CategoryBacklog{Category: w.Category, ByAge: make([]int, len(AgeBuckets)+1), Target: target(w.Category)}
			byCat[w.Category] = c
		}
		age := max(now.Sub(w.CreatedAt), 0)
		late := now.After(w.DueAt)
		column := len(AgeBuckets)
		for i, bound := range AgeBuckets {
			if age < bound {
				column = i
				break
			}
		}
		for _, b := range []*CategoryBacklog{c, &ov.Total} {
			b.Waiting++
			b.ByAge[column]++
			if w.Urgent {
				b.Urgent++
			}
			if late {
				b.Overdue++
			}
		}
		ages[w.Category] = append(ages[w.Category], age)
		all = append(all, age)
		if w.Assignee != "" {
			a := byAnalyst[w.Assignee]
			if a == nil {
				a = &AnalystLoad{Assignee: w.Assignee}
				byAnalyst[w.Assignee] = a
			}
			a.Held++
			if late {
				a.Overdue++
			}
			if a.Oldest.IsZero() || w.CreatedAt.Before(a.Oldest) {
				a.Oldest = w.CreatedAt
			}
		}
	}
	for code, c := range byCat {
		c.P50, c.P95 = percentile(ages[code], 50), percentile(ages[code], 95)
		ov.Categories = append(ov.Categories, *c)
	}
	ov.Total.P50, ov.Total.P95 = percentile(all, 50), percentile(all, 95)
	slices.SortFunc(ov.Categories, func(a, b CategoryBacklog) int {
		return cmp.Or(cmp.Compare(b.Overdue, a.Overdue), cmp.Compare(b.Waiting, a.Waiting), cmp.Compare(a.Category, b.Category))
	})
	for _, a := range byAnalyst {
		ov.Analysts = append(ov.Analysts, *a)
	}
	slices.SortFunc(ov.Analysts, func(a, b AnalystLoad) int {
		return cmp.Or(cmp.Compare(b.Held, a.Held), cmp.Compare(a.Assignee, b.Assignee))
	})
	return ov
}

// percentile is the nearest-rank percentile p of ds (sorted in place).
func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	rank := (p*len(ds) + 99) / 100 // ceil(p/100 × n)
	return ds[max(rank, 1)-1]
}
