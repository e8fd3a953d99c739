// Package alert watches for a scam that spreads: an identifier whose
// reports in the last hour pass a multiple of its hourly baseline over the
// week before raises an alert, shown to the analysts and sent to the
// on-call service.
package alert

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/indicator"
)

// Kinds of alert: an identifier (an IBAN, a phone, a domain…) or a wave
// (one scam template, package wave) that spreads.
const (
	KindIdentifier = "identifier"
	KindWave       = "wave"
)

// Alert is one raised alert.
type Alert struct {
	ID      int64
	Kind    string
	Subject string // what the alert is about, as a key: "iban:FR76…"
	Label   string // the same, as people read it
	// LastHour is the count that crossed the threshold; Baseline the
	// mean count per window over the baseline period.
	LastHour int
	Baseline float64
	// TriggerAt is when the report that crossed the threshold came;
	// RaisedAt when the alert was raised (their gap is the alert's delay).
	TriggerAt, RaisedAt time.Time
	ClosedAt            time.Time
	ClosedBy            string
	NotifiedAt          time.Time
	NoticeError         string
}

// Spread is an identifier's or a wave's recent count against its past.
type Spread struct {
	Type  indicator.Type
	Value string
	// Wave is the wave's number when the spread is a wave's (Type and
	// Value are then empty).
	Wave int64
	// Recent counts its reports in the window; Past those of the
	// baseline period before the window.
	Recent, Past int
	// Latest is when the newest of the recent reports came.
	Latest time.Time
}

// Rule says when a spread raises an alert.
type Rule struct {
	Window   time.Duration // the recent period (an hour)
	Baseline time.Duration // the period before it that sets the baseline (7 days)
	Factor   float64       // how many times the baseline per window (3)
	MinCount int           // and at least this many reports in the window
	// Quiet is how long an alert, once raised (and even closed), is not
	// raised again for the same subject: a closed alert on a campaign that
	// goes on must not come back a minute later.
	Quiet time.Duration
}

// DefaultRule is the rule of the domain: three times the hourly baseline
// over seven days, and at least ten reports in the hour (below that, a
// new identifier named by a handful of victims is the queue's daily
// business, not an alert).
var DefaultRule = Rule{Window: time.Hour, Baseline: 7 * 24 * time.Hour, Factor: 3, MinCount: 10, Quiet: 24 * time.Hour}

// Check says what is wrong with a rule.
func (r Rule) Check() error {
	switch {
	case r.Window <= 0 || r.Baseline < r.Window:
		return fmt.Errorf("alert rule: window %s and baseline %s: the baseline must be at least the window", r.Window, r.Baseline)
	case r.Factor < 1:
		return fmt.Errorf("alert rule: factor %g must be at least 1", r.Factor)
	case r.MinCount < 2:
		return fmt.Errorf("alert rule: minimum count %d must be at least 2", r.MinCount)
	}
	return nil
}

// PerWindow is a spread's mean count per window over the baseline period.
func (r Rule) PerWindow(s Spread) float64 {
	return float64(s.Past) * float64(r.Window) / float64(r.Baseline)
}

// Fires tells whether a spread raises an alert.
func (r Rule) Fires(s Spread) bool {
	return s.Recent >= r.MinCount && float64(s.Recent) > r.Factor*r.PerWindow(s)
}

// Store keeps the alerts and counts what spreads.
type Store interface {
	// SpreadingIdentifiers counts, for each identifier (not on the
	// warning list) named by at least min reports since from, its reports
	// since from and those between past and from.
	SpreadingIdentifiers(ctx context.Context, past, from time.Time, min int) ([]Spread, error)
	// SpreadingWaves does the same for waves: their members since from,
	// and between past and from.
	SpreadingWaves(ctx context.Context, past, from time.Time, min int) ([]Spread, error)
	// RaiseAlert stores a, unless an alert of the same kind and subject is
	// open or was raised since quiet; it says whether a was stored.
	RaiseAlert(ctx context.Context, a Alert, quiet time.Time) (bool, error)
	// OpenAlerts lists the open alerts, newest first.
	OpenAlerts(ctx context.Context, limit int) ([]Alert, error)
	CountOpenAlerts(ctx context.Context) (int, error)
	// CloseAlert closes an open alert; ErrNotFound when there is none.
	CloseAlert(ctx context.Context, id int64, actor string, at time.Time) error
	// ClaimAlertNotices takes up to limit alerts whose on-call notice is
	// not sent, hiding them from other instances until now+lease.
	ClaimAlertNotices(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]Alert, error)
	// AlertNoticed records a notice sent, or the error of a failed try
	// (sent false: the claim runs out and another try comes).
	AlertNoticed(ctx context.Context, id int64, at time.Time, sent bool, failure string) error
}

