package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/demo"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/triage"
	"github.com/vigie-platform/vigie/wave"
)

// runBenchWaves measures waves against the demo's ground truth: a demo of
// --reports reports (its scam campaigns known), placed in waves as the
// server does, then precision and recall over pairs of reports put in one
// wave; the work saved (queue items per 100 waiting reports, without and
// with waves); and, for the text threshold, how similar the demo's texts
// are within a campaign and between campaigns.
func runBenchWaves(ctx context.Context, e env, args []string) error {
	fs, sf := storeFlagSet("bench waves")
	sf.data = ""
	reports := fs.Int("reports", 100_000, "reports of the demo")
	seed := fs.Uint64("seed", 1, "the demo's seed")
	db, _, remove, err := sf.openScratch(ctx, e, fs, args, "vigie-bench-waves-")
	if err != nil {
		return err
	}
	defer remove()
	have, err := db.CountReports(ctx)
	db.Close()
	if err != nil {
		return err
	}
	if have > 0 {
		return errors.New("bench waves needs an empty store: the ground truth is the demo's")
	}
	truthDir, err := os.MkdirTemp("", "vigie-bench-waves-truth-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(truthDir)
	truthPath := filepath.Join(truthDir, "truth.csv")
	start := time.Now()
	if err := runDemo(ctx, e, append([]string{"--reports", strconv.Itoa(*reports), "--seed", strconv.FormatUint(*seed, 10), "--truth", truthPath}, sf.args()...)); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo of %d reports, linked and placed in waves, in %s\n", *reports, time.Since(start).Round(time.Second))
	var kind string
	if db, kind, err = sf.open(ctx); err != nil {
		return err
	}
	defer db.Close()
	truth, err := readTruthFile(truthPath)
	if err != nil {
		return err
	}

	// Pairs: for each wave × campaign cell, its pairs are right.
	type cell struct {
		wave     int64
		campaign int
	}
	cells := map[cell]float64{}
	waveSize := map[int64]float64{}
	campaignSize := map[int]float64{}
	for id, c := range truth {
		if c != demo.NoCampaign {
			campaignSize[c]++
		}
		w, err := db.WaveOf(ctx, id)
		if errors.Is(err, wave.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		waveSize[w.ID]++
		if c != demo.NoCampaign {
			cells[cell{w.ID, c}]++
		}
	}
	pairs := func(n float64) float64 { return n * (n - 1) / 2 }
	var tp, placed, actual float64
	for _, n := range cells {
		tp += pairs(n)
	}
	for _, n := range waveSize {
		placed += pairs(n)
	}
	for _, n := range campaignSize {
		actual += pairs(n)
	}
	fmt.Fprintf(e.stdout, "store=%s reports=%d waves=%d campaigns=%d pairs: in one wave %.0f, in one campaign %.0f, both %.0f\n",
		kind, len(truth), len(waveSize), len(campaignSize), placed, actual, tp)
	fmt.Fprintf(e.stdout, "precision=%.4f recall=%.4f\n", ratio(tp, placed), ratio(tp, actual))

	// Work saved: what waits, one item per report and one per wave.
	sum, err := db.QueueSummary(ctx, time.Now())
	if err != nil {
		return err
	}
	items := 0
	f := triage.Filter{OneItemPerWave: true, Limit: 500}
	for {
		page, err := db.Queue(ctx, f)
		if err != nil {
			return err
		}
		items += len(page)
		if len(page) < f.Limit {
			break
		}
		f.After = page[len(page)-1].Key()
	}
	fmt.Fprintf(e.stdout, "queue: %d reports waiting (the last month of the demo backlog) make %d items with waves: %.1f items per 100 reports, was 100\n",
		sum.Open, items, 100*ratio(float64(items), float64(sum.Open)))

	similarityFigures(e, *seed, *reports)
	return nil
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 1
	}
	return a / b
}

// readTruthFile reads `vigie demo --truth`: report id → campaign.
func readTruthFile(path string) (map[string]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("truth: %w", err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows[1:] {
		c, err := strconv.Atoi(r[2])
		if err != nil {
			return nil, fmt.Errorf("truth row %v: %w", r, err)
		}
		out[r[0]] = c
	}
	return out, nil
}

// similarityFigures prints quantiles of the estimated text similarity of
// the demo's texts that are compared (KeysOf): pairs within one campaign,
// pairs of two campaigns, pairs of other reports of one category, with the
// share of pairs that match (similar at the threshold or above, and no
// different contacts of one kind). The threshold must sit below the first
// and the contacts keep the others apart.
func similarityFigures(e env, seed uint64, n int) {
	gen := demo.New(seed, max(10, n/200))
	n = min(n, 50000)
	type text struct {
		t        wave.Text
		campaign int
		category string
	}
	list := correlate.DefaultWarningList()
	byCampaign := map[int][]text{}
	var others []text
	skipped := 0
	for i := range n {
		sub, c := gen.Draw(i)
		k := wave.KeysOf(wave.Pending{Fields: indicator.Fields{Description: sub.Description}}, list, indicator.DefaultOptions)
		if !k.HasText {
			skipped++
			continue
		}
		t := text{k.Text, c, sub.Category}
		if c == demo.NoCampaign {
			others = append(others, t)
		} else {
			byCampaign[c] = append(byCampaign[c], t)
		}
	}
	var campaigns []int
	for c := range byCampaign {
		campaigns = append(campaigns, c)
	}
	slices.Sort(campaigns)
	rng := rand.New(rand.NewPCG(seed, 7))
	type sample struct {
		sims    []float64
		matches int
	}
	var within, across, other sample
	add := func(s *sample, a, b wave.Text) {
		s.sims = append(s.sims, wave.Similarity(a.Sig, b.Sig))
		if wave.Matches(a, b, wave.Threshold) {
			s.matches++
		}
	}
	for range 20000 {
		c := byCampaign[campaigns[rng.IntN(len(campaigns))]]
		add(&within, c[rng.IntN(len(c))].t, c[rng.IntN(len(c))].t)
		a, b := byCampaign[campaigns[rng.IntN(len(campaigns))]], byCampaign[campaigns[rng.IntN(len(campaigns))]]
		if a[0].campaign != b[0].campaign {
			add(&across, a[rng.IntN(len(a))].t, b[rng.IntN(len(b))].t)
		}
		if len(others) > 1 {
			x, y := others[rng.IntN(len(others))], others[rng.IntN(len(others))]
			if x.category == y.category {
				add(&other, x.t, y.t)
			}
		}
	}
	say := func(name string, s sample) {
		v := s.sims
		if len(v) == 0 {
			fmt.Fprintf(e.stdout, "  %s: no pairs\n", name)
			return
		}
		slices.Sort(v)
		q := func(p float64) float64 { return v[min(len(v)-1, int(p*float64(len(v))))] }
		fmt.Fprintf(e.stdout, "  %s: %d pairs, similarity p1=%.2f p5=%.2f p50=%.2f p95=%.2f p99=%.2f max=%.2f; matching %.2f%%\n",
			name, len(v), q(0.01), q(0.05), q(0.5), q(0.95), q(0.99), v[len(v)-1], 100*float64(s.matches)/float64(len(v)))
	}
	fmt.Fprintf(e.stdout, "texts compared (threshold %.2f): %d of %d demo texts (the others name no link or contact, or are short)\n", wave.Threshold, n-skipped, n)
	say("within a campaign", within)
	say("two campaigns", across)
	say("other reports, one category", other)
}
