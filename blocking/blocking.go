// Package blocking is the requests to block and delist content that a host
// did not remove in time (LCEN art. 6-1: 24 hours after an administrative
// request). A request is made when a removal notice escalates; the
// oversight role (the qualified person) approves or refuses it, in weekly
// batches, before it may enter a disruption feed. A refused request never
// reaches a feed; an approved one leaves the feeds once its content has
// been confirmed gone for a grace period.
package blocking

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/stats"
)

// States of a request.
const (
	StatePending  = "pending"
	StateApproved = "approved"
	StateRefused  = "refused"
)

// Request is one blocking and delisting request.
type Request struct {
	ID       string
	NoticeID string
	CaseID   string
	URL      string
	// Domain is the URL's host name, lower case, without a port: what a
	// resolver's policy zone lists.
	Domain   string
	Category string
	// Reason says why it was made: the notice, its deadline, the last check.
	Reason      string
	RequestedAt time.Time
	// Batch is the ISO week (in Paris) the request was made in: the
	// oversight works through one week's requests at a time.
	Batch        string
	State        string
	ReviewedBy   string
	ReviewedAt   time.Time
	ReviewReason string
	// GoneSince is when a re-check first confirmed the content gone; zero
	// while it is online or not known to be gone.
	GoneSince time.Time
}

// Live tells whether an approved request still belongs in the feeds at
// now: its content is not confirmed gone for longer than grace.
func (r Request) Live(now time.Time, grace time.Duration) bool {
	return r.State == StateApproved && (r.GoneSince.IsZero() || now.Sub(r.GoneSince) < grace)
}

// Filter selects requests for the oversight's lists.
type Filter struct {
	State string // empty: every state
	Batch string // empty: every batch
	Limit int    // 0: 500
	// Offset skips that many requests of the selection, for pages.
	Offset int
}

// Store keeps requests. A request is created by the notice's escalation
// (removal.Store.EscalateNotice), in the same transaction.
type Store interface {
	BlockingRequest(ctx context.Context, id string) (Request, error)
	BlockingRequests(ctx context.Context, f Filter) ([]Request, error)
	// ReviewBlockingRequest sets a pending request approved or refused;
	// ErrReviewed when it was not pending any more.
	ReviewBlockingRequest(ctx context.Context, id, state, by, reason string, at time.Time) error
	// SetBlockingGone records when the content of a notice's request was
	// confirmed gone (zero: online again).
	SetBlockingGone(ctx context.Context, noticeID string, since time.Time) error
}

var (
	// ErrNotFound is returned for an unknown request.
	ErrNotFound = errors.New("blocking request not found")
	// ErrReviewed is returned when a request was already approved or refused.
	ErrReviewed = errors.New("blocking request already reviewed")
)

// BatchOf is the ISO week, in Paris, that t falls in ("2026-W49").
func BatchOf(t time.Time) string {
	y, w := t.In(stats.Zone).ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}

// DomainOf is the host name of rawURL as a resolver matches it: lower
// case, no port, no trailing dot. Empty when the URL has no host.
func DomainOf(rawURL string) string {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
}
