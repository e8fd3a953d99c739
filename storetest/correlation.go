package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/triage"
)

func submit(t *testing.T, s Store, desc string, urls ...string) string {
	t.Helper()
	ack, err := newIntake(s).Submit(ctx, report.Submission{Category: "fraud.scam", Description: desc, URLs: urls,
		Anonymous: true, Channel: report.ChannelAPI, TokenName: "t"})
	if err != nil {
		t.Fatal(err)
	}
	return ack.ID
}

func linkAll(t *testing.T, s Store, l *correlate.Linker) {
	t.Helper()
	for {
		n, err := l.LinkOnce(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	// Stores that index text after linking catch up here.
	for {
		n, err := s.IndexPendingText(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

func testLinkAndQuery(t *testing.T, s Store) {
	l := correlate.NewLinker(s, correlate.DefaultWarningList(), indicator.DefaultOptions, nil)
	a := submit(t, s, "Virement sur FR76 3000 6000 0112 3456 7890 189, vendeur au 06 12 34 56 78")
	b := submit(t, s, "IBAN FR7630006000011234567890189 encore", "hxxps://faux-shop[.]fr/p?utm_source=x")
	c := submit(t, s, "Rien à voir", "https://autre.example.fr/")
	if n, err := s.UnlinkedCount(ctx); err != nil || n != 3 {
		t.Fatalf("unlinked = %d %v", n, err)
	}
	linkAll(t, s, l)
	if n, err := s.UnlinkedCount(ctx); err != nil || n != 0 {
		t.Fatalf("unlinked after linking = %d %v", n, err)
	}
	info, err := s.Indicator(ctx, indicator.IBAN, "FR7630006000011234567890189")
	if err != nil || info.Count != 2 || info.Flagged != "" {
		t.Fatalf("iban = %+v, %v", info, err)
	}
	ra, err := s.ReportByID(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := s.ReportByID(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if !info.FirstSeen.Equal(ra.CreatedAt) || !info.LastSeen.Equal(rb.CreatedAt) {
		t.Errorf("first/last seen %v %v, want %v %v", info.FirstSeen, info.LastSeen, ra.CreatedAt, rb.CreatedAt)
	}
	ids, next, err := s.IndicatorReports(ctx, indicator.IBAN, "FR7630006000011234567890189", "", 1)
	if err != nil || len(ids) != 1 || ids[0] != b || next == "" {
		t.Fatalf("page 1 = %v %q %v", ids, next, err)
	}
	ids, next, err = s.IndicatorReports(ctx, indicator.IBAN, "FR7630006000011234567890189", next, 1)
	if err != nil || len(ids) != 1 || ids[0] != a || next != "" {
		t.Fatalf("page 2 = %v %q %v", ids, next, err)
	}
	if _, _, err := s.IndicatorReports(ctx, indicator.IBAN, "FR7630006000011234567890189", "garbage!", 1); err == nil {
		t.Error("a forged cursor was accepted")
	}
	if _, err := s.Indicator(ctx, indicator.IBAN, "FR0000"); err != correlate.ErrNotFound {
		t.Errorf("unknown value: %v", err)
	}
	infos, err := s.ReportIndicators(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, i := range infos {
		got[string(i.Type)+" "+i.Value] = i.Raw
	}
	if got["url https://faux-shop.fr/p"] != "hxxps://faux-shop[.]fr/p?utm_source=x" || got["iban FR7630006000011234567890189"] != "FR7630006000011234567890189" {
		t.Errorf("report indicators = %v", got)
	}
	// Many reports at once give what each gives alone.
	many, err := s.ReportsIndicators(ctx, []string{b, c, "no-such-report"})
	if err != nil || len(many) != 2 {
		t.Fatalf("reports' indicators: %d reports, %v", len(many), err)
	}
	for _, id := range []string{b, c} {
		alone, err := s.ReportIndicators(ctx, id)
		if err != nil || !reflect.DeepEqual(many[id], alone) {
			t.Errorf("report %s: together %+v, alone %+v (%v)", id, many[id], alone, err)
		}
	}
	if none, err := s.ReportsIndicators(ctx, nil); err != nil || len(none) != 0 {
		t.Errorf("no reports: %v %v", none, err)
	}
	top, err := s.TopIndicators(ctx, 1)
	if err != nil || len(top) != 1 || top[0].Value != "FR7630006000011234567890189" {
		t.Errorf("top = %+v %v", top, err)
	}
	// The unrelated report names none of the shared values.
	if infos, err := s.ReportIndicators(ctx, c); err != nil || slices.ContainsFunc(infos, func(i correlate.Info) bool { return i.Count > 1 }) {
		t.Errorf("unrelated report's indicators = %+v %v", infos, err)
	}
	// A rebuild gives the same index.
	if _, err := l.Rebuild(ctx, nil); err != nil {
		t.Fatal(err)
	}
	again, err := s.Indicator(ctx, indicator.IBAN, "FR7630006000011234567890189")
	if err != nil || again.Count != 2 {
		t.Errorf("after rebuild: %+v %v", again, err)
	}
}

func testLinkWarningListAndCap(t *testing.T, s Store) {
	list := correlate.DefaultWarningList()
	list.Cap = 3
	l := correlate.NewLinker(s, list, indicator.DefaultOptions, nil)
	var ids []string
	for i := range 5 {
		ids = append(ids, submit(t, s, fmt.Sprintf("message %d, appelez le 06 98 76 54 32, profil https://www.facebook.com/profile.php?id=1000%d", i, i)))
	}
	linkAll(t, s, l)
	phone, err := s.Indicator(ctx, indicator.Phone, "+33698765432")
	if err != nil || phone.Count != 5 || phone.Flagged != "cap" {
		t.Fatalf("phone past the cap = %+v %v", phone, err)
	}
	linked, _, err := s.IndicatorReports(ctx, indicator.Phone, "+33698765432", "", 10)
	if err != nil || len(linked) != 3 {
		t.Errorf("a capped value linked %d reports, want the first 3 (%v)", len(linked), err)
	}
	fb, err := s.Indicator(ctx, indicator.Host, "www.facebook.com")
	if err != nil || fb.Flagged == "" || fb.Count != 5 {
		t.Fatalf("big platform host = %+v %v", fb, err)
	}
	if got, _, err := s.IndicatorReports(ctx, indicator.Host, "www.facebook.com", "", 10); err != nil || len(got) != 0 {
		t.Errorf("a listed value linked %d reports (%v)", len(got), err)
	}
	// The full URL of a profile on a big platform still links.
	prof, err := s.Indicator(ctx, indicator.Handle, "facebook:id:10002")
	if err != nil || prof.Flagged != "" || prof.Count != 1 {
		t.Errorf("profile handle = %+v %v", prof, err)
	}
	related, err := correlate.RelatedReports(ctx, s, ids[4], 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(related) != 0 {
		t.Errorf("report 5 relates through flagged values: %+v", related)
	}
}

func testLinkConcurrentlyOnce(t *testing.T, s Store) {
	const n = 60
	for i := range n {
		submit(t, s, fmt.Sprintf("lot %d, virement FR76 3000 6000 0112 3456 7890 189", i))
	}
	l := correlate.NewLinker(s, correlate.DefaultWarningList(), indicator.DefaultOptions, nil)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k, err := l.LinkOnce(ctx, 7)
				if err != nil {
					t.Error(err)
					return
				}
				if k == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	info, err := s.Indicator(ctx, indicator.IBAN, "FR7630006000011234567890189")
	if err != nil || info.Count != n {
		t.Fatalf("count = %+v %v, want %d (each report linked exactly once)", info, err, n)
	}
}

func testRelatedAndCluster(t *testing.T, s Store) {
	l := correlate.NewLinker(s, correlate.DefaultWarningList(), indicator.DefaultOptions, nil)
	// a — IBAN — b — phone — c ; d alone.
	a := submit(t, s, "payé sur FR76 3000 6000 0112 3456 7890 189")
	b := submit(t, s, "FR76 3000 6000 0112 3456 7890 189 et le 06 11 22 33 44")
	c := submit(t, s, "il appelle du 06 11 22 33 44")
	d := submit(t, s, "sans lien", "https://ailleurs.example.fr")
	linkAll(t, s, l)
	rel, err := correlate.RelatedReports(ctx, s, b, 50)
	if err != nil || len(rel) != 2 {
		t.Fatalf("related to b = %+v %v", rel, err)
	}
	cl, err := correlate.ClusterOf(ctx, s, a, 100, 50)
	if err != nil {
		t.Fatal(err)
	}
	members := map[string]bool{}
	for _, id := range cl.Reports {
		members[id] = true
	}
	if !members[a] || !members[b] || !members[c] || members[d] || len(cl.Links) != 2 {
		t.Errorf("cluster of a = %+v", cl)
	}
	small, err := correlate.ClusterOf(ctx, s, a, 2, 50)
	if err != nil || len(small.Reports) != 2 || !small.Truncated {
		t.Errorf("bounded cluster = %+v %v", small, err)
	}
}

// testRelatedSet follows the set of reports that share a linking value
// with another report (the queue's "related reports" filter) through every
// way it changes: a second report naming a value relates the first, two
// reports of one batch relate each other, a rebuild gives the same set, a
// value past the cap relates nothing, and a purge unrelates a report
// left alone with its value.
func testRelatedSet(t *testing.T, s Store) {
	l := correlate.NewLinker(s, correlate.DefaultWarningList(), indicator.DefaultOptions, nil)
	related := func(step string, want ...string) {
		t.Helper()
		yes := true
		got, err := s.Queue(ctx, triage.Filter{HasRelated: &yes})
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if !slices.Equal(ids(got), want) {
			t.Fatalf("%s: related = %v, want %v", step, ids(got), want)
		}
	}
	a := submit(t, s, "virement sur FR7630006000011234567890189")
	linkAll(t, s, l)
	related("one report")
	time.Sleep(2 * time.Millisecond)
	b := submit(t, s, "même compte FR76 3000 6000 0112 3456 7890 189")
	linkAll(t, s, l)
	related("second report, later batch", a, b)

	time.Sleep(2 * time.Millisecond)
	c := submit(t, s, "appelez le 06 98 76 54 32")
	time.Sleep(2 * time.Millisecond)
	d := submit(t, s, "rappel au 0698765432")
	time.Sleep(2 * time.Millisecond)
	e := submit(t, s, "rien de commun avec les autres")
	linkAll(t, s, l)
	related("two reports of one batch", a, b, c, d)
	if _, err := l.Rebuild(ctx, nil); err != nil {
		t.Fatal(err)
	}
	related("after a rebuild", a, b, c, d)

	// With a cap of one, a shared value is flagged at its second report
	// and relates nobody.
	capped := correlate.DefaultWarningList()
	capped.Cap = 1
	lc := correlate.NewLinker(s, capped, indicator.DefaultOptions, nil)
	time.Sleep(2 * time.Millisecond)
	submit(t, s, "portefeuille bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")
	linkAll(t, s, lc)
	time.Sleep(2 * time.Millisecond)
	submit(t, s, "encore bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")
	linkAll(t, s, lc)
	related("value past the cap", a, b, c, d)

	if _, err := s.PurgeReports(ctx, []string{b}, time.Now()); err != nil {
		t.Fatal(err)
	}
	related("b purged: a is alone with its IBAN", c, d)
	no := false
	alone, err := s.Queue(ctx, triage.Filter{HasRelated: &no})
	if err != nil || !slices.Contains(ids(alone), a) || !slices.Contains(ids(alone), e) {
		t.Fatalf("not related after the purge = %v %v, want a and e among them", ids(alone), err)
	}
}

// testLinkAttachmentHashes: linking reads each report's attachments with
// its claim, and their hashes link the reports that share a file,
// whatever else they hold.
func testLinkAttachmentHashes(t *testing.T, s Store) {
	in := newIntake(s)
	shared := report.Upload{Filename: "capture.png", Content: []byte("\x89PNG\r\n\x1a\nshared")}
	own := report.Upload{Filename: "other.png", Content: []byte("\x89PNG\r\n\x1a\nown")}
	for _, files := range [][]report.Upload{{shared, own}, {shared}, nil} {
		if _, err := in.Submit(ctx, report.Submission{Category: "fraud.scam", Description: "capture jointe", Anonymous: true,
			Channel: report.ChannelWeb, Attachments: files}); err != nil {
			t.Fatal(err)
		}
	}
	l := correlate.NewLinker(s, correlate.DefaultWarningList(), indicator.DefaultOptions, nil)
	if n, err := l.LinkOnce(ctx, 10); err != nil || n != 3 {
		t.Fatalf("linked %d, %v", n, err)
	}
	for content, want := range map[string]int64{string(shared.Content): 2, string(own.Content): 1} {
		h := sha256.Sum256([]byte(content))
		info, err := s.Indicator(ctx, indicator.SHA256, hex.EncodeToString(h[:]))
		if err != nil || info.Count != want {
			t.Errorf("hash of %q: %+v %v, want %d reports", content, info, err, want)
		}
	}
}
