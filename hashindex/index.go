// Package hashindex finds, among many 256-bit hashes (PDQ), every one
// within a Hamming distance of a query, exactly: no hash within the
// distance is ever missed.
//
// # Method
//
// Multi-index hashing (Norouzi, Punjani and Fleet, "Fast Search in Hamming
// Space with Multi-Index Hashing", 2012), in a form suited to the distance
// PDQ uses, 31. A hash is cut into eight 32-bit chunks, and each chunk into
// two 16-bit words. By the pigeonhole principle, two hashes at distance
// d ≤ 8·(R+1)−1 agree within R = ⌊d/8⌋ bits on at least one chunk, and on
// that chunk one of the two words differs by at most r = ⌊R/2⌋ bits. So
// sixteen tables, one per word, each with 65,536 buckets keyed by the
// word's value, hold every hash; a query probes, in each table, the buckets
// within r bits of its own word (17 buckets each at d = 31). Beside each
// posting a table keeps the other word of its chunk, in an array of its
// own, so that a candidate whose chunk differs by more than R is dropped
// after reading two bytes in order, without reading its hash. Only the few
// that pass are compared in full. A hash found through several tables is
// reported by the first only.
//
// Compared with the usual MIH split (sixteen 16-bit words probed at radius
// ⌊d/16⌋, every bucket entry read in full), the chunk filter turns most of
// the random memory reads into a sequential scan of the bucket: see
// BENCHMARKS.md for the figures at ten million hashes. When the distance
// asked for is so large that the probes would read more than a quarter of
// the postings, the query scans every hash instead, which is then faster
// and as exact.
//
// The index changes live: Add and Remove take a write lock for
// microseconds; queries share a read lock. Tables are built in bulk (by
// Build, Load and Compact) as flat arrays; entries added later go to small
// per-bucket lists beside them, and removed ones are marked dead. Load
// replaces the whole content (from a store, say) without blocking queries
// while it builds.
package hashindex

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"math/bits"
	"runtime"
	"slices"
	"sync"

	"github.com/vigie-platform/vigie/pdq"
)

// Entry is a hash and the caller's identifier for it (a bank entry's id,
// say). Identifiers are unique within an index; several may share a hash.
type Entry struct {
	ID   int64
	Hash pdq.Hash
}

// Match is an entry found by a query, with its distance to the query.
type Match struct {
	ID       int64
	Hash     pdq.Hash
	Distance int
}

const (
	words   = 16 // 16-bit words in a hash
	buckets = 1 << 16
)

// table is one word's table as built in bulk: the postings of bucket k
// (the hashes whose word is k) are at start[k]:start[k+1] of slots and
// pairs. pairs holds each hash's other word of the same 32-bit chunk, apart
// from slots, so that the chunk filter reads two bytes per posting, in
// order; a posting's slot is read only when it passes.
type table struct {
	start []uint32 // buckets+1 offsets
	pairs []uint16
	slots []uint32
}

// posting is a hash added after the bulk build: its slot and pair word.
type posting struct {
	slot uint32
	pair uint16
}

// state is the index's content: the hashes by slot, the tables built in
// bulk over slots [0, built), and the postings of hashes added since, by
// word and bucket. A removed hash of the bulk part stays in its tables,
// marked dead in alive, until the next Load or Compact; one added later is
// taken out of its postings and its slot reused.
type state struct {
	hashes []pdq.Hash
	ids    []int64
	alive  []bool
	slotOf map[int64]uint32
	built  uint32 // slots below this are in the bulk tables
	free   []uint32
	tables [words]table
	added  [words]map[uint16][]posting
}

// Index is a set of hashes searchable by Hamming distance. Its methods may
// be called from several goroutines at once.
type Index struct {
	mu sync.RWMutex
	s  *state
}

// New returns an empty index.
func New() *Index {
	s, _ := build(nil)
	return &Index{s: s}
}

// Build returns an index holding entries, built in bulk (much faster than
// one Add at a time, and more compact). Identifiers must be unique.
func Build(entries []Entry) (*Index, error) {
	s, err := build(entries)
	if err != nil {
		return nil, err
	}
	return &Index{s: s}, nil
}

