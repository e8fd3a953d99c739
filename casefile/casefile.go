// Package casefile is the analysts' case (the articles' "fiche"): reports
// grouped, qualified, referred to a service and closed with an outcome.
package casefile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/problem"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/taxonomy"
)

// Status is where a case stands.
type Status string

const (
	StatusOpen      Status = "open"
	StatusQualified Status = "qualified"
	StatusReferred  Status = "referred"
	StatusClosed    Status = "closed"
)

// Priorities a case may have.
var Priorities = []string{"low", "normal", "high", "critical"}

// Outcomes a closed case may have.
var Outcomes = []string{"action-taken", "content-removed", "no-offence", "insufficient-evidence", "referred-elsewhere", "merged"}

// Case is a group of reports about one matter.
type Case struct {
	ID         string
	Number     string // F-2026-000123: what people say, type and search for
	Title      string
	Status     Status
	Category   string
	LegalRefs  []string
	Summary    string
	Priority   string
	Outcome    string
	MergedInto string
	CreatedBy  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	ReportIDs  []string
	Referrals  []Referral
	// Facts the analyst sets for routing.
	VictimDepartement string
	ReporterCountry   string
}

// ReferralStatus is where a referral stands at its recipient.
type ReferralStatus string

const (
	ReferralPending      ReferralStatus = "pending"   // waiting for delivery (webhook, e-mail, file)
	ReferralDelivered    ReferralStatus = "delivered" // in the recipient's hands (or its Vigie inbox)
	ReferralAcknowledged ReferralStatus = "acknowledged"
	ReferralOutcome      ReferralStatus = "outcome" // the recipient reported what it did
)

// Referral records that a case was sent to a destination, and what
// became of it there.
type Referral struct {
	CaseID         string // the case referred (filled when read in a list)
	Destination    string
	At             time.Time
	Actor          string
	Status         ReferralStatus
	Rule           string // the routing rule that proposed it, "" if chosen by hand
	Reason         string
	Overridden     bool // the analyst departed from the proposal
	DueAt          time.Time
	AcknowledgedAt time.Time
	Outcome        string
	OutcomeAt      time.Time
	// Delivery, when set, is queued with the referral (webhook or file).
	Delivery *QueuedDelivery
}

// QueuedDelivery is a message to send to a destination outside Vigie.
type QueuedDelivery struct {
	ID      string
	Channel string
	Target  string
	Payload []byte
}

// Overdue tells a referral not acknowledged in time.
func (r Referral) Overdue(now time.Time) bool {
	return (r.Status == ReferralPending || r.Status == ReferralDelivered) && !r.DueAt.IsZero() && now.After(r.DueAt)
}

// Event is one line of a case's or report's history.
type Event struct {
	At     time.Time
	Actor  string
	Kind   string
	Detail string
}

// Filter selects cases for a list.
type Filter struct {
	Status      Status
	Destination string   // only cases referred to it
	IDs         []string // only these cases (a search's results)
	Limit       int
}

// Errors.
var (
	ErrNotFound     = errors.New("case not found")
	ErrReportInCase = errors.New("report already belongs to a case")
	ErrClosed       = errors.New("case is closed")
)

// Store keeps cases. Changes that touch reports update their status for
// the reporter's follow-up page in the same transaction.
type Store interface {
	// CreateCase stores c with its reports; fails with ErrReportInCase
	// when one already belongs to an open case.
	CreateCase(ctx context.Context, c Case) error
	CaseByID(ctx context.Context, id string) (Case, error)
	// CaseIDByNumber finds a case by its number (ErrNotFound).
	CaseIDByNumber(ctx context.Context, number string) (string, error)
	ListCases(ctx context.Context, f Filter) ([]Case, error)
	CaseEvents(ctx context.Context, id string) ([]Event, error)
	AddReportsToCase(ctx context.Context, id string, reportIDs []string, actor string) error
	RemoveReportFromCase(ctx context.Context, id, reportID, actor string) error
	// SplitCase creates c with reports taken from the case from, in one
	// change: ErrNotFound when one of them is no longer in from.
	SplitCase(ctx context.Context, from string, c Case) error
	// MergeCases moves every report of from into into and closes from.
	MergeCases(ctx context.Context, into, from, actor string) error
	// UpdateCase writes the case's qualification, status and outcome and
	// records ev in its history.
	UpdateCase(ctx context.Context, c Case, ev Event) error
	AddCaseEvent(ctx context.Context, id string, ev Event) error
	// ReferCase records a referral (once per destination).
	// ReferCase records referrals (once per destination) and, with ev,
	// the case's new status, in one change.
	ReferCase(ctx context.Context, c Case, refs []Referral, ev *Event) error
	// UpdateReferral records the recipient's acknowledgement or outcome.
	UpdateReferral(ctx context.Context, id string, ref Referral, ev Event) error
	// AppendAudit records a read before its data is returned; changes
	// are recorded in their own transaction instead (audit.Within).
	AppendAudit(ctx context.Context, e audit.Entry) (audit.Entry, error)
	// LateReferrals counts, per destination, the referrals still waiting
	// for their acknowledgement after its deadline at now.
	LateReferrals(ctx context.Context, now time.Time) (map[string]int, error)
}

