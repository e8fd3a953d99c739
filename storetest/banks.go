package storetest

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/bank"
	"github.com/vigie-platform/vigie/contenthash"
	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/pdq"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/stats"
	"github.com/vigie-platform/vigie/triage"
)

// bankTests are the conformance tests of bank.Store (issue 14).
var bankTests = []struct {
	name string
	fn   func(t *testing.T, s Store)
}{
	{"BankImportListWithdraw", testBankImportListWithdraw},
	{"BankMatchAtIntake", testBankMatchAtIntake},
	{"BankHashOnlyReport", testBankHashOnlyReport},
	{"BankNegativeSuppresses", testBankNegativeSuppresses},
	{"BankWithdrawAndDisable", testBankWithdrawAndDisable},
	{"BankFloodGuard", testBankFloodGuard},
	{"BankClassificationLinks", testBankClassificationLinks},
}

// TestImage draws a photograph-like image (overlapping discs, so that its
// PDQ quality is high) from seed; tweak brightens a corner of it, which
// moves its PDQ hash a few bits, well within the matching distance.
func TestImage(t testing.TB, seed uint64, tweak bool) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	const w, h = 256, 192
	img := image.NewGray(image.Rect(0, 0, w, h))
	type blob struct{ x, y, r, v float64 }
	blobs := make([]blob, 12)
	for i := range blobs {
		blobs[i] = blob{r.Float64() * w, r.Float64() * h, 10 + r.Float64()*50, r.Float64()*200 - 100}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 128.0
			for _, b := range blobs {
				dx, dy := float64(x)-b.x, float64(y)-b.y
				if dx*dx+dy*dy < b.r*b.r {
					v += b.v
				}
			}
			if tweak && x < 48 && y < 40 {
				v += 50 // a caption or sticker over a corner
			}
			img.SetGray(x, y, color.Gray{uint8(max(0, min(255, v)))})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pdqOf(t testing.TB, content []byte) contenthash.Hash {
	t.Helper()
	res, err := pdq.HashBytes(content, pdq.Options{})
	if err != nil || res.Quality < bank.MinQuality {
		t.Fatalf("pdq of the test image: %v, quality %d", err, res.Quality)
	}
	return contenthash.Hash{Kind: contenthash.PDQ, Value: res.Hash.String()}
}

func sha256Of(content []byte) contenthash.Hash {
	e, _ := contenthash.Compute(bytes.NewReader(content))
	return e.SHA256
}

// bankRig is a bank service, a matcher and a worker on one store.
type bankRig struct {
	svc     *bank.Service
	matcher *bank.Matcher
	worker  *bank.Worker
	intake  *report.Intake
}

func newBankRig(t *testing.T, s Store) *bankRig {
	m := bank.NewMatcher(s, 0, nil)
	return &bankRig{svc: bank.NewService(s, s, nil), matcher: m, worker: bank.NewWorker(s, m, nil, nil), intake: newIntake(s)}
}

// match refreshes the matcher and runs the worker until the queue is empty.
func (r *bankRig) match(t *testing.T, s Store) {
	t.Helper()
	if err := r.matcher.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	for {
		n, err := r.worker.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	if n, err := s.MatchQueueLen(ctx); err != nil || n != 0 {
		t.Fatalf("match queue: %d %v", n, err)
	}
}

func (r *bankRig) submitImage(t *testing.T, content []byte, category string) string {
	t.Helper()
	ack, err := r.intake.Submit(ctx, report.Submission{Category: category, Description: "capture jointe", Anonymous: true,
		Channel: report.ChannelWeb, Attachments: []report.Upload{{Filename: "capture.png", Content: content}}})
	if err != nil {
		t.Fatal(err)
	}
	return ack.ID
}

func (r *bankRig) importBank(t *testing.T, name string, negative bool, entries ...bank.Entry) {
	t.Helper()
	for i := range entries {
		if entries[i].AddedAt.IsZero() {
			entries[i].AddedAt = time.Now().UTC().Truncate(time.Second)
		}
	}
	if _, _, err := r.svc.Import(ctx, "cli:test", bank.Import{Name: name, Source: "test", Negative: negative, Entries: entries}); err != nil {
		t.Fatal(err)
	}
}

func testBankImportListWithdraw(t *testing.T, s Store) {
	rig := newBankRig(t, s)
	a := contenthash.Hash{Kind: contenthash.MD5, Value: "0123456789abcdef0123456789abcdef"}
	b := pdqOf(t, TestImage(t, 1, false))
	added := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	rig.importBank(t, "ncmec", false, bank.Entry{Hash: a, Label: "série A", Category: "csam", AddedAt: added}, bank.Entry{Hash: b, Label: "", Category: "csam", AddedAt: added})
	seq1, err := s.BankSeq(ctx)
	if err != nil || seq1 == 0 {
		t.Fatalf("seq %d %v", seq1, err)
	}
	banks, err := s.Banks(ctx)
	if err != nil || len(banks) != 1 || banks[0].Name != "ncmec" || banks[0].Source != "test" || !banks[0].Enabled || banks[0].Negative || banks[0].Entries != 2 {
		t.Fatalf("banks: %+v %v", banks, err)
	}
	entries, err := s.BankEntries(ctx, "ncmec")
	if err != nil || len(entries) != 2 || entries[0].Hash != a || entries[0].Label != "série A" || !entries[0].AddedAt.Equal(added) || !entries[0].Live() {
		t.Fatalf("entries: %+v %v", entries, err)
	}
	if n, err := rig.svc.Withdraw(ctx, "cli:test", "ncmec", []contenthash.Hash{a}); err != nil || n != 1 {
		t.Fatalf("withdraw: %d %v", n, err)
	}
	entries, _ = s.BankEntries(ctx, "ncmec")
	if entries[0].Live() {
		t.Error("the withdrawn entry is live")
	}
	banks, _ = s.Banks(ctx)
	if banks[0].Entries != 1 {
		t.Errorf("live entries after withdrawal: %d", banks[0].Entries)
	}
	// Changes since the import: the withdrawn entry only.
	_, changed, seq2, err := s.BankChanges(ctx, seq1)
	if err != nil || seq2 <= seq1 || len(changed) != 1 || changed[0].Hash != a || changed[0].Live() {
		t.Fatalf("changes since %d: %+v seq %d %v", seq1, changed, seq2, err)
	}
	// Given again, it matches again.
	rig.importBank(t, "ncmec", false, bank.Entry{Hash: a, Label: "série A bis"})
	entries, _ = s.BankEntries(ctx, "ncmec")
	if !entries[0].Live() || entries[0].Label != "série A bis" {
		t.Errorf("re-imported entry: %+v", entries[0])
	}
	if err := rig.svc.SetEnabled(ctx, "cli:test", "ncmec", false); err != nil {
		t.Fatal(err)
	}
	if b, err := s.BankByName(ctx, "ncmec"); err != nil || b.Enabled {
		t.Errorf("disabled bank: %+v %v", b, err)
	}
	if err := rig.svc.SetEnabled(ctx, "cli:test", "nowhere", true); !errors.Is(err, bank.ErrNotFound) {
		t.Errorf("unknown bank: %v", err)
	}
	if _, err := s.BankEntries(ctx, "nowhere"); !errors.Is(err, bank.ErrNotFound) {
		t.Errorf("entries of an unknown bank: %v", err)
	}
	for _, action := range []string{"bank.import", "bank.withdraw", "bank.disable"} {
		if got, err := s.FindAudit(ctx, audit.Filter{Action: action, ObjectID: "ncmec"}); err != nil || len(got) == 0 {
			t.Errorf("%s not audited: %v", action, err)
		}
	}
}

func testBankMatchAtIntake(t *testing.T, s Store) {
	rig := newBankRig(t, s)
	img := TestImage(t, 2, false)
	copyImg := TestImage(t, 2, true) // the same picture, a corner changed
	entry := pdqOf(t, img)
	rig.importBank(t, "scams", false, bank.Entry{Hash: entry, Label: "faux RIB", Category: "forged-document"})
	id := rig.submitImage(t, copyImg, "fraud.scam")
	other := rig.submitImage(t, TestImage(t, 99, false), "fraud.scam")
	rig.match(t, s)
	ms, err := s.ReportMatches(ctx, id)
	if err != nil || len(ms) != 1 {
		t.Fatalf("matches: %+v %v", ms, err)
	}
	m := ms[0]
	d := 0
	if h, err := pdq.ParseHash(pdqOf(t, copyImg).Value); err == nil {
		e, _ := pdq.ParseHash(entry.Value)
		d = pdq.Distance(h, e)
	}
	if m.BankName != "scams" || m.Label != "faux RIB" || m.Category != "forged-document" || m.Distance != d || d == 0 || m.Hash != entry || m.Attachment == "" {
		t.Errorf("match: %+v (distance %d expected)", m, d)
	}
	if ms, _ := s.ReportMatches(ctx, other); len(ms) != 0 {
		t.Errorf("an unrelated image matched: %+v", ms)
	}
	r, _ := s.ReportByID(ctx, id)
	if !r.Urgent {
		t.Error("the matched report's priority was not raised")
	}
	if r, _ := s.ReportByID(ctx, other); r.Urgent {
		t.Error("an unmatched report was raised")
	}
	hashes, err := s.ReportHashes(ctx, id)
	if err != nil || len(hashes) != 4 {
		t.Errorf("hashes of the attachment: %+v %v", hashes, err)
	}
	events, _ := s.ReportEvents(ctx, id)
	if !slices.ContainsFunc(events, func(e triage.Event) bool { return e.Kind == "matched" }) {
		t.Errorf("no matched event: %+v", events)
	}
	today := time.Now()
	if err := s.RefreshStats(ctx, today.AddDate(0, 0, -1)); err != nil {
		t.Fatal(err)
	}
	rows, err := s.StatsRows(ctx, today.AddDate(0, 0, -1), today.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	if got := stats.Group(rows, stats.KnownMatches, stats.Day).Total(); got != 1 {
		t.Errorf("known matches counted: %d, want 1 (%+v)", got, rows)
	}
}

func testBankHashOnlyReport(t *testing.T, s Store) {
	rig := newBankRig(t, s)
	img := TestImage(t, 3, false)
	rig.importBank(t, "partner", false, bank.Entry{Hash: sha256Of(img), Label: "série B"}, bank.Entry{Hash: pdqOf(t, img), Label: "série B"})
	near := pdqOf(t, TestImage(t, 3, true))
	ack, err := rig.intake.Submit(ctx, report.Submission{Category: "minors.abuse-material", Description: "URL seule", URLs: []string{"https://h.example/x"},
		Anonymous: true, Channel: report.ChannelAPI, TokenName: "plateforme",
		Hashes: []report.HashInput{{Kind: "sha256", Value: sha256Of(img).Value}, {Kind: "PDQ", Value: near.Value}}})
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := s.ReportByID(ctx, ack.ID); len(r.Hashes) != 2 {
		t.Errorf("sent hashes read back: %+v", r.Hashes)
	}
	rig.match(t, s)
	ms, err := s.ReportMatches(ctx, ack.ID)
	if err != nil || len(ms) != 2 {
		t.Fatalf("matches of the hashes sent: %+v %v", ms, err)
	}
	for _, m := range ms {
		if m.Attachment != "" || m.Label != "série B" || (m.Hash.Kind == contenthash.SHA256) != (m.Distance == 0) {
			t.Errorf("match: %+v", m)
		}
	}
	if r, _ := s.ReportByID(ctx, ack.ID); !r.Urgent {
		t.Error("priority not raised")
	}
}

func testBankNegativeSuppresses(t *testing.T, s Store) {
	rig := newBankRig(t, s)
	img := TestImage(t, 4, false)
	rig.importBank(t, "positive", false, bank.Entry{Hash: pdqOf(t, img), Label: "logo"})
	rig.importBank(t, "known-false-positives", true, bank.Entry{Hash: pdqOf(t, TestImage(t, 4, true))})
	id := rig.submitImage(t, img, "fraud.scam")
	rig.match(t, s)
	if ms, _ := s.ReportMatches(ctx, id); len(ms) != 0 {
		t.Errorf("matched despite the negative bank: %+v", ms)
	}
	// With the negative bank off, the same image matches.
	if err := rig.svc.SetEnabled(ctx, "cli:test", "known-false-positives", false); err != nil {
		t.Fatal(err)
	}
	id = rig.submitImage(t, img, "fraud.scam")
	rig.match(t, s)
	if ms, _ := s.ReportMatches(ctx, id); len(ms) != 1 {
		t.Errorf("matches without the negative bank: %+v", ms)
	}
}

func testBankWithdrawAndDisable(t *testing.T, s Store) {
	rig := newBankRig(t, s)
	img := TestImage(t, 5, false)
	h := pdqOf(t, img)
	rig.importBank(t, "list", false, bank.Entry{Hash: h, Label: "x"})
	count := func() int {
		id := rig.submitImage(t, img, "fraud.scam")
		rig.match(t, s)
		ms, err := s.ReportMatches(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return len(ms)
	}
	if n := count(); n != 1 {
		t.Fatalf("before: %d matches", n)
	}
	if err := rig.svc.SetEnabled(ctx, "cli:test", "list", false); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 0 {
		t.Errorf("disabled bank: %d matches", n)
	}
	if err := rig.svc.SetEnabled(ctx, "cli:test", "list", true); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 1 {
		t.Errorf("enabled again: %d matches", n)
	}
	if _, err := rig.svc.Withdraw(ctx, "cli:test", "list", []contenthash.Hash{h}); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != 0 {
		t.Errorf("withdrawn entry: %d matches", n)
	}
}

func testBankFloodGuard(t *testing.T, s Store) {
	rig := newBankRig(t, s)
	rig.worker.FloodLimit = 2
	img := TestImage(t, 6, false)
	rig.importBank(t, "wave", false, bank.Entry{Hash: pdqOf(t, img), Label: "colis bloqué"})
	var ids []string
	for range 5 {
		ids = append(ids, rig.submitImage(t, img, "fraud.phishing"))
		rig.match(t, s) // one at a time, as they arrive
	}
	items, err := s.TriageItems(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]triage.Item{}
	for _, it := range items {
		byID[it.ID] = it
	}
	for i, id := range ids {
		it := byID[id]
		gathered := i >= 2
		if gathered != (it.State == triage.StateDuplicate) {
			t.Errorf("report %d: state %s", i, it.State)
		}
	}
	got, err := s.GatheredReports(ctx, ids[0])
	if err != nil || !slices.Equal(got, sorted(ids[2:])) {
		t.Errorf("gathered into the first: %v %v, want %v", got, err, sorted(ids[2:]))
	}
	q, err := s.Queue(ctx, triage.Filter{})
	if err != nil || len(q) != 2 {
		t.Errorf("queue after the wave: %d items %v, want 2", len(q), err)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func testBankClassificationLinks(t *testing.T, s Store) {
	rig := newBankRig(t, s)
	img := TestImage(t, 7, false)
	first := rig.submitImage(t, img, "identity.theft")
	rig.match(t, s)
	r, _ := s.ReportByID(ctx, first)
	n, err := rig.svc.Classify(ctx, "analyste@example.fr", first, r.Attachments[0].SHA256, "fausse carte d'identité", "fake-id")
	if err != nil || n != 4 {
		t.Fatalf("classify: %d %v", n, err)
	}
	if b, err := s.BankByName(ctx, bank.LocalBank); err != nil || b.Entries != 4 {
		t.Fatalf("local bank: %+v %v", b, err)
	}
	if got, err := s.FindAudit(ctx, audit.Filter{Action: "bank.classify"}); err != nil || len(got) != 1 {
		t.Errorf("classification not audited: %v", err)
	}
	// A later copy, slightly changed: recognised, and linked to the first.
	later := rig.submitImage(t, TestImage(t, 7, true), "identity.theft")
	rig.match(t, s)
	ms, _ := s.ReportMatches(ctx, later)
	if len(ms) != 1 || ms[0].BankName != bank.LocalBank || ms[0].Category != "fake-id" {
		t.Fatalf("later copy's matches: %+v", ms)
	}
	related, err := correlate.RelatedReports(ctx, s, later, 100)
	if err != nil || !slices.ContainsFunc(related, func(r correlate.Related) bool { return r.ReportID == first }) {
		t.Errorf("the later copy is not linked to the classified report: %+v %v", related, err)
	}
	if _, err := rig.svc.Classify(ctx, "analyste@example.fr", first, r.Attachments[0].SHA256, "", ""); err == nil {
		t.Error("a classification without label nor category was taken")
	}
}

// RunBankInstances checks that a change made through one store handle
// matches on another handle of the same database within 10 s, as two
// instances of the server would (each with its matcher refreshing every
// DefaultRefresh).
func RunBankInstances(t *testing.T, a, b Store) {
	svc := bank.NewService(a, a, nil)
	mb := bank.NewMatcher(b, 0, nil)
	if err := mb.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go mb.Run(runCtx, bank.DefaultRefresh)
	img := TestImage(t, 8, false)
	h := pdqOf(t, img)
	within := func(what string, want int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for len(mb.Match(h)) != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not seen by the other instance within 10 s", what)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if _, _, err := svc.Import(ctx, "cli:test", bank.Import{Name: "shared", Entries: []bank.Entry{{Hash: h, Label: "x", AddedAt: time.Now()}}}); err != nil {
		t.Fatal(err)
	}
	within("import", 1)
	if err := svc.SetEnabled(ctx, "cli:test", "shared", false); err != nil {
		t.Fatal(err)
	}
	within("disable", 0)
	if err := svc.SetEnabled(ctx, "cli:test", "shared", true); err != nil {
		t.Fatal(err)
	}
	within("enable", 1)
	if _, err := svc.Withdraw(ctx, "cli:test", "shared", []contenthash.Hash{h}); err != nil {
		t.Fatal(err)
	}
	within("withdrawal", 0)
}
