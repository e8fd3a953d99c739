package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/vigie-platform/vigie/removal"
)

// okTransport answers every request 200 without a network: the bench
// measures the scheduler's store work, not hosts.
type okTransport struct{}

func (okTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Status: "200 OK", Body: io.NopCloser(strings.NewReader("ok")), Header: http.Header{}, Request: r}, nil
}

// runBenchNotices measures the notice scheduler's cost at scale (issue 15:
// "scheduler cost at 100,000 open notices"): a store holding N open
// notices whose checks are spread over the next day, then
//   - a pass that finds nothing due (what every instance does every
//     --notice-check-interval): the claim statement alone;
//   - claiming batches of due notices (the claim statement with its
//     updates), then a whole scheduler pass over them (claim, a check
//     answered in memory, the save of each), so the store's part of a
//     pass is measured without the hosts' latency.
func runBenchNotices(ctx context.Context, e env, args []string) error {
	fs, sf := storeFlagSet("bench notices")
	sf.data = ""
	total := fs.Int("notices", 100000, "open notices in the store")
	due := fs.Int("due", 2000, "of them, due when the batches are claimed")
	batch := fs.Int("batch", 50, "notices a claim takes (the scheduler's default)")
	idle := fs.Int("idle-passes", 2000, "passes that find nothing due, timed one by one")
	writers := fs.Int("writers", 8, "concurrent inserts while filling the store")
	db, kind, remove, err := sf.openScratch(ctx, e, fs, args, "vigie-bench-notices-")
	if err != nil {
		return err
	}
	defer remove()
	defer db.Close()

	now := time.Now().UTC().Truncate(time.Second)
	start := time.Now()
	// The open notices: sent up to three days ago, each next check within
	// the next day, none due now. The first --due are made due by moving
	// the clock forward below (their checks come first).
	jobs := make(chan int)
	errs := make(chan error, *writers)
	var wg sync.WaitGroup
	for range *writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				sent := now.Add(-time.Duration(i%(72*60)) * time.Minute)
				next := now.Add(time.Minute + time.Duration(i)*24*time.Hour/time.Duration(*total))
				kind := removal.Kinds[i%len(removal.Kinds)]
				n := removal.Notice{ID: uuid.NewString(), CaseID: fmt.Sprintf("case-%d", i%20000), URL: fmt.Sprintf("https://host-%d.example/page/%d", i%3000, i),
					Host: fmt.Sprintf("abuse@host-%d.example", i%3000), Kind: kind.Code, LegalBasis: kind.LegalBasis, SentAt: sent, DueAt: sent.Add(30 * 24 * time.Hour),
					Status: removal.StatusStillOnline, Actor: "bench", Recipient: fmt.Sprintf("abuse@host-%d.example", i%3000), Category: "fraud.scam",
					MailedAt: sent, NextCheckAt: next, Checks: 3, CheckedAt: sent, CheckResult: "200 OK"}
				if err := db.CreateNotice(ctx, n); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := range *total {
		select {
		case jobs <- i:
		case err := <-errs:
			close(jobs)
			wg.Wait()
			return err
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	fmt.Fprintf(e.stdout, "store=%s open notices=%d filled in %s\n", kind, *total, time.Since(start).Round(time.Millisecond))

	// Passes that find nothing due.
	var times []time.Duration
	for range *idle {
		t0 := time.Now()
		got, err := db.ClaimNoticeChecks(ctx, now, 2*time.Minute, *batch)
		if err != nil {
			return err
		}
		if len(got) != 0 {
			return fmt.Errorf("an idle pass claimed %d notices", len(got))
		}
		times = append(times, time.Since(t0))
	}
	slices.Sort(times)
	fmt.Fprintf(e.stdout, "idle pass (nothing due), %d passes: p50=%.3fms p95=%.3fms p99=%.3fms max=%.3fms\n",
		len(times), ms(pct(times, .5)), ms(pct(times, .95)), ms(pct(times, .99)), ms(pct(times, 1)))
	times = times[:0]
	for range *idle {
		t0 := time.Now()
		if _, err := db.ClaimNoticeMail(ctx, now, 2*time.Minute, 20); err != nil {
			return err
		}
		times = append(times, time.Since(t0))
	}
	slices.Sort(times)
	fmt.Fprintf(e.stdout, "idle mail pass (nothing to mail), %d passes: p50=%.3fms p99=%.3fms\n", len(times), ms(pct(times, .5)), ms(pct(times, .99)))

	// Claiming batches: half of --due, claimed and left (their lease ends).
	at := now.Add(time.Minute + time.Duration(*due)*24*time.Hour/time.Duration(*total))
	times = times[:0]
	claimed := 0
	for claimed < *due/2 {
		t0 := time.Now()
		got, err := db.ClaimNoticeChecks(ctx, at, 2*time.Minute, *batch)
		if err != nil {
			return err
		}
		if len(got) == 0 {
			break
		}
		times = append(times, time.Since(t0))
		claimed += len(got)
	}
	slices.Sort(times)
	fmt.Fprintf(e.stdout, "claim of a due batch of %d: p50=%.3fms p95=%.3fms max=%.3fms (%d batches, %d notices)\n",
		*batch, ms(pct(times, .5)), ms(pct(times, .95)), ms(pct(times, 1)), len(times), claimed)

	// Whole passes over the other half: claim, check (in memory), save.
	sch := &removal.Scheduler{Store: db, Client: &http.Client{Transport: okTransport{}}, Batch: *batch, Now: func() time.Time { return at }}
	times = times[:0]
	checked := 0
	t1 := time.Now()
	for {
		t0 := time.Now()
		n, err := sch.RunOnce(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		times = append(times, time.Since(t0))
		checked += n
	}
	elapsed := time.Since(t1)
	slices.Sort(times)
	per := time.Duration(0)
	if checked > 0 {
		per = elapsed / time.Duration(checked)
	}
	fmt.Fprintf(e.stdout, "scheduler pass over a due batch (claim, in-memory check, save): p50=%.2fms p95=%.2fms per notice=%.3fms (%d passes, %d notices, %.0f notices/s)\n",
		ms(pct(times, .5)), ms(pct(times, .95)), ms(per), len(times), checked, float64(checked)/elapsed.Seconds())
	return nil
}
