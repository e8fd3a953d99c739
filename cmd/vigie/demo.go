package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/demo"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/taxonomy"
)

// visitsPerReport is the articles' ratio: 299,005 visits for 7,267 reports.
const visitsPerReport = 41

// runDemo fills a store with synthetic French reports spread over the past
// year, the visits that go with them, and links them.
func runDemo(ctx context.Context, e env, args []string) (err error) {
	fs, sf := storeFlagSet("demo")
	n := fs.Int("reports", 10000, "how many reports to add")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same reports")
	campaigns := fs.Int("campaigns", 0, "scam campaigns sharing identifiers (default: one per 200 reports)")
	profilePath := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	backlog := fs.Bool("handle-backlog", true, "play the analysts over reports older than a month: decisions, cases qualified and referred")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	if *n < 1 {
		return fmt.Errorf("--reports must be at least 1")
	}
	stopProfile, err := cpuProfile(*profilePath)
	if err != nil {
		return err
	}
	defer stopProfile()
	if *campaigns == 0 {
		*campaigns = max(10, *n/200)
	}
	db, kind, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	// Reports are dated over the past year, oldest first.
	end := time.Now().UTC()
	start := end.AddDate(-1, 0, 0)
	step := end.Sub(start) / time.Duration(*n)
	var seq atomic.Int64
	clock := func() time.Time { return start.Add(time.Duration(seq.Add(1)) * step) }
	intake, err := newIntake(ctx, db, taxonomy.Default(), clock)
	if err != nil {
		return err
	}

	// The data is generated, so on SQLite it is written without fsync;
	// the writer goes back to synchronous=FULL when the demo ends.
	if u, ok := db.(interface {
		Unsynced(context.Context) (func(context.Context) error, error)
	}); ok {
		restore, err := u.Unsynced(ctx)
		if err != nil {
			return err
		}
		defer func() {
			if rerr := restore(context.Background()); rerr != nil && err == nil {
				err = rerr
			}
		}()
	}
	began := time.Now()
	if err := fillReports(ctx, intake, demo.New(*seed, *campaigns), 0, *n, nil); err != nil {
		return err
	}
	days := int(end.Sub(start).Hours()/24) + 1
	perDay := int64(*n) * visitsPerReport / int64(days)
	for d := 0; d < days; d++ {
		if err := db.AddVisits(ctx, start.AddDate(0, 0, d), perDay); err != nil {
			return err
		}
	}
	stored := time.Since(began)
	linker := correlate.NewLinker(db, correlate.DefaultWarningList(), indicator.DefaultOptions, nil)
	linked, err := drain(func() (int, error) { return linker.LinkOnce(ctx, 5000) })
	if err != nil {
		return err
	}
	// Text indexing after linking, on the stores that queue it.
	if _, err := drain(func() (int, error) { return db.IndexPendingText(ctx, 5000) }); err != nil {
		return err
	}
	linkedAt := time.Since(began)
	fmt.Fprintf(e.stdout, "demo: %d reports (%d scam campaigns) and %d visits added to the %s store in %s, %d reports linked in %s\n",
		*n, *campaigns, perDay*int64(days), kind, stored.Round(time.Millisecond), linked, (linkedAt - stored).Round(time.Millisecond))
	if !*backlog {
		return analyze(ctx, db)
	}
	// The analysts have handled what came in before the last month.
	decided, cases, err := handleBacklog(ctx, db, taxonomy.Default(), end.AddDate(0, -1, 0), nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo: %d reports decided and %d cases qualified and referred in %s; the last month is left in the queue\n",
		decided, cases, (time.Since(began) - linkedAt).Round(time.Millisecond))
	return analyze(ctx, db)
}

// analyze refreshes the planner's statistics after a bulk load, on the
// stores that have them.
func analyze(ctx context.Context, db any) error {
	if a, ok := db.(interface{ Analyze(context.Context) error }); ok {
		return a.Analyze(ctx)
	}
	return nil
}

// drain runs step, a batch of queued work, until a batch finds nothing
// left, and returns how much the batches did.
func drain(step func() (int, error)) (int, error) {
	total := 0
	for {
		n, err := step()
		if err != nil || n == 0 {
			return total, err
		}
		total += n
	}
}

// fillReports stores the generator's reports from..to through the intake,
// in batches of 500 on four workers, so that group commits stay full.
func fillReports(ctx context.Context, intake *report.Intake, gen *demo.Generator, from, to int, progress func(done int)) error {
	jobs := make(chan []report.Submission, 8)
	var wg sync.WaitGroup
	var refused atomic.Int64
	var firstErr error
	var once sync.Once
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for subs := range jobs {
				outs, err := intake.SubmitBatch(ctx, subs)
				if err != nil {
					once.Do(func() { firstErr = err })
					continue
				}
				for _, o := range outs {
					if o.Err != nil {
						refused.Add(1)
						once.Do(func() { firstErr = o.Err })
					}
				}
			}
		}()
	}
	for i := from; i < to; i += 500 {
		subs := make([]report.Submission, 0, 500)
		for j := i; j < min(i+500, to); j++ {
			subs = append(subs, gen.Next(j))
		}
		select {
		case jobs <- subs:
		case <-ctx.Done():
		}
		if progress != nil && (i-from)%100_000 == 0 && i > from {
			progress(i - from)
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return fmt.Errorf("%d reports refused or not stored, first: %w", refused.Load(), firstErr)
	}
	return ctx.Err()
}
