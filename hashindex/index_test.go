package hashindex

import (
	"bufio"
	"context"
	"errors"
	"iter"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/pdq"
)

func randomHash(rng *rand.Rand) pdq.Hash {
	return pdq.Hash{rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64()}
}

// flip returns h with k distinct random bits flipped.
func flip(rng *rand.Rand, h pdq.Hash, k int) pdq.Hash {
	for _, b := range rng.Perm(256)[:k] {
		h[b/64] ^= 1 << (b % 64)
	}
	return h
}

// spread flips d bits of h, bit i going to chunk i%8, to the chunk's first
// or second word by turns, at a new place in the word each round.
func spread(h pdq.Hash, d int) pdq.Hash {
	for i := range d {
		chunk, side, place := i%8, (i/8)%2, i/16
		word := 2*chunk + side
		bit := 255 - (16*word + place) // bit 255 is the leftmost of the text form
		h[bit/64] ^= 1 << (bit % 64)
	}
	return h
}

// bruteForce is the reference answer, computed apart from the index.
func bruteForce(entries map[int64]pdq.Hash, q pdq.Hash, d int) []Match {
	var out []Match
	for id, h := range entries {
		if dist := pdq.Distance(q, h); dist <= d {
			out = append(out, Match{ID: id, Hash: h, Distance: dist})
		}
	}
	slices.SortFunc(out, func(a, b Match) int {
		if a.Distance != b.Distance {
			return a.Distance - b.Distance
		}
		return int(a.ID - b.ID)
	})
	return out
}

// dataset makes random hashes and clusters of near-duplicates: variants of
// a centre at distances spread across the threshold (20 to 40 bits), and
// queries that are either random, stored hashes, or variants of centres.
func dataset(seed uint64, random, clusters, perCluster int) (map[int64]pdq.Hash, []pdq.Hash) {
	rng := rand.New(rand.NewPCG(seed, 2))
	entries := map[int64]pdq.Hash{}
	id := int64(1)
	for range random {
		entries[id] = randomHash(rng)
		id++
	}
	var centres []pdq.Hash
	for range clusters {
		c := randomHash(rng)
		centres = append(centres, c)
		for range perCluster {
			entries[id] = flip(rng, c, rng.IntN(41))
			id++
		}
	}
	var queries []pdq.Hash
	for range 40 {
		queries = append(queries, randomHash(rng))
	}
	// The worst case for the pigeonhole: hashes at exactly the distances
	// tested, their differing bits spread evenly over the eight chunks and
	// over the two words of each chunk, so that every chunk is at the
	// radius's edge.
	for _, d := range []int{1, 2, 8, 9, 15, 16, 17, 24, 30, 31, 32, 33, 40, 47, 48, 63, 64} {
		q := randomHash(rng)
		queries = append(queries, q)
		entries[id] = spread(q, d)
		id++
	}
	for _, c := range centres {
		queries = append(queries, c, flip(rng, c, 10+rng.IntN(30)))
	}
	for _, h := range entries {
		queries = append(queries, flip(rng, h, rng.IntN(33)))
		if len(queries) > 200 {
			break
		}
	}
	return entries, queries
}

func toEntries(m map[int64]pdq.Hash) []Entry {
	var out []Entry
	for id, h := range m {
		out = append(out, Entry{ID: id, Hash: h})
	}
	return out
}

func checkAgainstBruteForce(t *testing.T, x *Index, entries map[int64]pdq.Hash, queries []pdq.Hash, distances []int) (hits int) {
	t.Helper()
	for _, d := range distances {
		for _, q := range queries {
			want := bruteForce(entries, q, d)
			got := x.Query(q, d)
			hits += len(want)
			if !slices.Equal(got, want) {
				t.Fatalf("query %s at distance %d: index found %d, brute force %d\nindex: %v\nbrute: %v", q, d, len(got), len(want), got, want)
			}
		}
	}
	return hits
}

var distances = []int{0, 1, 7, 8, 15, 16, 23, 24, 30, 31, 32, 39, 47, 63, 64, 100, 256}