// Load replaces the index's content with the entries seq yields (a store's
// rows, say), built in bulk while queries go on against the old content.
// On an error (from seq, ctx, or a repeated identifier) the index is left
// as it was.
func (x *Index) Load(ctx context.Context, seq iter.Seq2[Entry, error]) error {
	var entries []Entry
	for e, err := range seq {
		if err != nil {
			return fmt.Errorf("hashindex: loading: %w", err)
		}
		entries = append(entries, e)
		if len(entries)%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	s, err := build(entries)
	if err != nil {
		return err
	}
	x.mu.Lock()
	x.s = s
	x.mu.Unlock()
	return nil
}

// Compact rebuilds the index in bulk from its live entries, which frees
// the room removed entries hold and makes entries added one by one as
// compact as the rest. Queries wait while it runs (seconds at ten million
// hashes); Load is the way to rebuild without making them wait.
func (x *Index) Compact() {
	x.mu.Lock()
	defer x.mu.Unlock()
	entries := make([]Entry, 0, len(x.s.slotOf))
	for i, ok := range x.s.alive {
		if ok {
			entries = append(entries, Entry{ID: x.s.ids[i], Hash: x.s.hashes[i]})
		}
	}
	s, err := build(entries)
	if err == nil { // the entries came from an index: identifiers are unique
		x.s = s
	}
}

func build(entries []Entry) (*state, error) {
	n := len(entries)
	if uint64(n) >= 1<<32 {
		return nil, fmt.Errorf("hashindex: %d entries, more than an index holds", n)
	}
	s := &state{
		hashes: make([]pdq.Hash, n),
		ids:    make([]int64, n),
		alive:  make([]bool, n),
		slotOf: make(map[int64]uint32, n),
		built:  uint32(n),
	}
	for i, e := range entries {
		s.hashes[i], s.ids[i], s.alive[i] = e.Hash, e.ID, true
	}
	// The identifiers' map and the sixteen tables are independent: they
	// are built on all the cores there are.
	var wg sync.WaitGroup
	var dup error
	wg.Go(func() {
		for i, id := range s.ids {
			if _, ok := s.slotOf[id]; ok {
				dup = fmt.Errorf("hashindex: identifier %d given twice", id)
				return
			}
			s.slotOf[id] = uint32(i)
		}
	})
	next := make(chan int, words)
	for w := range words {
		next <- w
		s.added[w] = map[uint16][]posting{}
	}
	close(next)
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for w := range next {
				s.tables[w] = buildTable(s.hashes, w)
			}
		})
	}
	wg.Wait()
	if dup != nil {
		return nil, dup
	}
	return s, nil
}

// buildTable sorts the hashes into word w's buckets: count each bucket,
// turn the counts into offsets, place each posting.
func buildTable(hashes []pdq.Hash, w int) table {
	start := make([]uint32, buckets+1)
	for i := range hashes {
		start[int(hashes[i].Word16(w))+1]++
	}
	for k := 1; k <= buckets; k++ {
		start[k] += start[k-1]
	}
	pairs := make([]uint16, len(hashes))
	slots := make([]uint32, len(hashes))
	next := slices.Clone(start[:buckets])
	for i := range hashes {
		h := &hashes[i]
		k := h.Word16(w)
		pairs[next[k]] = h.Word16(w ^ 1)
		slots[next[k]] = uint32(i)
		next[k]++
	}
	return table{start: start, pairs: pairs, slots: slots}
}

// Len is the number of entries.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.s.slotOf)
}

// Add puts an entry in the index, replacing the hash of an entry with the
// same identifier.
func (x *Index) Add(id int64, h pdq.Hash) {
	x.mu.Lock()
	defer x.mu.Unlock()
	s := x.s
	if slot, ok := s.slotOf[id]; ok {
		if s.hashes[slot] == h {
			return
		}
		s.remove(slot)
	}
	var slot uint32
	if n := len(s.free); n > 0 {
		slot = s.free[n-1]
		s.free = s.free[:n-1]
		s.hashes[slot], s.ids[slot], s.alive[slot] = h, id, true
	} else {
		slot = uint32(len(s.hashes))
		s.hashes = append(s.hashes, h)
		s.ids = append(s.ids, id)
		s.alive = append(s.alive, true)
	}
	s.slotOf[id] = slot
	for w := range words {
		k := h.Word16(w)
		s.added[w][k] = append(s.added[w][k], posting{slot: slot, pair: h.Word16(w ^ 1)})
	}
}

// Remove takes the entry with this identifier out of the index, and says
// whether there was one.
func (x *Index) Remove(id int64) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	slot, ok := x.s.slotOf[id]
	if ok {
		x.s.remove(slot)
	}
	return ok
}

func (s *state) remove(slot uint32) {
	delete(s.slotOf, s.ids[slot])
	s.alive[slot] = false
	if slot < s.built {
		return // its bulk postings stay, dead, until a rebuild
	}
	h := s.hashes[slot]
	for w := range words {
		k := h.Word16(w)
		b := s.added[w][k]
		for i := range b {
			if b[i].slot == slot {
				b[i] = b[len(b)-1]
				b = b[:len(b)-1]
				break
			}
		}
		if len(b) == 0 {
			delete(s.added[w], k)
		} else {
			s.added[w][k] = b
		}
	}
	s.hashes[slot] = pdq.Hash{}
	s.free = append(s.free, slot)
}

