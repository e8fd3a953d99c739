package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/vigie-platform/vigie/report"
)

// GroupCommitter gathers concurrent Create calls into shared transactions,
// so that one durable commit (one fsync) acknowledges many reports. A
// report's Create returns only once the transaction holding it committed.
type GroupCommitter struct {
	db       *sql.DB
	s        *Store
	maxGroup int
	queue    chan *createRequest
	stopped  chan struct{}
	workers  int
}

type createRequest struct {
	ctx     context.Context
	reports []*report.Report
	results []report.CreateResult
	errs    []error
	err     error
	done    chan struct{}
}

// NewGroupCommitter starts workers committers on db. SQLite wants one (a
// single writer); PostgreSQL a few, to overlap network round trips.
func NewGroupCommitter(db *sql.DB, s *Store, workers, maxGroup int) *GroupCommitter {
	g := &GroupCommitter{db: db, s: s, maxGroup: maxGroup, workers: workers,
		queue: make(chan *createRequest, 4096), stopped: make(chan struct{})}
	done := make(chan struct{}, workers)
	for range workers {
		go func() {
			g.work()
			done <- struct{}{}
		}()
	}
	go func() {
		for range workers {
			<-done
		}
		close(g.stopped)
	}()
	return g
}

// Close lets the workers finish what is queued, then stops them.
func (g *GroupCommitter) Close() {
	close(g.queue)
	<-g.stopped
}

// Create queues reports for the next group commit and waits for it.
func (g *GroupCommitter) Create(ctx context.Context, reports []*report.Report) ([]report.CreateResult, []error, error) {
	req := &createRequest{ctx: ctx, reports: reports, done: make(chan struct{})}
	select {
	case g.queue <- req:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	// Once queued, wait for the outcome even if ctx ends: the reports may
	// already be committed, and the caller must not be told otherwise.
	<-req.done
	return req.results, req.errs, req.err
}

func (g *GroupCommitter) work() {
	for first := range g.queue {
		group := []*createRequest{first}
		size := len(first.reports)
	gather:
		for size < g.maxGroup {
			select {
			case more, ok := <-g.queue:
				if !ok {
					break gather
				}
				group = append(group, more)
				size += len(more.reports)
			default:
				break gather
			}
		}
		g.commit(group)
	}
}

func (g *GroupCommitter) commit(group []*createRequest) {
	var live []*createRequest
	var all []*report.Report
	for _, req := range group {
		if err := req.ctx.Err(); err != nil {
			req.err = err
			close(req.done)
			continue
		}
		live = append(live, req)
		all = append(all, req.reports...)
	}
	if len(live) == 0 {
		return
	}
	fail := func(err error) {
		for _, req := range live {
			req.err = err
			close(req.done)
		}
	}
	ctx := context.Background() // the group outlives any one caller's context
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		fail(fmt.Errorf("begin: %w", err))
		return
	}
	results, errs, err := g.s.insertReports(ctx, tx, all)
	if err != nil {
		tx.Rollback()
		fail(err)
		return
	}
	if err := tx.Commit(); err != nil {
		fail(fmt.Errorf("commit: %w", err))
		return
	}
	k := 0
	for _, req := range live {
		n := len(req.reports)
		req.results, req.errs = results[k:k+n], errs[k:k+n]
		k += n
		close(req.done)
	}
}
