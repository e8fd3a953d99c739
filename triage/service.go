package triage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/problem"
	"github.com/vigie-platform/vigie/report"
)

// MaxBulk bounds the reports of one bulk action.
const MaxBulk = 500

// Users finds the analyst a report is assigned to.
type Users interface {
	UserByEmail(ctx context.Context, email string) (account.User, error)
}

// Service owns the analysts' decisions on reports: it checks them, and
// each one is recorded in the audit trail in the transaction that makes it.
type Service struct {
	store   Store
	reports report.Store
	users   Users
	now     func() time.Time
}

// NewService builds the triage logic.
func NewService(store Store, reports report.Store, users Users, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, reports: reports, users: users, now: now}
}

// TakeNext assigns the first waiting report to actor.
func (s *Service) TakeNext(ctx context.Context, actor string) (Item, error) {
	var it Item
	at := s.now()
	err := audit.WithinOutcome(ctx, func(o audit.Outcome) audit.Entry {
		return audit.Entry{At: at, Actor: actor, Action: "report.take", ObjectType: "report", ObjectID: o.ObjectID}
	}, func(ctx context.Context) error {
		var err error
		it, err = s.store.TakeNext(ctx, actor, at)
		return err
	})
	return it, err
}

func checkBulk(ids []string) error {
	if len(ids) == 0 {
		return problem.New("case.choose_reports")
	}
	if len(ids) > MaxBulk {
		return problem.New("triage.too_many")
	}
	return nil
}

// Decide applies a decision to open reports (those in a case are left as
// they are) and returns how many changed.
func (s *Service) Decide(ctx context.Context, ids []string, d Decision, actor string) (int, error) {
	if err := checkBulk(ids); err != nil {
		return 0, err
	}
	if err := d.Check(); err != nil {
		return 0, err
	}
	if d.DuplicateOf != "" {
		if _, err := s.reports.ReportByID(ctx, d.DuplicateOf); err != nil {
			return 0, problem.New("case.duplicate_target_unknown")
		}
	}
	var n int
	at := s.now()
	err := audit.WithinOutcome(ctx, func(o audit.Outcome) audit.Entry {
		return audit.Entry{At: at, Actor: actor, Action: "report.decide", ObjectType: "report", ObjectID: strings.Join(ids, " "),
			Detail: fmt.Sprintf("%s (%d changed): %s", d.State, o.Changed, d.Reason)}
	}, func(ctx context.Context) error {
		var err error
		n, err = s.store.Decide(ctx, ids, d, actor, at)
		return err
	})
	return n, err
}

// MaxWave bounds the reports one decision on a wave decides: a wave's
// members are decided in one transaction, with an audit entry each.
const MaxWave = 50000

// DecideWave applies one decision to the open members of a wave (ids,
// read by the caller from the wave; those in a case or already decided are
// left as they are). It records one entry for the act on the wave and one
// per report it decided, in the transaction that decides them: each
// report's trail shows its own decision, as if it had been taken alone.
func (s *Service) DecideWave(ctx context.Context, wave int64, ids []string, d Decision, actor string) (int, error) {
	if len(ids) == 0 {
		return 0, problem.New("wave.nothing_open")
	}
	if len(ids) > MaxWave {
		return 0, problem.New("wave.too_many")
	}
	if err := d.Check(); err != nil {
		return 0, err
	}
	if d.DuplicateOf != "" {
		if _, err := s.reports.ReportByID(ctx, d.DuplicateOf); err != nil {
			return 0, problem.New("case.duplicate_target_unknown")
		}
	}
	var n int
	at := s.now()
	err := audit.WithinEach(ctx, func(o audit.Outcome) []audit.Entry {
		out := make([]audit.Entry, 0, len(o.IDs)+1)
		out = append(out, audit.Entry{At: at, Actor: actor, Action: "wave.decide", ObjectType: "wave", ObjectID: fmt.Sprint(wave),
			Detail: fmt.Sprintf("%s (%d changed): %s", d.State, o.Changed, d.Reason)})
		for _, id := range o.IDs {
			out = append(out, audit.Entry{At: at, Actor: actor, Action: "report.decide", ObjectType: "report", ObjectID: id,
				Detail: fmt.Sprintf("%s (wave %d): %s", d.State, wave, d.Reason)})
		}
		return out
	}, func(ctx context.Context) error {
		var err error
		n, err = s.store.Decide(ctx, ids, d, actor, at)
		return err
	})
	return n, err
}

// Assign gives reports to an active analyst or supervisor ("" takes them
// back to nobody) and returns how many changed.
func (s *Service) Assign(ctx context.Context, ids []string, to, actor string) (int, error) {
	if err := checkBulk(ids); err != nil {
		return 0, err
	}
	to = strings.TrimSpace(to)
	if to != "" {
		email, err := account.NormaliseEmail(to)
		if err != nil {
			return 0, problem.New("account.invalid_email", to)
		}
		target, err := s.users.UserByEmail(ctx, email)
		if err != nil || target.Disabled || (target.Role != account.RoleAnalyst && target.Role != account.RoleSupervisor) {
			return 0, problem.New("triage.bad_assignee")
		}
		to = email
	}
	var n int
	at := s.now()
	err := audit.Within(ctx, audit.Entry{At: at, Actor: actor, Action: "report.assign", ObjectType: "report", ObjectID: strings.Join(ids, " "), Detail: to},
		func(ctx context.Context) error {
			var err error
			n, err = s.store.Assign(ctx, ids, to, actor, at)
			return err
		})
	return n, err
}
