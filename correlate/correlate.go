package correlate

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/vigie-platform/vigie/indicator"
)

// Info is what the platform knows of one identifier.
type Info struct {
	Type      indicator.Type `json:"type"`
	Value     string         `json:"value"`
	Count     int64          `json:"count"`
	FirstSeen time.Time      `json:"first_seen"`
	LastSeen  time.Time      `json:"last_seen"`
	// Flagged says why the value no longer links reports (a warning-list
	// rule, or "cap" past the reports-per-value limit); empty when it links.
	Flagged string `json:"flagged,omitempty"`
	// Raw is how this report wrote it, when Info describes a report's identifier.
	Raw string `json:"raw,omitempty"`
}

// PendingReport is a report waiting to be linked.
type PendingReport struct {
	ID        string
	CreatedAt time.Time
	Fields    indicator.Fields
}

// Posting is one identifier of a report, ready to index.
type Posting struct {
	Type  indicator.Type
	Value string
	Raw   string
	// Listed is the warning-list reason, if the value is on the list.
	Listed string
}

// Related is another report sharing identifiers with the one asked about.
type Related struct {
	ReportID string           `json:"report_id"`
	Shared   []SharedIdentity `json:"shared"`
}

// SharedIdentity names one identifier two reports share.
type SharedIdentity struct {
	Type  indicator.Type `json:"type"`
	Value string         `json:"value"`
}

// Errors of the index.
var (
	// ErrNotFound means no such identifier or report is indexed.
	ErrNotFound = errors.New("not indexed")
	// ErrBadCursor is returned for a page cursor the store did not make.
	ErrBadCursor = errors.New("bad cursor")
)

// Store keeps the inverted index.
type Store interface {
	// LinkPending claims up to limit unlinked reports, oldest first, turns
	// each into postings with link, indexes them and marks the reports
	// linked, in one transaction. Several instances may call it at once:
	// each report is linked exactly once.
	LinkPending(ctx context.Context, limit, valueCap int, link func(PendingReport) []Posting) (int, error)
	Indicator(ctx context.Context, t indicator.Type, value string) (Info, error)
	// IndicatorReports pages through the reports naming a value, newest
	// first; cursor is "" for the first page.
	IndicatorReports(ctx context.Context, t indicator.Type, value, cursor string, limit int) (ids []string, next string, err error)
	ReportIndicators(ctx context.Context, reportID string) ([]Info, error)
	// ReportsIndicators is ReportIndicators for many reports at once, by
	// report id (a report naming nothing is absent).
	ReportsIndicators(ctx context.Context, reportIDs []string) (map[string][]Info, error)
	TopIndicators(ctx context.Context, limit int) ([]Info, error)
	UnlinkedCount(ctx context.Context) (int64, error)
	// IndexSize counts distinct identifiers and report links.
	IndexSize(ctx context.Context) (indicators, links int64, err error)
	// ResetLinks empties the index and marks every report unlinked.
	ResetLinks(ctx context.Context) error
}

// Linker turns reports into postings and feeds them to the store.
type Linker struct {
	store  Store
	list   *WarningList
	opts   indicator.Options
	logger *slog.Logger
	wake   chan struct{}
	// batchWait is how long a wake waits for more reports (batchWaitDefault).
	batchWait time.Duration
	// then runs after each round of linking (waves are placed from linked
	// reports); set once by Then before running.
	then func(context.Context) error
}

// Then sets work to run after each round of linking,
// in the linker's goroutine: placing them in waves, which must follow
// linking and must not slow intake. Call it before Run.
func (l *Linker) Then(f func(context.Context) error) { l.then = f }

// NewLinker makes a linker.
func NewLinker(store Store, list *WarningList, opts indicator.Options, logger *slog.Logger) *Linker {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Linker{store: store, list: list, opts: opts, logger: logger, wake: make(chan struct{}, 1), batchWait: batchWaitDefault}
}