// TestQueryIsExact: on random hashes and on clusters of near-duplicates
// at distances around the threshold, the index finds exactly what a brute
// force scan finds, at every distance.
func TestQueryIsExact(t *testing.T) {
	for _, tc := range []struct {
		name                         string
		random, clusters, perCluster int
		distances                    []int
	}{
		{"random", 3000, 0, 0, distances},
		{"clustered", 0, 40, 60, distances},
		{"mixed", 10000, 100, 40, []int{0, 15, 16, 30, 31, 32, 47, 63}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			entries, queries := dataset(uint64(tc.random+tc.clusters), tc.random, tc.clusters, tc.perCluster)
			x, err := Build(toEntries(entries))
			if err != nil {
				t.Fatal(err)
			}
			if x.Len() != len(entries) {
				t.Fatalf("Len %d, want %d", x.Len(), len(entries))
			}
			hits := checkAgainstBruteForce(t, x, entries, queries, tc.distances)
			near := checkAgainstBruteForce(t, x, entries, queries, []int{31})
			if near < len(queries)/4 {
				t.Fatalf("only %d hits at distance 31: the data do not exercise the threshold", near)
			}
			t.Logf("%d entries, %d queries, %d hits in all", len(entries), len(queries), hits)
		})
	}
}

// TestQueryProbesAtThreshold makes sure distance 31 is answered by the
// multi-index probe (not the full scan), so that the exactness test above
// tests the probe where it matters.
func TestQueryProbesAtThreshold(t *testing.T) {
	entries, _ := dataset(5, 20000, 0, 0)
	x, err := Build(toEntries(entries))
	if err != nil {
		t.Fatal(err)
	}
	if c := x.s.probeCost(31); c > x.Len()/4 {
		t.Fatalf("distance 31 over 20,000 hashes would scan (probe cost %d)", c)
	}
	if c := x.s.probeCost(100); c <= x.Len()/4 {
		t.Fatalf("distance 100 would probe (cost %d)", c)
	}
}

// TestLiveChanges: after adds, removals and replacements, queries agree
// with brute force over what is left, and removed entries are never found.
func TestLiveChanges(t *testing.T) {
	entries, queries := dataset(9, 5000, 30, 40)
	x, err := Build(toEntries(entries))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	ids := make([]int64, 0, len(entries))
	for id := range entries {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	removed := map[int64]bool{}
	for _, id := range ids[:len(ids)/3] {
		if !x.Remove(id) {
			t.Fatalf("Remove(%d) found nothing", id)
		}
		delete(entries, id)
		removed[id] = true
	}
	if x.Remove(ids[0]) {
		t.Fatal("a second Remove of the same id found it")
	}
	next := int64(1_000_000)
	for i, q := range queries {
		// New entries near the queries, some replacing old ones.
		h := flip(rng, q, rng.IntN(40))
		id := next + int64(i)
		if i%5 == 0 {
			id = ids[len(ids)-1-i]
		}
		x.Add(id, h)
		entries[id] = h
	}
	x.Add(next+1, entries[next+1]) // the same again: no change
	// Remove some of the entries added one by one, each followed by an
	// entry near the same query, which takes the freed slot.
	for i := 1; i < len(queries); i += 3 {
		id := next + int64(i)
		if i%5 == 0 || !x.Remove(id) {
			continue
		}
		delete(entries, id)
		removed[id] = true
		h := flip(rng, queries[i], rng.IntN(20))
		x.Add(2_000_000+int64(i), h)
		entries[2_000_000+int64(i)] = h
	}
	if x.Len() != len(entries) {
		t.Fatalf("Len %d, want %d", x.Len(), len(entries))
	}
	checkAgainstBruteForce(t, x, entries, queries, []int{0, 8, 16, 24, 31, 32, 47, 63, 100})
	for _, q := range queries {
		for _, m := range x.Query(q, 256) {
			if removed[m.ID] {
				t.Fatalf("removed entry %d found", m.ID)
			}
		}
	}
	// Compacted, it answers the same.
	x.Compact()
	if x.Len() != len(entries) {
		t.Fatalf("after Compact, Len %d, want %d", x.Len(), len(entries))
	}
	checkAgainstBruteForce(t, x, entries, queries, []int{0, 16, 31, 63})

	// An index grown from empty by Add answers as one built in bulk.
	y := New()
	for id, h := range entries {
		y.Add(id, h)
	}
	checkAgainstBruteForce(t, y, entries, queries, []int{0, 16, 31, 63})
}

// TestHaystackNeedles is ThreatExchange's MIH regression test: every
// haystack hash within the distance of each needle, as brute force finds
// them.
func TestHaystackNeedles(t *testing.T) {
	dir := filepath.Join("..", "pdq", "testdata", "reference")
	if d := os.Getenv("VIGIE_PDQ_REFERENCE"); d != "" {
		dir = d
	}
	haystack := readHashes(t, filepath.Join(dir, "haystack.txt"))
	needles := readHashes(t, filepath.Join(dir, "needles.txt"))
	entries := map[int64]pdq.Hash{}
	for i, h := range haystack {
		entries[int64(i+1)] = h
	}
	x, err := Build(toEntries(entries))
	if err != nil {
		t.Fatal(err)
	}
	hits := checkAgainstBruteForce(t, x, entries, needles, []int{0, 10, 31, 32, 63})
	if hits == 0 {
		t.Fatal("no needle found anything: the test checks nothing")
	}
	t.Logf("%d haystack hashes, %d needles, %d hits over the distances", len(haystack), len(needles), hits)
}

func readHashes(t *testing.T, path string) []pdq.Hash {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []pdq.Hash
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(strings.ReplaceAll(sc.Text(), ",", " "))
		if len(fields) == 0 {
			continue
		}
		h, err := pdq.ParseHash(fields[0])
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, h)
	}
	return out
}

