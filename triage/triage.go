// Package triage is the analysts' queue: unhandled reports, urgent first
// then oldest, taken one at a time and decided on, alone or in bulk.
package triage

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigie-platform/vigie/problem"
	"github.com/vigie-platform/vigie/taxonomy"
)

// State is where a report stands for the analysts.
type State string

const (
	StateNew          State = "new"
	StateAssigned     State = "assigned"
	StateInCase       State = "in_case"
	StateUnfounded    State = "unfounded"
	StateDuplicate    State = "duplicate"
	StateNotCompetent State = "not_competent"
)

// OpenStates are the states of the queue's default view.
var OpenStates = []State{StateNew, StateAssigned}

// States lists every state, for filters.
var States = []State{StateNew, StateAssigned, StateInCase, StateUnfounded, StateDuplicate, StateNotCompetent}

// Decisions are the states a bulk decision may set.
var Decisions = []State{StateUnfounded, StateDuplicate, StateNotCompetent}

// ParseState checks a state name; "" and "open" mean the open states.
func ParseState(s string) ([]State, error) {
	if s == "" || s == "open" {
		return OpenStates, nil
	}
	for _, st := range States {
		if string(st) == s {
			return []State{st}, nil
		}
	}
	return nil, problem.New("triage.unknown_state", s)
}

// Filter selects the queue's reports. Zero values mean "any".
type Filter struct {
	States     []State
	Category   string // exact code, or a prefix ending in "." (e.g. "fraud.")
	Channel    string
	Assignee   string // an e-mail, or "-" for nobody
	HasRelated *bool  // shares a linking identifier with another report
	From, To   time.Time
	After      Cursor
	Limit      int
	// OneItemPerWave shows a wave as its earliest member waiting in the
	// states asked for, the others hidden behind it (the analysts' queue);
	// without it, every report is listed (the demo's backlog, exports).
	OneItemPerWave bool
}

// Cursor is where a page ends: the queue's sort key of its last item
// (urgent first, then by deadline).
type Cursor struct {
	State  State  `json:"s"`
	Urgent bool   `json:"u"`
	DueAt  int64  `json:"d"`
	ID     string `json:"i"`
}

// IsZero tells the first page.
func (c Cursor) IsZero() bool { return c.ID == "" }

// Encode makes the cursor opaque for a URL.
func (c Cursor) Encode() string {
	if c.IsZero() {
		return ""
	}
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads a cursor from a URL.
func DecodeCursor(s string) (Cursor, error) {
	var c Cursor
	if s == "" {
		return c, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 512 || json.Unmarshal(b, &c) != nil || c.ID == "" {
		return Cursor{}, problem.New("triage.bad_cursor")
	}
	return c, nil
}

// Item is one line of the queue.
type Item struct {
	ID        string
	Receipt   string
	Category  string
	Channel   string
	Urgent    bool
	CreatedAt time.Time
	State     State
	Assignee  string
	CaseID    string
	// CaseNumber is the number of the report's case, if any (F-2026-…).
	CaseNumber string
	Excerpt    string // the start of the description, as text
	// DueAt is when the report should have been looked at (its category's
	// target time after it came).
	DueAt time.Time
	// WaveID is the report's wave (0: none) and WaveSize its members.
	WaveID   int64
	WaveSize int
}

// Overdue tells whether a waiting report has passed its deadline.
func (it Item) Overdue(now time.Time) bool {
	return (it.State == StateNew || it.State == StateAssigned) && !it.DueAt.IsZero() && now.After(it.DueAt)
}

// Key is the item's sort key.
func (it Item) Key() Cursor {
	return Cursor{State: it.State, Urgent: it.Urgent, DueAt: it.DueAt.UnixMicro(), ID: it.ID}
}

// Decision is an analyst's verdict on reports that lead nowhere.
type Decision struct {
	State       State
	Reason      string
	DuplicateOf string // for StateDuplicate: the report it repeats
}

// Check says what is wrong with a decision.
func (d Decision) Check() error {
	ok := false
	for _, s := range Decisions {
		ok = ok || s == d.State
	}
	if !ok {
		return problem.New("triage.unknown_decision", string(d.State))
	}
	if strings.TrimSpace(d.Reason) == "" {
		return problem.New("triage.reason_required")
	}
	if !utf8.ValidString(d.Reason) || utf8.RuneCountInString(d.Reason) > 1000 {
		return problem.New("triage.reason_invalid")
	}
	if d.State == StateDuplicate && strings.TrimSpace(d.DuplicateOf) == "" {
		return problem.New("triage.duplicate_needs_target")
	}
	return nil
}

// ErrNothingToTake means the queue has no unassigned report.
var ErrNothingToTake = errors.New("no report waiting")

// Store runs the queue. Every change is recorded in the report's history
// and keeps the reporter-facing status in step.
type Store interface {
	Queue(ctx context.Context, f Filter) ([]Item, error)
	// TakeNext assigns the first new report of the queue to assignee; two
	// analysts never get the same report.
	TakeNext(ctx context.Context, assignee string, at time.Time) (Item, error)
	Assign(ctx context.Context, reportIDs []string, assignee, actor string, at time.Time) (int, error)
	// Decide applies a decision to open reports (not those in a case) and
	// returns how many changed.
	Decide(ctx context.Context, reportIDs []string, d Decision, actor string, at time.Time) (int, error)
	ReportEvents(ctx context.Context, reportID string) ([]Event, error)
	TriageOf(ctx context.Context, reportID string) (Item, error)
	// TriageItems reads the items of the reports named, in no set order;
	// unknown ids are left out.
	TriageItems(ctx context.Context, reportIDs []string) ([]Item, error)
	// QueueSummary counts what waits for a decision, and what of it is
	// past its deadline at now.
	QueueSummary(ctx context.Context, now time.Time) (Summary, error)
	// Waiting reads every report that waits for a decision, for the
	// supervisors' overview.
	Waiting(ctx context.Context) ([]Waiting, error)
	// Retarget recomputes the deadlines of waiting reports from the
	// categories' target times and says how many moved.
	Retarget(ctx context.Context, targets []taxonomy.Target) (int64, error)
}

// Summary is the queue at a glance: what waits (new or assigned), how
// much of it is urgent, and since when the oldest waits.
type Summary struct {
	Open, Urgent int64
	Overdue      int64     // waiting past their deadline
	Oldest       time.Time // zero when nothing waits
}

// Event is one line of a report's history.
type Event struct {
	At     time.Time
	Actor  string
	Kind   string
	Detail string
}
