package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/hashindex"
	"github.com/vigie-platform/vigie/pdq"
)

// runBenchHashes measures the Hamming index: it builds one over N hashes,
// half random and half in clusters of near-duplicates, times queries at a
// distance, and answers some of them by brute force too, in the same run,
// as the baseline and the check of recall.
func runBenchHashes(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("bench hashes", flag.ContinueOnError)
	n := fs.Int("hashes", 1_000_000, "hashes in the index")
	nq := fs.Int("queries", 10_000, "queries timed against the index")
	nb := fs.Int("brute", 100, "of those, queries also answered by a brute-force scan (timed, and compared for recall)")
	distance := fs.Int("distance", 31, "Hamming distance of the queries")
	clusterSize := fs.Int("cluster-size", 20, "near-duplicates per cluster, in the clustered half")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	if *n < 1 || *nq < 1 || *nb < 0 || *nb > *nq || *clusterSize < 1 {
		return fmt.Errorf("bench hashes: need --hashes ≥ 1, --queries ≥ 1, 0 ≤ --brute ≤ --queries, --cluster-size ≥ 1")
	}
	rng := rand.New(rand.NewPCG(*seed, 14))
	random := func() pdq.Hash { return pdq.Hash{rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64()} }
	flip := func(h pdq.Hash, k int) pdq.Hash {
		for range k { // k bit flips, a few possibly on the same bit
			b := rng.IntN(256)
			h[b/64] ^= 1 << (b % 64)
		}
		return h
	}

	fmt.Fprintf(e.stderr, "generating %d hashes…\n", *n)
	entries := make([]hashindex.Entry, *n)
	var centre pdq.Hash
	for i := range entries {
		h := random()
		if i >= *n/2 { // the clustered half: variants 0 to 40 bits from a centre
			if (i-*n/2)%*clusterSize == 0 {
				centre = h
			}
			h = flip(centre, rng.IntN(41))
		}
		entries[i] = hashindex.Entry{ID: int64(i), Hash: h}
	}
	// A third of the queries are random, a third are stored hashes moved
	// 0 to 40 bits (near the threshold), a third are moved cluster members.
	queries := make([]pdq.Hash, *nq)
	for i := range queries {
		switch i % 3 {
		case 0:
			queries[i] = random()
		case 1:
			queries[i] = flip(entries[rng.IntN(*n)].Hash, rng.IntN(41))
		case 2:
			queries[i] = flip(entries[*n/2+rng.IntN(*n-*n/2)].Hash, rng.IntN(21))
		}
	}

	runtime.GC()
	debug.FreeOSMemory()
	rssBefore := procStatusMB("VmRSS")
	fmt.Fprintf(e.stderr, "building the index…\n")
	start := time.Now()
	idx, err := hashindex.Build(entries)
	if err != nil {
		return err
	}
	load := time.Since(start)
	runtime.GC()
	debug.FreeOSMemory()
	rss := procStatusMB("VmRSS")

	fmt.Fprintf(e.stderr, "querying…\n")
	indexTimes := make([]time.Duration, len(queries))
	results := make([][]hashindex.Match, *nb)
	every := max(1, len(queries)/max(1, *nb))
	indexCPU := make([]time.Duration, len(queries))
	hits := 0
	cpuStart := processCPU()
	// The queries run on one thread, so that the thread's CPU clock times
	// each: on a shared machine, wall time includes waiting for a core.
	runtime.LockOSThread()
	for i, q := range queries {
		if i%1024 == 0 && ctx.Err() != nil {
			runtime.UnlockOSThread()
			return ctx.Err()
		}
		c := threadCPU()
		t := time.Now()
		m := idx.Query(q, *distance)
		indexTimes[i] = time.Since(t)
		indexCPU[i] = threadCPU() - c
		hits += len(m)
		if i%every == 0 && i/every < *nb {
			results[i/every] = m
		}
	}

	runtime.UnlockOSThread()
	processMean := (processCPU() - cpuStart) / time.Duration(len(queries))
	fmt.Fprintf(e.stderr, "brute force over %d queries…\n", *nb)
	bruteTimes := make([]time.Duration, *nb)
	expected, found, extra := 0, 0, 0
	for j := range *nb {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		q := queries[j*every]
		t := time.Now()
		var want []int64
		for k := range entries {
			if pdq.Distance(q, entries[k].Hash) <= *distance {
				want = append(want, entries[k].ID)
			}
		}
		bruteTimes[j] = time.Since(t)
		got := map[int64]bool{}
		for _, m := range results[j] {
			got[m.ID] = true
		}
		expected += len(want)
		for _, id := range want {
			if got[id] {
				found++
			}
		}
		extra += len(got) - countIn(got, want)
	}
	recall := 1.0
	if expected > 0 {
		recall = float64(found) / float64(expected)
	}
	fmt.Fprintf(e.stdout, "index_p50_ms=%.3f index_p99_ms=%.3f index_max_ms=%.3f index_cpu_p50_ms=%.3f index_cpu_p99_ms=%.3f process_cpu_mean_ms=%.3f brute_p50_ms=%.3f brute_p99_ms=%.3f recall=%.4f false_hits=%d checked_hits=%d hits_per_query=%.2f rss_mb=%d index_mb=%d load_s=%.2f hashes=%d queries=%d distance=%d\n",
		ms(percentile(indexTimes, 0.50)), ms(percentile(indexTimes, 0.99)), ms(slices.Max(indexTimes)),
		ms(percentile(indexCPU, 0.50)), ms(percentile(indexCPU, 0.99)), ms(processMean),
		ms(percentile(bruteTimes, 0.50)), ms(percentile(bruteTimes, 0.99)),
		recall, extra, expected, float64(hits)/float64(len(queries)),
		rss, rss-rssBefore, load.Seconds(), *n, len(queries), *distance)
	runtime.KeepAlive(idx)
	return nil
}

func countIn(set map[int64]bool, ids []int64) int {
	c := 0
	for _, id := range ids {
		if set[id] {
			c++
		}
	}
	return c
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// procStatusMB reads a memory line (VmRSS, VmHWM) of /proc/self/status,
// in MB; 0 where there is no /proc.
func procStatusMB(field string) int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(value), " kB"))
		if err != nil {
			return 0
		}
		return kb / 1024
	}
	return 0
}
