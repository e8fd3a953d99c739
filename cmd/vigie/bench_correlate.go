package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/demo"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/taxonomy"
)

// hotPhone is the value the benchmark shares between very many reports.
const hotPhone = "06 10 20 30 40"

func runBenchCorrelate(ctx context.Context, e env, args []string) error {
	fs, sf := storeFlagSet("bench correlate")
	sf.data = ""
	reports := fs.Int("reports", 1_000_000, "reports in the store (generated when fewer are there)")
	hot := fs.Int("hot", 100_000, "reports sharing one phone number")
	samples := fs.Int("samples", 1000, "new reports linked one by one, and pages read, for the latency figures")
	profilePath := fs.String("cpuprofile", "", "write a CPU profile of the rebuild to this file")
	db, kind, remove, err := sf.openScratch(ctx, e, fs, args, "vigie-bench-correlate-")
	if err != nil {
		return err
	}
	defer remove()
	defer db.Close()
	intake, err := newIntake(ctx, db, taxonomy.Default(), nil)
	if err != nil {
		return err
	}
	list := correlate.DefaultWarningList()
	list.Cap = 1 << 30 // the benchmark wants the hot value to link all its reports
	linker := correlate.NewLinker(db, list, indicator.DefaultOptions, nil)

	have, err := db.CountReports(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "store=%s reports wanted=%d present=%d hot value in %d reports\n", kind, *reports, have, *hot)
	if int(have) < *reports {
		start := time.Now()
		gen := demo.New(42, 5000)
		gen.Hot, gen.HotEvery = hotPhone, max(1, *reports / *hot)
		filling := newProgress(e.stderr, "bench correlate", "reports stored", *reports-int(have))
		if err := fillReports(ctx, intake, gen, int(have), *reports, filling.Update, nil); err != nil {
			return err
		}
		filling.Done()
		fmt.Fprintf(e.stdout, "filled %d reports in %s\n", *reports-int(have), time.Since(start).Round(time.Second))
	}
	// A rebuild runs on a live store, whose reports the server linked (and
	// text-indexed) as they came: link what the fill left, untimed, so
	// that the rebuild below redoes the identifier index only.
	start := time.Now()
	first, err := drain(func() (int, error) { return linker.LinkOnce(ctx, 10000) }, nil)
	if err != nil {
		return err
	}
	if first > 0 {
		fmt.Fprintf(e.stdout, "linked the %d new reports first, as the server does (untimed: %s)\n", first, time.Since(start).Round(time.Second))
	}

	stopProfile, err := cpuProfile(*profilePath)
	if err != nil {
		return err
	}
	start = time.Now()
	n, err := linker.Rebuild(ctx, nil)
	stopProfile()
	if err != nil {
		return err
	}
	rebuild := time.Since(start)
	inds, links, err := db.IndexSize(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "rebuild: %d reports in %s (%.0f reports/s); %d identifiers, %d links\n",
		n, rebuild.Round(time.Millisecond), float64(n)/rebuild.Seconds(), inds, links)

	// Linking one new report, inside the store: submit, then time LinkOnce.
	gen := demo.New(7, 5000)
	var linkTimes []time.Duration
	for i := range *samples {
		if _, err := intake.Submit(ctx, gen.Next(*reports+i)); err != nil {
			return err
		}
		t0 := time.Now()
		if k, err := linker.LinkOnce(ctx, 1); err != nil || k != 1 {
			return fmt.Errorf("link one: %d %v", k, err)
		}
		linkTimes = append(linkTimes, time.Since(t0))
	}
	slices.Sort(linkTimes)
	fmt.Fprintf(e.stdout, "link one new report: p50=%.2fms p99=%.2fms max=%.2fms (%d samples)\n",
		ms(pct(linkTimes, .5)), ms(pct(linkTimes, .99)), ms(pct(linkTimes, 1)), len(linkTimes))

	hotValue, err := indicator.NormalisePhone(hotPhone, "FR")
	if err != nil {
		return err
	}
	info, err := db.Indicator(ctx, indicator.Phone, hotValue)
	if err != nil {
		return err
	}
	// Pages of 100 related reports: walk the hot value with cursors, and
	// read first pages of random campaign values.
	var pageTimes []time.Duration
	cursor := ""
	for i := 0; i < *samples/2; i++ {
		t0 := time.Now()
		ids, next, err := db.IndicatorReports(ctx, indicator.Phone, hotValue, cursor, 100)
		if err != nil {
			return err
		}
		pageTimes = append(pageTimes, time.Since(t0))
		if len(ids) == 0 || next == "" {
			cursor = ""
		} else {
			cursor = next
		}
	}
	top, err := db.TopIndicators(ctx, 200)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < *samples/2; i++ {
		v := top[rng.IntN(len(top))]
		t0 := time.Now()
		if _, _, err := db.IndicatorReports(ctx, v.Type, v.Value, "", 100); err != nil {
			return err
		}
		pageTimes = append(pageTimes, time.Since(t0))
	}
	slices.Sort(pageTimes)
	fmt.Fprintf(e.stdout, "related reports, pages of 100 (hot value in %d reports, and the top 200 values): p50=%.2fms p95=%.2fms max=%.2fms (%d pages)\n",
		info.Count, ms(pct(pageTimes, .5)), ms(pct(pageTimes, .95)), ms(pct(pageTimes, 1)), len(pageTimes))
	return nil
}

func pct(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
