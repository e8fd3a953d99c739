package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"time"
)

// lagProbe reads how far linking is behind intake straight from the
// database, read-only, beside the server: it opens no store (which would
// migrate, checkpoint and commit in the benchmark's process).
type lagProbe struct {
	db *sql.DB
	pg bool
}

func openLagProbe(sf *storeFlags) (*lagProbe, error) {
	if sf.db != "" {
		db, err := sql.Open("pgx", sf.db) // registered by the postgres adapter's pgx/stdlib
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(1)
		return &lagProbe{db: db, pg: true}, nil
	}
	v := url.Values{}
	v.Add("_pragma", "busy_timeout(10000)")
	v.Add("_pragma", "query_only(ON)")
	db, err := sql.Open("sqlite", "file:"+filepath.Join(sf.data, "vigie.db")+"?"+v.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return &lagProbe{db: db}, nil
}

// read returns the queue's length and the creation time of the oldest
// report in it (zero when the queue is empty). Reports are queued in
// arrival order, so the first by seq is the oldest.
func (p *lagProbe) read(ctx context.Context) (queued int64, oldest time.Time, err error) {
	if err := p.db.QueryRowContext(ctx, `SELECT count(*) FROM link_queue`).Scan(&queued); err != nil {
		return 0, time.Time{}, err
	}
	var created int64
	err = p.db.QueryRowContext(ctx, `SELECT r.created_at FROM link_queue q JOIN reports r ON r.id = q.report_id ORDER BY q.seq LIMIT 1`).Scan(&created)
	if err == sql.ErrNoRows {
		return queued, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, err
	}
	return queued, time.UnixMicro(created), nil
}

func (p *lagProbe) Close() error { return p.db.Close() }

// lagTracker keeps the worst of the samples: how long the oldest report
// still waiting to be linked had been stored (now − its created_at), and
// the longest queue.
type lagTracker struct {
	start     time.Time
	samples   int
	maxLag    time.Duration
	maxLagAt  time.Duration // since start
	maxQueued int64
	last      time.Duration
	errors    int
}

// add records one sample read at now; oldest is zero for an empty queue.
func (t *lagTracker) add(now time.Time, queued int64, oldest time.Time) {
	t.samples++
	lag := time.Duration(0)
	if queued > 0 && !oldest.IsZero() {
		lag = max(0, now.Sub(oldest))
	}
	t.last = lag
	if lag > t.maxLag {
		t.maxLag, t.maxLagAt = lag, now.Sub(t.start)
	}
	t.maxQueued = max(t.maxQueued, queued)
}

func (t *lagTracker) print(w io.Writer, name string) {
	fmt.Fprintf(w, "%s: link lag max=%.2fs (at %.0fs) last=%.2fs; queue max=%d; %d samples, %d failed\n",
		name, t.maxLag.Seconds(), t.maxLagAt.Seconds(), t.last.Seconds(), t.maxQueued, t.samples, t.errors)
}

// sampleLag reads the probe every interval until ctx ends.
func sampleLag(ctx context.Context, p *lagProbe, interval time.Duration) *lagTracker {
	t := &lagTracker{start: time.Now()}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		qctx, cancel := context.WithTimeout(context.Background(), interval)
		queued, oldest, err := p.read(qctx)
		cancel()
		if err != nil {
			t.errors++
		} else {
			t.add(time.Now(), queued, oldest)
		}
		select {
		case <-ctx.Done():
			return t
		case <-tick.C:
		}
	}
}
