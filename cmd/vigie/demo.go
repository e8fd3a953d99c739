package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/demo"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/taxonomy"
	"github.com/vigie-platform/vigie/wave"
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
	handleOld := fs.Bool("handle-backlog", true, "play the analysts over reports older than a month: campaign cases qualified and referred as the routing rules say, decisions on the rest")
	appendTo := fs.Bool("append", false, "add to a store that already holds reports (without it, such a store is refused: two runs would silently double it)")
	truthFile := fs.String("truth", "", "write each report's scam campaign to this CSV file (report_id,receipt,campaign; -1 for none): the ground truth that waves and cases are measured against")
	var rf routingFlags
	rf.register(fs)
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
	routes, err := rf.load()
	if err != nil {
		return err
	}
	defer routes.close()
	db, kind, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if held, err := db.CountReports(ctx); err != nil {
		return err
	} else if held > 0 && !*appendTo {
		return fmt.Errorf("this store already holds %d reports: a demo would add %d more beside them; give --append to do so, or another --data folder", held, *n)
	}
	var truth *truthWriter
	if *truthFile != "" {
		if truth, err = newTruthWriter(*truthFile); err != nil {
			return err
		}
		defer truth.Close()
	}
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
	gen := demo.New(*seed, *campaigns)
	campaignOf := make(map[string]int, *n/2)
	var mu sync.Mutex
	stored := newProgress(e.stderr, "demo", "reports stored", *n)
	record := func(ack report.Acknowledgement, campaign int) error {
		mu.Lock()
		defer mu.Unlock()
		if campaign != demo.NoCampaign {
			campaignOf[ack.ID] = campaign
		}
		if truth != nil {
			return truth.Write(ack, campaign)
		}
		return nil
	}
	if err := fillReports(ctx, intake, gen, 0, *n, stored.Update, record); err != nil {
		return err
	}
	stored.Done()
	if truth != nil {
		if err := truth.Close(); err != nil {
			return err
		}
	}
	days := int(end.Sub(start).Hours()/24) + 1
	perDay := int64(*n) * visitsPerReport / int64(days)
	for d := 0; d < days; d++ {
		if err := db.AddVisits(ctx, start.AddDate(0, 0, d), perDay); err != nil {
			return err
		}
	}
	storedIn := time.Since(began)
	linker := correlate.NewLinker(db, correlate.DefaultWarningList(), indicator.DefaultOptions, nil)
	linking := newProgress(e.stderr, "demo", "reports linked", *n)
	linked, err := drain(func() (int, error) { return linker.LinkOnce(ctx, 5000) }, linking.Update)
	if err != nil {
		return err
	}
	linking.Done()
	// Waves from the linked reports, as the server places them after linking.
	waveStart := time.Now()
	placed, err := wave.NewAssigner(db, correlate.DefaultWarningList(), indicator.DefaultOptions).Drain(ctx, 5000)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo: %d reports placed in waves in %s\n", placed, time.Since(waveStart).Round(time.Millisecond))
	// Text indexing after linking, on the stores that queue it.
	if _, err := drain(func() (int, error) { return db.IndexPendingText(ctx, 5000) }, nil); err != nil {
		return err
	}
	linkedAt := time.Since(began)
	fmt.Fprintf(e.stdout, "demo: %d reports (%d scam campaigns) and %d visits added to the %s store in %s, %d reports linked in %s\n",
		*n, *campaigns, perDay*int64(days), kind, storedIn.Round(time.Millisecond), linked, (linkedAt - storedIn).Round(time.Millisecond))
	if !*handleOld {
		return analyze(ctx, db)
	}
	// The analysts have handled what came in before the last month.
	handling := newProgress(e.stderr, "demo", "cases and decisions", 0)
	b := &backlog{db: db, tax: taxonomy.Default(), rules: routes.rules, registry: routes.registry, gen: gen, campaignOf: campaignOf}
	decided, cases, err := b.handle(ctx, end.AddDate(0, -1, 0), handling.Update)
	if err != nil {
		return err
	}
	handling.Done()
	fmt.Fprintf(e.stdout, "demo: %d reports decided and %d cases qualified and referred as the routing rules say in %s; the last month is left in the queue\n",
		decided, cases, (time.Since(began) - linkedAt).Round(time.Millisecond))
	// Removal notices on some of those cases, through their lifecycle up
	// to the oversight's decisions, so that the feeds have something to serve.
	noticesAt := time.Now()
	nc, err := b.sendNotices(ctx, *seed, end)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo: %d removal notices (%d removed in time, %d overdue or waiting), %d escalated into blocking requests (%d waiting for the oversight, %d approved, %d refused) in %s\n",
		nc.notices, nc.byFate[demo.FateRemoved], nc.byFate[demo.FateOverdue]+nc.byFate[demo.FateWaiting], nc.requests,
		nc.byFate[demo.FatePending]+nc.byFate[demo.FatePendingOld], nc.byFate[demo.FateApproved]+nc.byFate[demo.FateApprovedGone], nc.byFate[demo.FateRefused],
		time.Since(noticesAt).Round(time.Millisecond))
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
// left, and returns how much the batches did; progress, when given, hears
// the running total.
func drain(step func() (int, error), progress func(done int)) (int, error) {
	total := 0
	for {
		n, err := step()
		if err != nil || n == 0 {
			return total, err
		}
		total += n
		if progress != nil {
			progress(total)
		}
	}
}

