package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/alert"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/taxonomy"
	"github.com/vigie-platform/vigie/wave"
)

// flakyNotifier fails its first call, then records what it sends.
type flakyNotifier struct {
	calls int
	sent  []alert.Alert
}

func (n *flakyNotifier) Notify(_ context.Context, a alert.Alert) error {
	n.calls++
	if n.calls == 1 {
		return errors.New("on-call receiver down")
	}
	n.sent = append(n.sent, a)
	return nil
}

// testAlerts: an IBAN named by twelve reports in the hour, against three
// in the week before, raises one alert (not two, and not again once
// closed); a webmail domain in the same reports (warning list) raises
// none; the on-call notice is retried until it goes, and sent once.
func testAlerts(t *testing.T, s Store) {
	now := time.Now().Truncate(time.Microsecond)
	at := func(ago time.Duration) *report.Intake {
		return report.NewIntake(s, s, taxonomy.Default(), []byte("conformance-key"), func() time.Time { return now.Add(-ago) })
	}
	submit := func(in *report.Intake, desc string) {
		t.Helper()
		if _, err := in.Submit(ctx, report.Submission{Category: "fraud.scam", Description: desc, Anonymous: true, Channel: report.ChannelAPI, TokenName: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		submit(at(time.Duration(2+i)*24*time.Hour), fmt.Sprintf("ancien n°%d, IBAN FR7630006000011234567890189, contact escroc%d@gmail.com", i, i))
	}
	for i := range 12 {
		submit(at(time.Duration(i)*time.Minute), fmt.Sprintf("récent n°%d, IBAN FR76 3000 6000 0112 3456 7890 189, écrire à escroc%d@gmail.com", i, i))
	}
	submit(at(8*24*time.Hour), "hors de la période de référence, IBAN FR7630006000011234567890189")
	linkAll(t, s, correlate.NewLinker(s, correlate.DefaultWarningList(), indicator.DefaultOptions, nil))

	from := now.Add(-time.Hour)
	spreads, err := s.SpreadingIdentifiers(ctx, from.Add(-7*24*time.Hour), from, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(spreads) != 1 || spreads[0].Type != indicator.IBAN || spreads[0].Recent != 12 || spreads[0].Past != 3 || !spreads[0].Latest.Equal(now) {
		t.Fatalf("spreads %+v, want the IBAN alone: 12 in the hour, 3 in the week before, the latest now", spreads)
	}

	clock := now
	notifier := &flakyNotifier{}
	d := &alert.Detector{Store: s, Rule: alert.DefaultRule, Notifier: notifier, Now: func() time.Time { return clock }}
	if n, err := d.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("first detection raised %d (%v), want 1", n, err)
	}
	if n, err := d.RunOnce(ctx); err != nil || n != 0 {
		t.Errorf("second detection raised %d (%v), want 0: the alert is open", n, err)
	}
	open, err := s.OpenAlerts(ctx, 10)
	if err != nil || len(open) != 1 {
		t.Fatalf("open alerts %+v (%v)", open, err)
	}
	a := open[0]
	if a.LastHour != 12 || a.Label != "FR7630006000011234567890189" || a.Baseline < 0.017 || a.Baseline > 0.019 || !a.TriggerAt.Equal(now) {
		t.Errorf("alert %+v: want 12 in the hour, a baseline of 3/168 per hour, triggered by the newest report", a)
	}
	if a.NoticeError == "" || !a.NotifiedAt.IsZero() || len(notifier.sent) != 0 {
		t.Errorf("after a failed notice: error %q, notified %v, sent %d", a.NoticeError, a.NotifiedAt, len(notifier.sent))
	}
	// The claim runs out; the next detection sends the notice, once.
	clock = clock.Add(2 * time.Minute)
	for range 2 {
		if _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if len(notifier.sent) != 1 || notifier.sent[0].ID != a.ID {
		t.Fatalf("notices sent %+v, want the alert once", notifier.sent)
	}
	if n, err := s.CountOpenAlerts(ctx); err != nil || n != 1 {
		t.Errorf("open count %d (%v)", n, err)
	}
	svc := &alert.Service{Store: s, Now: func() time.Time { return clock }}
	if err := svc.Close(ctx, a.ID, "ana"); err != nil {
		t.Fatal(err)
	}
	if err := svc.Close(ctx, a.ID, "ana"); !errors.Is(err, alert.ErrNotFound) {
		t.Errorf("closing a closed alert: %v, want ErrNotFound", err)
	}
	if n, err := d.RunOnce(ctx); err != nil || n != 0 {
		t.Errorf("detection right after closing raised %d (%v), want 0 (quiet for a day)", n, err)
	}
	clock = clock.Add(25 * time.Hour)
	if _, err := s.RaiseAlert(ctx, alert.Alert{Kind: alert.KindIdentifier, Subject: a.Subject, Label: a.Label, LastHour: 20, TriggerAt: clock, RaisedAt: clock}, clock.Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, err := s.CountOpenAlerts(ctx); err != nil || n != 1 {
		t.Errorf("a day later the same subject may alert again: %d open (%v)", n, err)
	}
}

// testWaveAlerts: a scam template sent twelve times in the hour makes a
// wave, and the wave raises its own alert.
func testWaveAlerts(t *testing.T, s Store) {
	for i := range 12 {
		if _, err := newIntake(s).Submit(ctx, report.Submission{Category: "fraud.scam", Anonymous: true, Channel: report.ChannelAPI, TokenName: "t",
			Description: fmt.Sprintf("Bonjour client %d, votre colis est bloqué : réglez les frais sur https://colis-relais.example/suivi", i)}); err != nil {
			t.Fatal(err)
		}
	}
	list := correlate.DefaultWarningList()
	linkAll(t, s, correlate.NewLinker(s, list, indicator.DefaultOptions, nil))
	if _, err := wave.NewAssigner(s, list, indicator.DefaultOptions).Drain(ctx, 100); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	waves, err := s.SpreadingWaves(ctx, now.Add(-8*24*time.Hour), now.Add(-time.Hour), 10)
	if err != nil || len(waves) != 1 || waves[0].Recent != 12 || waves[0].Past != 0 || waves[0].Wave == 0 {
		t.Fatalf("spreading waves %+v (%v), want one of 12", waves, err)
	}
	d := &alert.Detector{Store: s, Rule: alert.DefaultRule}
	if _, err := d.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	open, err := s.OpenAlerts(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range open {
		if a.Kind == alert.KindWave && a.Subject == fmt.Sprintf("wave:%d", waves[0].Wave) && a.LastHour == 12 {
			found = true
		}
	}
	if !found {
		t.Errorf("no wave alert among %+v", open)
	}
}