func TestLoad(t *testing.T) {
	entries, queries := dataset(3, 2000, 10, 20)
	x := New()
	seq := func(yield func(Entry, error) bool) {
		for _, e := range toEntries(entries) {
			if !yield(e, nil) {
				return
			}
		}
	}
	if err := x.Load(context.Background(), seq); err != nil {
		t.Fatal(err)
	}
	checkAgainstBruteForce(t, x, entries, queries, []int{31})

	// A failed load leaves the index as it was.
	boom := errors.New("store unreachable")
	var failing iter.Seq2[Entry, error] = func(yield func(Entry, error) bool) {
		yield(Entry{ID: 1}, nil)
		yield(Entry{}, boom)
	}
	if err := x.Load(context.Background(), failing); !errors.Is(err, boom) {
		t.Fatalf("Load: %v, want the store's error", err)
	}
	dup := func(yield func(Entry, error) bool) {
		for range 2 {
			if !yield(Entry{ID: 7}, nil) {
				return
			}
		}
	}
	if err := x.Load(context.Background(), dup); err == nil {
		t.Fatal("Load accepted an identifier twice")
	}
	if x.Len() != len(entries) {
		t.Fatalf("after failed loads Len is %d, want %d", x.Len(), len(entries))
	}
	checkAgainstBruteForce(t, x, entries, queries, []int{31})
}

// TestConcurrentUse runs queries while entries are added and removed (run
// it with -race). Entries that never change must be found by every query.
func TestConcurrentUse(t *testing.T) {
	entries, queries := dataset(4, 3000, 0, 0)
	x, err := Build(toEntries(entries))
	if err != nil {
		t.Fatal(err)
	}
	stable := queries[0]
	x.Add(-1, stable)
	var wg sync.WaitGroup
	for g := range 2 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 4))
			for i := range 2000 {
				id := int64(10_000_000 + g*100_000 + i%50)
				if rng.IntN(2) == 0 {
					x.Add(id, flip(rng, stable, rng.IntN(40)))
				} else {
					x.Remove(id)
				}
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			for i := range 300 {
				found := false
				for _, m := range x.Query(queries[i%len(queries)], 31) {
					if m.Distance > 31 {
						t.Errorf("match at distance %d", m.Distance)
					}
				}
				for _, m := range x.Query(stable, 31) {
					found = found || m.ID == -1
				}
				if !found {
					t.Error("the stable entry was not found during changes")
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkQuery31(b *testing.B) {
	entries, queries := dataset(1, 1_000_000, 1000, 100)
	x, err := Build(toEntries(entries))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu := cpuTime()
	for i := range b.N {
		x.Query(queries[i%len(queries)], 31)
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/1e3, "cpu-µs/op")
}

// cpuTime is the process's CPU time: on a shared machine the wall time per
// query includes waiting for a core, and this does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