// fillReports stores the generator's reports from..to through the intake,
// in batches of 500 on four workers, so that group commits stay full.
// record, when given, hears each stored report with its campaign.
func fillReports(ctx context.Context, intake *report.Intake, gen *demo.Generator, from, to int, progress func(done int), record func(report.Acknowledgement, int) error) error {
	type batch struct {
		subs      []report.Submission
		campaigns []int
	}
	jobs := make(chan batch, 8)
	var wg sync.WaitGroup
	var refused atomic.Int64
	var firstErr error
	var once sync.Once
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				outs, err := intake.SubmitBatch(ctx, job.subs)
				if err != nil {
					once.Do(func() { firstErr = err })
					continue
				}
				for i, o := range outs {
					if o.Err != nil {
						refused.Add(1)
						once.Do(func() { firstErr = o.Err })
						continue
					}
					if record != nil {
						if err := record(o.Ack, job.campaigns[i]); err != nil {
							once.Do(func() { firstErr = err })
						}
					}
				}
			}
		}()
	}
	for i := from; i < to; i += 500 {
		job := batch{subs: make([]report.Submission, 0, 500), campaigns: make([]int, 0, 500)}
		for j := i; j < min(i+500, to); j++ {
			sub, campaign := gen.Draw(j)
			job.subs = append(job.subs, sub)
			job.campaigns = append(job.campaigns, campaign)
		}
		select {
		case jobs <- job:
		case <-ctx.Done():
		}
		if progress != nil && i > from {
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

// truthWriter writes the demo's ground truth: which campaign made each
// report, by its id and receipt.
type truthWriter struct {
	f *os.File
	w *csv.Writer
}

func newTruthWriter(path string) (*truthWriter, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("--truth: %w", err)
	}
	t := &truthWriter{f: f, w: csv.NewWriter(f)}
	t.w.UseCRLF = true
	if err := t.w.Write([]string{"report_id", "receipt", "campaign"}); err != nil {
		f.Close()
		return nil, fmt.Errorf("--truth: %w", err)
	}
	return t, nil
}

func (t *truthWriter) Write(ack report.Acknowledgement, campaign int) error {
	return t.w.Write([]string{ack.ID, ack.Receipt, strconv.Itoa(campaign)})
}

// Close flushes and closes the file; a second call does nothing.
func (t *truthWriter) Close() error {
	if t.f == nil {
		return nil
	}
	t.w.Flush()
	err := t.w.Error()
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	t.f = nil
	if err != nil {
		return fmt.Errorf("--truth: %w", err)
	}
	return nil
}