// Query returns every entry within distance d of q (d from 0 to 256),
// nearest first, then by identifier.
func (x *Index) Query(q pdq.Hash, d int) []Match {
	x.mu.RLock()
	var out []Match
	if d >= 0 {
		if x.s.probeCost(d) > len(x.s.hashes)/4 {
			out = x.s.scan(q, d)
		} else {
			out, _ = x.s.probe(q, d)
		}
	}
	x.mu.RUnlock()
	slices.SortFunc(out, func(a, b Match) int {
		return cmp.Or(cmp.Compare(a.Distance, b.Distance), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// Scan is Query done by comparing q with every entry: the baseline that
// Query must agree with, kept for benchmarks and checks.
func (x *Index) Scan(q pdq.Hash, d int) []Match {
	x.mu.RLock()
	out := x.s.scan(q, d)
	x.mu.RUnlock()
	slices.SortFunc(out, func(a, b Match) int {
		return cmp.Or(cmp.Compare(a.Distance, b.Distance), cmp.Compare(a.ID, b.ID))
	})
	return out
}

func (s *state) scan(q pdq.Hash, d int) []Match {
	var out []Match
	for i := range s.hashes {
		if dist := pdq.Distance(q, s.hashes[i]); dist <= d && s.alive[i] {
			out = append(out, Match{ID: s.ids[i], Hash: s.hashes[i], Distance: dist})
		}
	}
	return out
}

// radii gives the chunk radius R and the word radius r for distance d.
func radii(d int) (chunkR, wordR int) {
	chunkR = d / 8
	return chunkR, chunkR / 2
}

// probeCost estimates the postings a probe reads: the buckets probed times
// their mean size.
func (s *state) probeCost(d int) int {
	_, r := radii(d)
	if r >= 16 {
		return int(^uint(0) >> 1)
	}
	probes := words * masksUpTo[r+1]
	return int(float64(probes) * float64(len(s.hashes)) / buckets)
}

// masks lists every 16-bit value by increasing number of bits set, and
// masks[:masksUpTo[r+1]] are those with at most r bits set: the flips a
// probe at radius r tries. Computed once, never written after.
var masks, masksUpTo = func() ([]uint16, [18]int) {
	all := make([]uint16, buckets)
	for i := range all {
		all[i] = uint16(i)
	}
	slices.SortStableFunc(all, func(a, b uint16) int {
		return cmp.Compare(bits.OnesCount16(a), bits.OnesCount16(b))
	})
	var upTo [18]int
	for _, m := range all {
		upTo[bits.OnesCount16(m)+1]++
	}
	for i := 1; i < len(upTo); i++ {
		upTo[i] += upTo[i-1]
	}
	return all, upTo
}()

func (s *state) probe(q pdq.Hash, d int) (out []Match, touched uint16) {
	R, r := radii(d)
	var qw [words]uint16
	for w := range words {
		qw[w] = q.Word16(w)
	}
	check := func(w int, slot uint32) {
		h := &s.hashes[slot]
		dist := pdq.Distance(q, *h)
		// Liveness is read last: most candidates are dropped before, and
		// it is one more read from memory.
		if dist <= d && firstFound(&qw, h, w, R, r) && s.alive[slot] {
			out = append(out, Match{ID: s.ids[slot], Hash: *h, Distance: dist})
		}
	}
	// The time goes in reading memory: a bucket's offsets, its first
	// postings, a candidate's slot and hash. So each step first reads, for
	// a batch of buckets or candidates, what the next step needs, in loads
	// that do not depend on one another and that the processor can have in
	// flight together, rather than one after the other.
	const batch = 64
	var lo, hi [batch]uint32
	var cand [batch]uint32 // positions in the table of postings that passed
	for w := range words {
		t := &s.tables[w]
		added := s.added[w]
		qpair := qw[w^1]
		all := masks[:masksUpTo[r+1]]
		for len(all) > 0 {
			ms := all[:min(batch, len(all))]
			all = all[len(ms):]
			for j, m := range ms {
				k := int(qw[w] ^ m)
				lo[j], hi[j] = t.start[k], t.start[k+1]
			}
			for j := range ms {
				if lo[j] < hi[j] {
					touched ^= t.pairs[lo[j]]
				}
			}
			nc := 0
			flush := func() {
				for c := range cand[:nc] {
					cand[c] = t.slots[cand[c]]
				}
				for _, slot := range cand[:nc] {
					touched ^= uint16(s.hashes[slot][0])
				}
				for _, slot := range cand[:nc] {
					check(w, slot)
				}
				nc = 0
			}
			for j, m := range ms {
				budget := R - bits.OnesCount16(m) // what the pair word may still differ by
				for i, p := range t.pairs[lo[j]:hi[j]] {
					if bits.OnesCount16(p^qpair) <= budget {
						cand[nc] = lo[j] + uint32(i)
						nc++
						if nc == batch {
							flush()
						}
					}
				}
				if len(added) > 0 {
					for _, p := range added[qw[w]^m] {
						if bits.OnesCount16(p.pair^qpair) <= budget {
							check(w, p.slot)
						}
					}
				}
			}
			flush()
		}
	}
	return out, touched
}

// firstFound says whether table w is the first (in table order) whose
// probe finds h, so that a hash found through several words is reported
// once: table v finds h when h's chunk v/2 is within R of the query's and
// its word v within r.
func firstFound(qw *[words]uint16, h *pdq.Hash, w, R, r int) bool {
	for v := 0; v < w; v++ {
		wordDist := bits.OnesCount16(qw[v] ^ h.Word16(v))
		if wordDist > r {
			continue
		}
		if wordDist+bits.OnesCount16(qw[v^1]^h.Word16(v^1)) <= R {
			return false
		}
	}
	return true
}