// ErrNotFound means no such open alert.
var ErrNotFound = errors.New("no such open alert")

// Notifier tells the on-call service of an alert.
type Notifier interface {
	Notify(ctx context.Context, a Alert) error
}

// Detector raises alerts and sends their notices.
type Detector struct {
	Store    Store
	Rule     Rule
	Notifier Notifier // nil: alerts are only shown in the workspace
	Logger   *slog.Logger
	Now      func() time.Time
}

func (d *Detector) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// RunOnce looks for spreads and raises their alerts, then sends the
// notices due; it returns how many alerts it raised.
func (d *Detector) RunOnce(ctx context.Context) (int, error) {
	now := d.now()
	from := now.Add(-d.Rule.Window)
	spreads, err := d.Store.SpreadingIdentifiers(ctx, from.Add(-d.Rule.Baseline), from, d.Rule.MinCount)
	if err != nil {
		return 0, fmt.Errorf("alerts: %w", err)
	}
	waves, err := d.Store.SpreadingWaves(ctx, from.Add(-d.Rule.Baseline), from, d.Rule.MinCount)
	if err != nil {
		return 0, fmt.Errorf("alerts: %w", err)
	}
	raised := 0
	for _, s := range append(spreads, waves...) {
		if !d.Rule.Fires(s) {
			continue
		}
		a := Alert{Kind: KindIdentifier, Subject: string(s.Type) + ":" + s.Value, Label: s.Value,
			LastHour: s.Recent, Baseline: d.Rule.PerWindow(s), TriggerAt: s.Latest, RaisedAt: now}
		if s.Wave != 0 {
			a.Kind, a.Subject, a.Label = KindWave, fmt.Sprintf("wave:%d", s.Wave), fmt.Sprint(s.Wave)
		}
		ok, err := d.Store.RaiseAlert(ctx, a, now.Add(-d.Rule.Quiet))
		if err != nil {
			return raised, fmt.Errorf("alerts: raise %s: %w", a.Subject, err)
		}
		if ok {
			raised++
			if d.Logger != nil {
				d.Logger.Warn("alert raised", "subject", a.Subject, "last_hour", a.LastHour, "baseline", a.Baseline, "delay", now.Sub(a.TriggerAt).String())
			}
		}
	}
	if d.Notifier != nil {
		if err := d.notify(ctx, now); err != nil {
			return raised, err
		}
	}
	return raised, nil
}

func (d *Detector) notify(ctx context.Context, now time.Time) error {
	due, err := d.Store.ClaimAlertNotices(ctx, now, time.Minute, 20)
	if err != nil {
		return fmt.Errorf("alerts: claim notices: %w", err)
	}
	for _, a := range due {
		nerr := d.Notifier.Notify(ctx, a)
		failure := ""
		if nerr != nil {
			failure = nerr.Error()
			if d.Logger != nil {
				d.Logger.Warn("alert notice failed, tried again later", "alert", a.ID, "err", nerr)
			}
		}
		if err := d.Store.AlertNoticed(ctx, a.ID, d.now(), nerr == nil, failure); err != nil {
			return fmt.Errorf("alerts: record notice: %w", err)
		}
	}
	return nil
}

// Run calls RunOnce every interval until ctx ends.
func (d *Detector) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := d.RunOnce(ctx); err != nil && d.Logger != nil && ctx.Err() == nil {
			d.Logger.Error("alert detection", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Service is what people do with alerts: closing one is audited.
type Service struct {
	Store Store
	Now   func() time.Time
}

// Close closes an open alert in the name of actor.
func (s *Service) Close(ctx context.Context, id int64, actor string) error {
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	e := audit.Entry{At: now, Actor: actor, Action: "alert.close", ObjectType: "alert", ObjectID: fmt.Sprint(id), Source: audit.SourceFrom(ctx)}
	return audit.Within(ctx, e, func(ctx context.Context) error {
		return s.Store.CloseAlert(ctx, id, actor, now)
	})
}
