package storetest

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/account"
	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/triage"
	"github.com/vigie-platform/vigie/wave"
)

// A templated parcel scam: each copy names its victim and carries its own
// tracking link.
func parcelScam(name, link string) string {
	return "Bonjour " + name + ", votre colis n'a pas pu être livré faute d'affranchissement. Réglez 1,99 € de frais sur " +
		link + " avant demain, sinon il sera renvoyé à l'expéditeur."
}

// linkAndWave links every report and places them in waves.
func linkAndWave(t *testing.T, s Store) {
	t.Helper()
	linkAll(t, s, correlate.NewLinker(s, correlate.DefaultWarningList(), indicator.DefaultOptions, nil))
	if _, err := wave.NewAssigner(s, correlate.DefaultWarningList(), indicator.DefaultOptions).Drain(ctx, 100); err != nil {
		t.Fatal(err)
	}
}

func waveOf(t *testing.T, s Store, id string) int64 {
	t.Helper()
	w, err := s.WaveOf(ctx, id)
	if err == wave.ErrNotFound {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return w.ID
}

func submitWith(t *testing.T, s Store, sub report.Submission) string {
	t.Helper()
	sub.Category, sub.Anonymous, sub.Channel, sub.TokenName = "fraud.scam", true, report.ChannelAPI, "t"
	ack, err := newIntake(s).Submit(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	return ack.ID
}

// testWaves: what gathers reports in a wave and what does not, a new
// report joining an open wave, and the queue showing a wave as one item
// with its count.
func testWaves(t *testing.T, s Store) {
	first := submit(t, s, parcelScam("Marie", "https://colis-suivi-fr.com/a8Fz2"))
	second := submit(t, s, parcelScam("Jean-Pierre", "https://livraison-express.net/t/99812"))
	unrelated := submit(t, s, "Un faux conseiller bancaire m'a appelé et m'a fait valider un virement de 800 euros depuis mon application.")
	// Two reports naming one shop page, in other words.
	shopA := submitWith(t, s, report.Submission{Description: "Commande jamais reçue.", URLs: []string{"https://boutique-miracle.fr/produit/12"}})
	shopB := submitWith(t, s, report.Submission{Description: "Site frauduleux, aucun colis.", URLs: []string{"HTTPS://Boutique-Miracle.fr/produit/12"}})
	// Two reports with one screenshot.
	shot := report.Upload{Filename: "capture.png", Content: []byte("\x89PNG\r\n\x1a\nwave-shot")}
	picA := submitWith(t, s, report.Submission{Description: "Voir la capture.", Attachments: []report.Upload{shot}})
	picB := submitWith(t, s, report.Submission{Description: "Capture du message reçu.", Attachments: []report.Upload{shot}})
	// A value on the warning list: a platform's home page is no content.
	listedA := submitWith(t, s, report.Submission{Description: "Escroquerie vue sur ce réseau.", URLs: []string{"https://www.facebook.com/"}})
	listedB := submitWith(t, s, report.Submission{Description: "Harcèlement sur ce réseau social.", URLs: []string{"https://www.facebook.com/"}})
	linkAndWave(t, s)

	text := waveOf(t, s, first)
	if text == 0 || waveOf(t, s, second) != text {
		t.Fatalf("the template's copies are in waves %d and %d, want one", text, waveOf(t, s, second))
	}
	if w := waveOf(t, s, unrelated); w != 0 {
		t.Errorf("an unrelated text joined wave %d", w)
	}
	if a, b := waveOf(t, s, shopA), waveOf(t, s, shopB); a == 0 || a != b || a == text {
		t.Errorf("reports naming one normalised URL: waves %d and %d", a, b)
	}
	if a, b := waveOf(t, s, picA), waveOf(t, s, picB); a == 0 || a != b {
		t.Errorf("reports with one attachment: waves %d and %d", a, b)
	}
	if a, b := waveOf(t, s, listedA), waveOf(t, s, listedB); a != 0 || b != 0 {
		t.Errorf("a warning-listed value made waves %d and %d", a, b)
	}
	w, err := s.Wave(ctx, text)
	if err != nil || w.Size != 2 || w.Open != 2 || w.Kind != wave.KindText || w.Lead != first {
		t.Fatalf("wave %+v %v, want 2 members, both open, started on text by the first", w, err)
	}
	shop, _ := s.WaveOf(ctx, shopA)
	if shop.Kind != wave.KindURL || shop.Key != "https://boutique-miracle.fr/produit/12" {
		t.Errorf("the URL wave says %s %q", shop.Kind, shop.Key)
	}

	// A new report joins the open wave, at linking time.
	third := submit(t, s, parcelScam("Amélie", "https://suivi-colis-poste.org/zz/1"))
	if w := waveOf(t, s, third); w != 0 {
		t.Fatalf("placed in wave %d before linking", w)
	}
	linkAndWave(t, s)
	if w := waveOf(t, s, third); w != text {
		t.Fatalf("a new copy went to wave %d, want the open wave %d", w, text)
	}
	w, _ = s.Wave(ctx, text)
	if w.Size != 3 {
		t.Errorf("wave size %d after a join, want 3", w.Size)
	}
	days, err := s.WaveDays(ctx, text)
	total := 0
	for _, d := range days {
		total += d.Count
	}
	if err != nil || total != 3 {
		t.Errorf("wave days %v %v, want 3 members in all", days, err)
	}
	members, err := s.WaveMembers(ctx, text, false, 10)
	if err != nil || !slices.Equal(members, []string{first, second, third}) {
		t.Errorf("members %v %v, want in order of reception", members, err)
	}

	// The queue shows the wave once, with its count; the full list keeps
	// every report.
	page, err := s.Queue(ctx, triage.Filter{OneItemPerWave: true})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]int{}
	for _, it := range page {
		if it.WaveID != 0 {
			seen[it.WaveID]++
		}
		if it.WaveID == text && (it.ID != first || it.WaveSize != 3) {
			t.Errorf("the wave's item is %s of size %d, want the first report and 3", it.ID, it.WaveSize)
		}
	}
	if seen[text] != 1 || len(seen) != 3 {
		t.Errorf("waves in the queue %v, want each once", seen)
	}
	if want := 10 - 4; len(page) != want {
		t.Errorf("queue of %d items, want %d (10 reports, 4 behind their wave's first)", len(page), want)
	}
	all, _ := s.Queue(ctx, triage.Filter{})
	if len(all) != 10 {
		t.Errorf("the full queue lists %d reports, want 10", len(all))
	}
	// Once the first is decided alone, the next member stands for the wave.
	if _, err := s.Decide(ctx, []string{first}, triage.Decision{State: triage.StateUnfounded, Reason: "test"}, "t", time.Now()); err != nil {
		t.Fatal(err)
	}
	page, _ = s.Queue(ctx, triage.Filter{OneItemPerWave: true})
	for _, it := range page {
		if it.WaveID == text && it.ID != second {
			t.Errorf("after the first was decided the wave shows %s, want the second", it.ID)
		}
	}
}

// testWaveDecision: one decision on a wave decides each open member, with
// one audit entry per report decided, in the decision's transaction.
func testWaveDecision(t *testing.T, s Store) {
	var ids []string
	for i := range 5 {
		ids = append(ids, submit(t, s, parcelScam("Victime "+strconv.Itoa(i), "https://colis-"+strconv.Itoa(i)+".fr/x")))
	}
	linkAndWave(t, s)
	id := waveOf(t, s, ids[0])
	if id == 0 {
		t.Fatal("no wave")
	}
	// One member is already decided: the wave's decision leaves it be.
	if _, err := s.Decide(ctx, ids[4:], triage.Decision{State: triage.StateNotCompetent, Reason: "autre service"}, "t", time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, account.User{Email: "wave@vigie.test", Role: account.RoleAnalyst, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	open, err := s.WaveMembers(ctx, id, true, 100)
	if err != nil || len(open) != 4 {
		t.Fatalf("open members %v %v, want 4", open, err)
	}
	svc := triage.NewService(s, s, s, nil)
	n, err := svc.DecideWave(ctx, id, open, triage.Decision{State: triage.StateUnfounded, Reason: "campagne connue"}, "wave@vigie.test")
	if err != nil || n != 4 {
		t.Fatalf("decided %d, %v, want 4", n, err)
	}
	for _, rid := range ids[:4] {
		it, _ := s.TriageOf(ctx, rid)
		if it.State != triage.StateUnfounded {
			t.Errorf("member %s is %s, want unfounded", rid, it.State)
		}
	}
	if it, _ := s.TriageOf(ctx, ids[4]); it.State != triage.StateNotCompetent {
		t.Errorf("the member decided before became %s", it.State)
	}
	perReport := map[string]int{}
	waveEntries := 0
	if err := s.AuditEntries(context.Background(), func(e audit.Entry) error {
		switch e.Action {
		case "report.decide":
			if e.Actor == "wave@vigie.test" {
				perReport[e.ObjectID]++
			}
		case "wave.decide":
			waveEntries++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if waveEntries != 1 || len(perReport) != 4 {
		t.Errorf("audit: %d wave entries and report entries %v, want 1 and one for each of the 4 decided", waveEntries, perReport)
	}
	for rid, k := range perReport {
		if k != 1 || !slices.Contains(ids[:4], rid) {
			t.Errorf("report %s has %d entries", rid, k)
		}
	}
	if w, _ := s.Wave(ctx, id); w.Open != 0 {
		t.Errorf("%d members still open", w.Open)
	}
}