// ReporterStatus is what a reporter sees of a case: no internal detail.
func ReporterStatus(s Status) report.Status {
	switch s {
	case StatusReferred:
		return report.StatusReferred
	case StatusClosed:
		return report.StatusClosed
	default:
		return report.StatusAnalysing
	}
}

// Service checks changes to cases before storing them.
type Service struct {
	store    Store
	taxonomy *taxonomy.Taxonomy
	now      func() time.Time
}

// NewService builds the case logic.
func NewService(store Store, tax *taxonomy.Taxonomy, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, taxonomy: tax, now: now}
}

const (
	maxTitle   = 200
	maxSummary = 10000
	maxNote    = 10000
	maxReason  = 1000
)

func checkText(field, s string, max int, required bool) error {
	if !utf8.ValidString(s) {
		return problem.New("text.invalid_utf8", problem.Field(field))
	}
	if required && strings.TrimSpace(s) == "" {
		return problem.New("text.required", problem.Field(field))
	}
	if n := utf8.RuneCountInString(s); n > max {
		return problem.New("text.too_long", problem.Field(field), n, max)
	}
	return nil
}

// record runs change with its audit entry, written in the change's own
// transaction: a trail that cannot take the entry fails the change.
func (s *Service) record(ctx context.Context, actor, action, caseID, detail string, change func(ctx context.Context) error) error {
	return audit.Within(ctx, audit.Entry{At: s.now(), Actor: actor, Action: action, ObjectType: "case", ObjectID: caseID, Detail: detail}, change)
}

// Create opens a case on one or more reports.
func (s *Service) Create(ctx context.Context, title string, reportIDs []string, actor string) (Case, error) {
	title = strings.TrimSpace(title)
	if err := checkText("title", title, maxTitle, true); err != nil {
		return Case{}, err
	}
	if len(reportIDs) == 0 {
		return Case{}, problem.New("case.no_reports")
	}
	c, err := s.newCase(title, reportIDs, actor)
	if err != nil {
		return Case{}, err
	}
	err = s.record(ctx, actor, "case.create", c.ID, strings.Join(c.ReportIDs, " "), func(ctx context.Context) error {
		return s.store.CreateCase(ctx, c)
	})
	if err != nil {
		return Case{}, err
	}
	return c, nil
}

func (s *Service) newCase(title string, reportIDs []string, actor string) (Case, error) {
	now := s.now().UTC()
	id, err := uuid.NewV7()
	if err != nil {
		return Case{}, err
	}
	return Case{ID: id.String(), Title: title, Status: StatusOpen, Priority: "normal", CreatedBy: actor,
		CreatedAt: now, UpdatedAt: now, ReportIDs: dedupe(reportIDs), LegalRefs: []string{}}, nil
}

