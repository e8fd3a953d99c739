package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/alert"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/taxonomy"
)

// runBenchAlerts measures an alert's delay as an analyst lives it: from
// the acknowledgement of the report that crosses the threshold to the
// alert in the store, with the linker and the detector running as in
// `vigie serve` (same intervals), on a store that already holds a week of
// reports.
func runBenchAlerts(ctx context.Context, e env, args []string) error {
	fs, sf := storeFlagSet("bench alerts")
	sf.data = ""
	background := fs.Int("background", 20000, "reports spread over the week before, naming other identifiers (the baseline the detector reads)")
	runs := fs.Int("runs", 5, "spreading identifiers, one after the other")
	gap := fs.Duration("gap", 500*time.Millisecond, "time between two reports of the spreading identifier")
	interval := fs.Duration("interval", 15*time.Second, "the detector's interval (serve --alert-interval)")
	db, kind, remove, err := sf.openScratch(ctx, e, fs, args, "vigie-bench-alerts-")
	if err != nil {
		return err
	}
	defer remove()
	defer db.Close()
	now := time.Now()
	var clock func() time.Time
	intake, err := newIntake(ctx, db, taxonomy.Default(), func() time.Time {
		if clock != nil {
			return clock()
		}
		return time.Now()
	})
	if err != nil {
		return err
	}
	submit := func(desc string) (time.Time, error) {
		_, err := intake.Submit(ctx, report.Submission{Category: "fraud.scam", Description: desc, Anonymous: true, Channel: report.ChannelAPI, TokenName: "bench"})
		return time.Now(), err
	}
	for i := range *background {
		at := now.Add(-time.Duration(float64(7*24*time.Hour) * float64(i+1) / float64(*background+1)))
		clock = func() time.Time { return at }
		if _, err := submit(fmt.Sprintf("Colis bloqué, payer sur https://colis-%d.example/suivi (fond n°%d)", i%500, i)); err != nil {
			return err
		}
	}
	clock = nil
	linker := correlate.NewLinker(db, correlate.DefaultWarningList(), indicator.DefaultOptions, nil)
	for {
		n, err := linker.LinkOnce(ctx, 5000)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	intake.OnStored(linker.Notify)
	go linker.Run(runCtx, time.Second)
	detector := &alert.Detector{Store: db, Rule: alert.DefaultRule}
	go detector.Run(runCtx, *interval)
	fmt.Fprintf(e.stdout, "store=%s background=%d reports over 7 days, detector every %s, a report every %s, alert at %d reports in the hour\n",
		kind, *background, *interval, *gap, alert.DefaultRule.MinCount)

	var delays []time.Duration
	for k := range *runs {
		domain := fmt.Sprintf("alerte-%d-%d.example", now.Unix(), k)
		var crossed time.Time
		for i := range alert.DefaultRule.MinCount {
			at, err := submit(fmt.Sprintf("Faux colis : payer sur https://%s/p?%d", domain, i))
			if err != nil {
				return err
			}
			crossed = at
			time.Sleep(*gap)
		}
		deadline := crossed.Add(*interval + time.Minute)
		var seen time.Time
		for seen.IsZero() && time.Now().Before(deadline) {
			open, err := db.OpenAlerts(ctx, 100)
			if err != nil {
				return err
			}
			for _, a := range open {
				if strings.Contains(a.Label, domain) {
					seen = time.Now()
					break
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		if seen.IsZero() {
			return fmt.Errorf("run %d: no alert for %s within %s of the crossing report", k+1, domain, *interval+time.Minute)
		}
		d := seen.Sub(crossed)
		delays = append(delays, d)
		fmt.Fprintf(e.stdout, "run %d: alert %.1f s after the crossing report was acknowledged\n", k+1, d.Seconds())
	}
	slices.Sort(delays)
	fmt.Fprintf(e.stdout, "alert_delay_p50_s=%.1f alert_delay_max_s=%.1f runs=%d\n", delays[len(delays)/2].Seconds(), delays[len(delays)-1].Seconds(), len(delays))
	return nil
}
