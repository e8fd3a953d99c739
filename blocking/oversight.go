package blocking

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/problem"
)

// Batch is one week's requests as the oversight's list shows them.
type Batch struct {
	Week                       string // "2026-W49"
	Pending, Approved, Refused int
	// OldestPending is when the oldest request still waiting was made;
	// zero when none waits.
	OldestPending time.Time
}

// Total counts the batch's requests.
func (b Batch) Total() int { return b.Pending + b.Approved + b.Refused }

// OversightStore is what the oversight's pages and decisions need beyond
// Store.
type OversightStore interface {
	Store
	// BlockingBatches summarises every week holding requests, newest first.
	BlockingBatches(ctx context.Context) ([]Batch, error)
	// ReviewBlockingRequests sets the pending requests among ids approved
	// or refused in one transaction and returns those it changed (in
	// audit.Outcome.IDs too); requests not pending any more are left as
	// they are.
	ReviewBlockingRequests(ctx context.Context, ids []string, state, by, reason string, at time.Time) ([]string, error)
}

// MaxReasonLength bounds a review's reason.
const MaxReasonLength = 1000

// MaxBatchDecision bounds the requests one decision covers: a page's worth
// and more, in one transaction.
const MaxBatchDecision = 500

// Service records the oversight's decisions, each with its audit entry in
// the decision's transaction.
type Service struct {
	Store OversightStore
	Now   func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// checkDecision validates a decision. A refusal must say why: it
// overrides the administration's request, and those who made it learn from
// the reason. An approval may be left without one: the request already
// carries its own (the notice, its deadline, the last check), and the
// qualified person works through thousands a week; the entry still names
// who approved and when.
func checkDecision(state, reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch state {
	case StateApproved, StateRefused:
	default:
		return "", problem.New("oversight.bad_decision")
	}
	if state == StateRefused && reason == "" {
		return "", problem.New("oversight.reason_required")
	}
	if utf8.RuneCountInString(reason) > MaxReasonLength {
		return "", problem.New("oversight.reason_too_long", MaxReasonLength)
	}
	return reason, nil
}

// action names a decision in the audit trail.
func action(state string) string {
	if state == StateApproved {
		return "blocking.approve"
	}
	return "blocking.refuse"
}

// Review approves or refuses one pending request. ErrReviewed when it was
// reviewed already (by someone else, or in another tab): the first
// decision stands.
func (s *Service) Review(ctx context.Context, id, state, reason, actor string) error {
	reason, err := checkDecision(state, reason)
	if err != nil {
		return err
	}
	r, err := s.Store.BlockingRequest(ctx, id)
	if err != nil {
		return err
	}
	if r.State != StatePending {
		return ErrReviewed
	}
	at := s.now()
	return audit.Within(ctx, audit.Entry{At: at, Actor: actor, Action: action(state), ObjectType: "blocking_request", ObjectID: id,
		Detail: entryDetail(r, reason, "")}, func(ctx context.Context) error {
		return s.Store.ReviewBlockingRequest(ctx, id, state, actor, reason, at)
	})
}

// ReviewMany applies one decision and one reason to several requests of
// a batch, in one transaction: one entry for the act and one per request
// decided, so that each request's trail shows its own decision. Requests
// reviewed already are left as they were; the ids decided are returned.
func (s *Service) ReviewMany(ctx context.Context, batch string, ids []string, state, reason, actor string) ([]string, error) {
	if len(ids) == 0 {
		return nil, problem.New("oversight.none_selected")
	}
	if len(ids) > MaxBatchDecision {
		return nil, problem.New("oversight.too_many", MaxBatchDecision)
	}
	reason, err := checkDecision(state, reason)
	if err != nil {
		return nil, err
	}
	// The entries name each request's URL: read them first, from the
	// batch, so that an id from another week is not decided from this one.
	byID := map[string]Request{}
	wanted := map[string]bool{}
	for _, id := range ids {
		wanted[id] = true
	}
	for offset := 0; len(byID) < len(wanted); offset += 500 {
		page, err := s.Store.BlockingRequests(ctx, Filter{Batch: batch, State: StatePending, Limit: 500, Offset: offset})
		if err != nil {
			return nil, err
		}
		for _, r := range page {
			if wanted[r.ID] {
				byID[r.ID] = r
			}
		}
		if len(page) < 500 {
			break
		}
	}
	pending := make([]string, 0, len(byID))
	seen := map[string]bool{}
	for _, id := range ids {
		if _, ok := byID[id]; ok && !seen[id] {
			seen[id] = true
			pending = append(pending, id)
		}
	}
	if len(pending) == 0 {
		return nil, ErrReviewed
	}
	at := s.now()
	var done []string
	err = audit.WithinEach(ctx, func(o audit.Outcome) []audit.Entry {
		out := make([]audit.Entry, 0, len(o.IDs)+1)
		out = append(out, audit.Entry{At: at, Actor: actor, Action: "blocking.review_batch", ObjectType: "blocking_batch", ObjectID: batch,
			Detail: fmt.Sprintf("%s (%d of %d selected): %s", state, len(o.IDs), len(ids), reason)})
		for _, id := range o.IDs {
			out = append(out, audit.Entry{At: at, Actor: actor, Action: action(state), ObjectType: "blocking_request", ObjectID: id,
				Detail: entryDetail(byID[id], reason, batch)})
		}
		return out
	}, func(ctx context.Context) error {
		var err error
		done, err = s.Store.ReviewBlockingRequests(ctx, pending, state, actor, reason, at)
		return err
	})
	if err != nil {
		return nil, err
	}
	return done, nil
}

// entryDetail says what was decided on: the URL (the object the feeds
// will carry) and the reason.
func entryDetail(r Request, reason, batch string) string {
	d := r.URL
	if batch != "" {
		d += " (batch decision " + batch + ")"
	}
	if reason != "" {
		d += ": " + reason
	}
	return d
}