func dedupe(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// Qualify sets category, legal references, summary and priority. The
// legal references must be among the category's in the taxonomy.
func (s *Service) Qualify(ctx context.Context, id, category string, legal []string, summary, priority, actor string) (Case, error) {
	c, err := s.store.CaseByID(ctx, id)
	if err != nil {
		return Case{}, err
	}
	if c.Status == StatusClosed {
		return c, ErrClosed
	}
	cat, ok := s.taxonomy.Lookup(category)
	if !ok {
		return c, problem.New("case.unknown_category", category)
	}
	for _, l := range legal {
		if !slices.Contains(cat.Legal, l) {
			return c, problem.New("case.legal_not_in_category", l, strings.Join(cat.Legal, "; "))
		}
	}
	if len(legal) == 0 && len(cat.Legal) > 0 {
		return c, problem.New("case.legal_required")
	}
	if err := checkText("summary", summary, maxSummary, true); err != nil {
		return c, err
	}
	if !slices.Contains(Priorities, priority) {
		return c, problem.New("case.unknown_priority", priority)
	}
	c.Category, c.LegalRefs, c.Summary, c.Priority = category, dedupe(legal), strings.TrimSpace(summary), priority
	if c.Status == StatusOpen {
		c.Status = StatusQualified
	}
	c.UpdatedAt = s.now().UTC()
	ev := Event{At: c.UpdatedAt, Actor: actor, Kind: "qualified", Detail: fmt.Sprintf("%s; %s; %s", category, strings.Join(c.LegalRefs, ", "), priority)}
	return c, s.record(ctx, actor, "case.qualify", id, category, func(ctx context.Context) error {
		return s.store.UpdateCase(ctx, c, ev)
	})
}

// Referral is one destination chosen for a case, with why.
type ReferralChoice struct {
	Destination string
	Rule        string // the rule that proposed it, if any
	Reason      string
	AckWithin   time.Duration
	Delivered   bool // the channel delivers at once (the Vigie inbox)
	// Channel and Target, for webhook and file destinations: a delivery
	// is queued with the referral.
	Channel string
	Target  string
}

// referralMessage is what a webhook or file delivery carries: the case's
// qualification, never the reporters' identities.
type referralMessage struct {
	Type        string    `json:"type"`
	Timestamp   time.Time `json:"timestamp"`
	Destination string    `json:"destination"`
	Rule        string    `json:"rule,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	DueAt       time.Time `json:"acknowledge_by"`
	Case        struct {
		ID        string   `json:"id"`
		Title     string   `json:"title"`
		Category  string   `json:"category"`
		LegalRefs []string `json:"legal_references"`
		Summary   string   `json:"summary"`
		Priority  string   `json:"priority"`
		Reports   int      `json:"reports"`
	} `json:"case"`
}

// Refer sends a qualified case to destinations. When the choice departs
// from the routing proposal (a destination added or one left out), a
// reason from the analyst is required and recorded.
func (s *Service) Refer(ctx context.Context, id string, chosen []ReferralChoice, proposed []string, overrideReason, actor string) (Case, error) {
	c, err := s.store.CaseByID(ctx, id)
	if err != nil {
		return Case{}, err
	}
	if c.Status != StatusQualified && c.Status != StatusReferred {
		return c, problem.New("case.not_qualified")
	}
	if len(chosen) == 0 {
		return c, problem.New("case.no_destination")
	}
	var codes []string
	for _, ch := range chosen {
		codes = append(codes, ch.Destination)
	}
	overridden := !sameSet(codes, proposed)
	overrideReason = strings.TrimSpace(overrideReason)
	if overridden && overrideReason == "" {
		return c, problem.New("case.override_needs_reason", strings.Join(proposed, ", "))
	}
	if err := checkText("reason", overrideReason, maxReason, false); err != nil {
		return c, err
	}
	detail := "to " + strings.Join(codes, ",") + "; proposed " + strings.Join(proposed, ",")
	err = s.record(ctx, actor, "case.refer", id, detail, func(ctx context.Context) error {
		return s.refer(ctx, c, chosen, overridden, overrideReason, actor)
	})
	if err != nil {
		return c, err
	}
	return s.store.CaseByID(ctx, id)
}

// refer stores the referrals of a checked choice and the case's new
// status in one change, which carries the audit entry.
func (s *Service) refer(ctx context.Context, c Case, chosen []ReferralChoice, overridden bool, overrideReason, actor string) error {
	now := s.now().UTC()
	var refs []Referral
	for _, ch := range chosen {
		ref := Referral{Destination: ch.Destination, At: now, Actor: actor, Status: ReferralPending, Rule: ch.Rule,
			Reason: ch.Reason, Overridden: overridden, DueAt: now.Add(ch.AckWithin)}
		if overridden {
			ref.Reason = strings.TrimSpace(overrideReason + " " + ch.Reason)
		}
		if ch.Delivered {
			ref.Status = ReferralDelivered
		}
		if ch.Channel == "webhook" || ch.Channel == "file" || ch.Channel == "email" {
			msgID, err := uuid.NewV7()
			if err != nil {
				return err
			}
			m := referralMessage{Type: "referral.created", Timestamp: now, Destination: ch.Destination, Rule: ch.Rule, Reason: ref.Reason, DueAt: ref.DueAt}
			m.Case.ID, m.Case.Title, m.Case.Category, m.Case.LegalRefs = c.ID, c.Title, c.Category, c.LegalRefs
			m.Case.Summary, m.Case.Priority, m.Case.Reports = c.Summary, c.Priority, len(c.ReportIDs)
			payload, err := json.Marshal(m)
			if err != nil {
				return err
			}
			ref.Delivery = &QueuedDelivery{ID: "msg_" + strings.ReplaceAll(msgID.String(), "-", ""), Channel: ch.Channel, Target: ch.Target, Payload: payload}
		}
		refs = append(refs, ref)
	}
	var status *Event
	if c.Status != StatusReferred {
		c.Status = StatusReferred
		c.UpdatedAt = now
		status = &Event{At: now, Actor: actor, Kind: "status", Detail: string(StatusReferred)}
	}
	return s.store.ReferCase(ctx, c, refs, status)
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}

// Acknowledge records that a destination took the case in hand.
func (s *Service) Acknowledge(ctx context.Context, id, destination, actor string) error {
	c, ref, err := s.referral(ctx, id, destination)
	if err != nil {
		return err
	}
	if ref.Status != ReferralPending && ref.Status != ReferralDelivered {
		return problem.New("case.already_acknowledged")
	}
	now := s.now().UTC()
	ref.Status, ref.AcknowledgedAt = ReferralAcknowledged, now
	return s.record(ctx, actor, "referral.acknowledge", c.ID, destination, func(ctx context.Context) error {
		return s.store.UpdateReferral(ctx, c.ID, ref, Event{At: now, Actor: actor, Kind: "acknowledged", Detail: destination})
	})
}

// MaxOutcome bounds what a destination writes back.
const MaxOutcome = 2000

// ReportOutcome records what the destination did with the case.
func (s *Service) ReportOutcome(ctx context.Context, id, destination, outcome, actor string) error {
	c, ref, err := s.referral(ctx, id, destination)
	if err != nil {
		return err
	}
	outcome = strings.TrimSpace(outcome)
	if err := checkText("outcome", outcome, MaxOutcome, true); err != nil {
		return err
	}
	now := s.now().UTC()
	if ref.AcknowledgedAt.IsZero() {
		ref.AcknowledgedAt = now
	}
	ref.Status, ref.Outcome, ref.OutcomeAt = ReferralOutcome, outcome, now
	return s.record(ctx, actor, "referral.outcome", c.ID, destination, func(ctx context.Context) error {
		return s.store.UpdateReferral(ctx, c.ID, ref, Event{At: now, Actor: actor, Kind: "outcome", Detail: destination + ": " + outcome})
	})
}

func (s *Service) referral(ctx context.Context, id, destination string) (Case, Referral, error) {
	c, err := s.store.CaseByID(ctx, id)
	if err != nil {
		return c, Referral{}, err
	}
	for _, r := range c.Referrals {
		if r.Destination == destination {
			return c, r, nil
		}
	}
	return c, Referral{}, ErrNotFound
}

// SetFacts records the routing facts only the analyst knows.
func (s *Service) SetFacts(ctx context.Context, id, departement, country, actor string, validDepartement func(string) bool) (Case, error) {
	c, err := s.store.CaseByID(ctx, id)
	if err != nil {
		return Case{}, err
	}
	departement = strings.ToUpper(strings.TrimSpace(departement))
	country = strings.ToUpper(strings.TrimSpace(country))
	if departement != "" && !validDepartement(departement) {
		return c, problem.New("case.unknown_departement", departement)
	}
	if country != "" && (len(country) != 2 || strings.Trim(country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "") {
		return c, problem.New("case.bad_country")
	}
	c.VictimDepartement, c.ReporterCountry, c.UpdatedAt = departement, country, s.now().UTC()
	return c, s.record(ctx, actor, "case.facts", id, departement+" "+country, func(ctx context.Context) error {
		return s.store.UpdateCase(ctx, c, Event{At: c.UpdatedAt, Actor: actor, Kind: "facts", Detail: strings.TrimSpace(departement + " " + country)})
	})
}

// Close ends a case with an outcome and a reason.
func (s *Service) Close(ctx context.Context, id, outcome, reason, actor string) (Case, error) {
	c, err := s.store.CaseByID(ctx, id)
	if err != nil {
		return Case{}, err
	}
	if c.Status == StatusClosed {
		return c, ErrClosed
	}
	if !slices.Contains(Outcomes, outcome) {
		return c, problem.New("case.unknown_outcome", outcome)
	}
	if err := checkText("reason", reason, maxReason, false); err != nil {
		return c, err
	}
	c.Status, c.Outcome, c.UpdatedAt = StatusClosed, outcome, s.now().UTC()
	return c, s.record(ctx, actor, "case.close", id, outcome, func(ctx context.Context) error {
		return s.store.UpdateCase(ctx, c, Event{At: c.UpdatedAt, Actor: actor, Kind: "closed", Detail: strings.TrimSpace(outcome + " " + reason)})
	})
}

// Reopen puts a closed case back to open, with a reason.
func (s *Service) Reopen(ctx context.Context, id, reason, actor string) (Case, error) {
	c, err := s.store.CaseByID(ctx, id)
	if err != nil {
		return Case{}, err
	}
	if c.Status != StatusClosed || c.MergedInto != "" {
		return c, problem.New("case.cannot_reopen")
	}
	if err := checkText("reason", reason, maxReason, true); err != nil {
		return c, err
	}
	c.Status, c.Outcome, c.UpdatedAt = StatusOpen, "", s.now().UTC()
	return c, s.record(ctx, actor, "case.reopen", id, "", func(ctx context.Context) error {
		return s.store.UpdateCase(ctx, c, Event{At: c.UpdatedAt, Actor: actor, Kind: "reopened", Detail: reason})
	})
}

// Note adds a note to the case's history.
func (s *Service) Note(ctx context.Context, id, text, actor string) error {
	if err := checkText("note", text, maxNote, true); err != nil {
		return err
	}
	if _, err := s.store.CaseByID(ctx, id); err != nil {
		return err
	}
	return s.record(ctx, actor, "case.note", id, "", func(ctx context.Context) error {
		return s.store.AddCaseEvent(ctx, id, Event{At: s.now().UTC(), Actor: actor, Kind: "note", Detail: strings.TrimSpace(text)})
	})
}

// AddReports puts reports into an open case.
func (s *Service) AddReports(ctx context.Context, id string, reportIDs []string, actor string) error {
	c, err := s.store.CaseByID(ctx, id)
	if err != nil {
		return err
	}
	if c.Status == StatusClosed {
		return ErrClosed
	}
	if len(reportIDs) == 0 {
		return problem.New("case.choose_reports")
	}
	reportIDs = dedupe(reportIDs)
	return s.record(ctx, actor, "case.add", id, strings.Join(reportIDs, " "), func(ctx context.Context) error {
		return s.store.AddReportsToCase(ctx, id, reportIDs, actor)
	})
}

// RemoveReport takes a report out of a case; a case keeps at least one.
func (s *Service) RemoveReport(ctx context.Context, id, reportID, actor string) error {
	c, err := s.store.CaseByID(ctx, id)
	if err != nil {
		return err
	}
	if c.Status == StatusClosed {
		return ErrClosed
	}
	if !slices.Contains(c.ReportIDs, reportID) {
		return problem.New("case.report_not_in_case", reportID)
	}
	if len(c.ReportIDs) == 1 {
		return problem.New("case.last_report")
	}
	return s.record(ctx, actor, "case.remove", id, reportID, func(ctx context.Context) error {
		return s.store.RemoveReportFromCase(ctx, id, reportID, actor)
	})
}

// Merge moves the reports of from into into and closes from as merged.
func (s *Service) Merge(ctx context.Context, into, from, actor string) error {
	if into == from {
		return problem.New("case.merge_into_itself")
	}
	for _, id := range []string{into, from} {
		c, err := s.store.CaseByID(ctx, id)
		if err != nil {
			return err
		}
		if c.Status == StatusClosed {
			return ErrClosed
		}
	}
	return s.record(ctx, actor, "case.merge", into, from, func(ctx context.Context) error {
		return s.store.MergeCases(ctx, into, from, actor)
	})
}

// Split moves some reports of a case into a new case.
func (s *Service) Split(ctx context.Context, id string, reportIDs []string, title, actor string) (Case, error) {
	c, err := s.store.CaseByID(ctx, id)
	if err != nil {
		return Case{}, err
	}
	if c.Status == StatusClosed {
		return Case{}, ErrClosed
	}
	reportIDs = dedupe(reportIDs)
	if len(reportIDs) == 0 || len(reportIDs) >= len(c.ReportIDs) {
		return Case{}, problem.New("case.split_some_not_all")
	}
	for _, r := range reportIDs {
		if !slices.Contains(c.ReportIDs, r) {
			return Case{}, problem.New("case.report_not_in_case", r)
		}
	}
	if err := checkText("title", title, maxTitle, true); err != nil {
		return Case{}, err
	}
	nc, err := s.newCase(strings.TrimSpace(title), reportIDs, actor)
	if err != nil {
		return Case{}, err
	}
	err = s.record(ctx, actor, "case.split", id, nc.ID, func(ctx context.Context) error {
		return s.store.SplitCase(ctx, id, nc)
	})
	if err != nil {
		return Case{}, err
	}
	return nc, nil
}

// Reader is who reads cases: staff, or a destination user, who sees only
// what was referred to their service.
type Reader struct {
	Actor string
	// Destination is the service of a destination user; "" for staff.
	Destination string
}

// View is what a reader may see of a case.
type View struct {
	Case    Case
	History []Event
	// Mine is a destination reader's own referral.
	Mine *Referral
}

// CaseFor returns what reader may see of case id, once the read is in the
// audit trail (no entry, no data). Staff see the whole case and its
// history. A destination sees a case only if it was referred to its
// service (any other answers ErrNotFound, and the attempt is recorded as
// access.denied); it then sees the case's qualification and reports, its
// own referral and that referral's events, and nothing of the analysts'
// work: no notes, no other destination's referral, reason or outcome, no
// staff author.
func (s *Service) CaseFor(ctx context.Context, id string, reader Reader) (View, error) {
	c, err := s.store.CaseByID(ctx, id)
	if err != nil {
		return View{}, err
	}
	entry := audit.Entry{At: s.now(), Actor: reader.Actor, Action: "case.view", ObjectType: "case", ObjectID: c.ID, Source: audit.SourceFrom(ctx)}
	var mine *Referral
	if reader.Destination != "" {
		for i := range c.Referrals {
			if c.Referrals[i].Destination == reader.Destination {
				mine = &c.Referrals[i]
			}
		}
		if mine == nil {
			entry.Action = "access.denied"
			if _, err := s.store.AppendAudit(ctx, entry); err != nil {
				return View{}, fmt.Errorf("%w: %w", audit.ErrUnwritten, err)
			}
			return View{}, ErrNotFound
		}
	}
	if _, err := s.store.AppendAudit(ctx, entry); err != nil {
		return View{}, fmt.Errorf("%w: %w", audit.ErrUnwritten, err)
	}
	history, err := s.store.CaseEvents(ctx, c.ID)
	if err != nil {
		return View{}, err
	}
	if mine == nil {
		return View{Case: c, History: history}, nil
	}
	own := *mine
	c.Referrals, c.CreatedBy = []Referral{own}, ""
	return View{Case: c, History: eventsOf(history, own.Destination), Mine: &own}, nil
}

// eventsOf keeps the history lines a destination wrote itself: its
// acknowledgement and its outcome.
func eventsOf(history []Event, destination string) []Event {
	var out []Event
	for _, ev := range history {
		if (ev.Kind == "acknowledged" && ev.Detail == destination) || (ev.Kind == "outcome" && strings.HasPrefix(ev.Detail, destination+": ")) {
			out = append(out, ev)
		}
	}
	return out
}

// Inbox lists the cases referred to a destination reader's service, each
// with that service's referral only.
func (s *Service) Inbox(ctx context.Context, reader Reader, limit int) ([]Case, error) {
	if reader.Destination == "" {
		return nil, ErrNotFound
	}
	cases, err := s.store.ListCases(ctx, Filter{Destination: reader.Destination, Limit: limit})
	if err != nil {
		return nil, err
	}
	for i := range cases {
		cases[i].Referrals = slices.DeleteFunc(cases[i].Referrals, func(r Referral) bool { return r.Destination != reader.Destination })
		cases[i].CreatedBy = ""
	}
	return cases, nil
}