// Postings extracts a report's identifiers and marks those on the list.
func (l *Linker) Postings(r PendingReport) []Posting {
	inds := indicator.FromReport(r.Fields, l.opts)
	out := make([]Posting, len(inds))
	for i, ind := range inds {
		reason, _ := l.list.Check(ind.Type, ind.Value)
		out[i] = Posting{Type: ind.Type, Value: ind.Value, Raw: ind.Raw, Listed: reason}
	}
	return out
}

// LinkOnce links up to limit pending reports.
func (l *Linker) LinkOnce(ctx context.Context, limit int) (int, error) {
	return l.store.LinkPending(ctx, limit, l.list.Cap, l.Postings)
}

// batchWaitDefault is how long the linker lets reports gather after a wake.
const batchWaitDefault = 50 * time.Millisecond

// Notify wakes the linker at once, so that a new report is linked well
// within a second of its acknowledgement.
func (l *Linker) Notify() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Run links pending reports until ctx ends, waking on Notify or every
// interval (which also picks up reports written by other instances).
func (l *Linker) Run(ctx context.Context, interval time.Duration) {
	l.run(ctx, interval, l.wake)
}

// RunWorkers is Run with n linkers sharing the queue: each Notify wakes
// them all, and the store hands each report to one of them (claims skip
// the rows another transaction holds). Where the store takes concurrent
// writers (PostgreSQL), a worker extracts and writes while another waits
// on a round trip or a commit, so that linking keeps up with intake on
// few cores; on a store with a single writer, one is enough.
func (l *Linker) RunWorkers(ctx context.Context, interval time.Duration, n int) {
	if n <= 1 {
		l.Run(ctx, interval)
		return
	}
	wakes := make([]chan struct{}, n)
	var wg sync.WaitGroup
	for i := range wakes {
		wakes[i] = make(chan struct{}, 1)
		wg.Go(func() { l.run(ctx, interval, wakes[i]) })
	}
	// Fan each wake out to every worker.
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-l.wake:
			for _, w := range wakes {
				select {
				case w <- struct{}{}:
				default:
				}
			}
		}
	}
}

func (l *Linker) run(ctx context.Context, interval time.Duration, wake <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for {
			n, err := l.LinkOnce(ctx, 500)
			if err != nil {
				if ctx.Err() == nil {
					l.logger.Warn("linking reports", "err", err)
				}
				break
			}
			if n < 500 {
				break
			}
		}
		if l.then != nil { // also when nothing was linked: work another round left (an error) is retried
			if err := l.then(ctx); err != nil && ctx.Err() == nil {
				l.logger.Warn("after linking", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
			// Gather what arrives in the next moment: one transaction (and
			// one full-text segment) for many reports costs far less than
			// one per group commit, and linking stays well within a second.
			select {
			case <-ctx.Done():
				return
			case <-time.After(l.batchWait):
			}
		case <-t.C:
		}
	}
}

// BulkLoader is a store that can prepare for a rebuild (bigger caches,
// secondary indexes built once at the end) and restore itself after.
type BulkLoader interface {
	BeginBulk(ctx context.Context) (end func(context.Context) error, err error)
}

// rebuildBatch is how many reports one transaction of a rebuild links. A
// page of the index that several batches touch is written to the log
// once per batch: bigger batches write less (on SQLite, a rebuild of a
// million reports wrote its log for 15 s of its 127 s in batches of
// 10,000). On a live SQLite store, intake waits for each batch's commit.
const rebuildBatch = 50000

// Rebuild empties the index and links every report again.
func (l *Linker) Rebuild(ctx context.Context, progress func(done int)) (total int, err error) {
	if err := l.store.ResetLinks(ctx); err != nil {
		return 0, err
	}
	if bulk, ok := l.store.(BulkLoader); ok {
		end, err := bulk.BeginBulk(ctx)
		if err != nil {
			return 0, err
		}
		defer func() { err = errors.Join(err, end(context.Background())) }()
	}
	for {
		n, err := l.LinkOnce(ctx, rebuildBatch)
		if err != nil {
			return total, err
		}
		total += n
		if progress != nil && n > 0 {
			progress(total)
		}
		if n == 0 {
			return total, nil
		}
	}
}
