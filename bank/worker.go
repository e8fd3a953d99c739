package bank

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vigie-platform/vigie/contenthash"
	"github.com/vigie-platform/vigie/pdq"
	"github.com/vigie-platform/vigie/report"
)

// WorkStore is the part of the store the Worker uses.
type WorkStore interface {
	ClaimMatchWork(ctx context.Context, limit int, at time.Time, lease time.Duration) ([]Work, error)
	RecordMatches(ctx context.Context, o Outcome) (bool, error)
	GetBlob(ctx context.Context, sha256Hex string) ([]byte, error)
}

// ImageTypes are the attachment types hashed: those pdq decodes.
var ImageTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp"}

// IsImage tells an attachment that is hashed and matched.
func IsImage(a report.Attachment) bool { return slices.Contains(ImageTypes, a.ContentType) }

// MinQuality is the PDQ quality under which an image's perceptual hash is
// kept but not matched: a nearly flat image's hash is noise, and would
// match other flat images (Meta's reference discards under 50 too).
const MinQuality = 50

// Defaults of the worker.
const (
	DefaultFloodLimit = 20
	matchBatch        = 50
	matchLease        = 2 * time.Minute
)

// Worker matches queued reports after their acknowledgement: it hashes
// their image attachments (PDQ and the exact hashes), matches them and
// the hashes sent without files, and records the outcome.
type Worker struct {
	store   WorkStore
	matcher *Matcher
	logger  *slog.Logger
	wake    chan struct{}
	now     func() time.Time
	// FloodLimit: one entry matching more reports than this in an hour
	// gathers the others into the first (0: DefaultFloodLimit).
	FloodLimit int
	// LinkCap is the linker's cap of reports per value (0: 1000).
	LinkCap int
	// Decode bounds the images decoded.
	Decode pdq.Options
}

// NewWorker makes a worker.
func NewWorker(store WorkStore, m *Matcher, logger *slog.Logger, now func() time.Time) *Worker {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Worker{store: store, matcher: m, logger: logger, wake: make(chan struct{}, 1), now: now}
}

// Notify wakes the worker (after a commit of reports).
func (w *Worker) Notify() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Hashes computes the hashes of one image: its PDQ hash (when the image
// is not too flat to have a meaningful one) and its three exact hashes.
func Hashes(content []byte, opts pdq.Options) ([]contenthash.Hash, error) {
	exact, err := contenthash.Compute(bytes.NewReader(content))
	if err != nil {
		return nil, err
	}
	out := exact.All()
	res, err := pdq.HashBytes(content, opts)
	if err != nil {
		return out, fmt.Errorf("pdq: %w", err)
	}
	if res.Quality >= MinQuality {
		out = append(out, contenthash.Hash{Kind: contenthash.PDQ, Value: res.Hash.String()})
	}
	return out, nil
}

// Process matches one report.
func (w *Worker) Process(ctx context.Context, wk Work, at time.Time) (Outcome, error) {
	o := Outcome{ReportID: wk.ReportID, CreatedAt: wk.CreatedAt, At: at, FloodLimit: w.FloodLimit, LinkCap: w.LinkCap}
	if o.FloodLimit <= 0 {
		o.FloodLimit = DefaultFloodLimit
	}
	if o.LinkCap <= 0 {
		o.LinkCap = 1000
	}
	type query struct {
		attachment string
		hash       contenthash.Hash
	}
	var queries []query
	for _, h := range wk.Sent {
		queries = append(queries, query{"", h})
	}
	// Never hash media of child-abuse categories: the portal takes none,
	// and a file that got there anyway is not to be processed further.
	if !strings.HasPrefix(wk.Category, "minors.") {
		seen := map[string]bool{}
		for _, a := range wk.Attachments {
			if !IsImage(a) || seen[a.SHA256] {
				continue
			}
			seen[a.SHA256] = true
			content, err := w.store.GetBlob(ctx, a.SHA256)
			if err != nil {
				return o, fmt.Errorf("attachment %s: %w", a.SHA256, err)
			}
			hashes, err := Hashes(content, w.Decode)
			if err != nil {
				// Not an image pdq decodes, or a bomb: matched on exact hashes only.
				w.logger.Info("hashing an attachment", "report", wk.ReportID, "err", err)
			}
			for _, h := range hashes {
				queries = append(queries, query{a.SHA256, h})
			}
		}
	}
	type key struct {
		attachment string
		entry      int64
	}
	best := map[key]int{}
	for _, q := range queries {
		if q.attachment != "" {
			o.Hashes = append(o.Hashes, MediaHash{Attachment: q.attachment, Hash: q.hash})
		}
		for _, h := range w.matcher.Match(q.hash) {
			k := key{q.attachment, h.EntryID}
			if i, ok := best[k]; ok {
				o.Matches[i].Distance = min(o.Matches[i].Distance, h.Distance)
				continue
			}
			best[k] = len(o.Matches)
			o.Matches = append(o.Matches, Match{ReportID: wk.ReportID, Attachment: q.attachment, EntryID: h.EntryID, BankID: h.Bank.ID,
				BankName: h.Bank.Name, Hash: h.Hash, Label: h.Label, Category: h.Category, Distance: h.Distance, At: at})
		}
	}
	return o, nil
}

// RunOnce matches up to a batch of queued reports and returns how many it
// recorded.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	at := w.now().UTC().Truncate(time.Microsecond)
	work, err := w.store.ClaimMatchWork(ctx, matchBatch, at, matchLease)
	if err != nil {
		return 0, err
	}
	// Hashing is computation: the batch is hashed on half the cores (at
	// least one), leaving the others to intake, then recorded in order.
	outcomes := make([]Outcome, len(work))
	errs := make([]error, len(work))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(max(1, runtime.GOMAXPROCS(0)/2), len(work)) {
		wg.Go(func() {
			for i := range next {
				outcomes[i], errs[i] = w.Process(ctx, work[i], at)
			}
		})
	}
	for i := range work {
		next <- i
	}
	close(next)
	wg.Wait()
	n := 0
	for i, o := range outcomes {
		if errs[i] != nil {
			return n, errs[i]
		}
		done, err := w.store.RecordMatches(ctx, o)
		if err != nil {
			return n, err
		}
		if done {
			n++
		}
	}
	return n, nil
}

// Run matches queued reports until ctx ends, waking on Notify or every
// interval (which also picks up other instances' reports and expired leases).
func (w *Worker) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for {
			n, err := w.RunOnce(ctx)
			if err != nil {
				if ctx.Err() == nil {
					w.logger.Warn("matching media", "err", err)
				}
				break
			}
			if n == 0 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-t.C:
		}
	}
}
