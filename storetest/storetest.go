// Package storetest is the conformance suite that every store adapter
// passes, run against a real database of each kind.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/apitoken"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/storage"
	"github.com/vigie-platform/vigie/taxonomy"
)

// Store is everything an adapter provides.
type Store = storage.Store

// Opener returns a new, empty store, and exec, which runs raw SQL on its
// database: the suite uses it to break what no method can (the audit
// trail), so as to see what the store does then.
type Opener func(t *testing.T) (s Store, exec func(query string) error)

// Run runs every conformance test.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"ReportRoundTrip", testReportRoundTrip},
		{"ReportNotFound", testReportNotFound},
		{"IdempotentReplay", testIdempotentReplay},
		{"IdempotencyConcurrent", testIdempotencyConcurrent},
		{"ReceiptCollision", testReceiptCollision},
		{"ConcurrentCreates", testConcurrentCreates},
		{"Tokens", testTokens},
		{"Visits", testVisits},
		{"SpendOnce", testSpendOnce},
		{"KeysAgree", testKeysAgree},
		{"Blobs", testBlobs},
		{"Migrated", testMigrated},
		{"LinkAndQuery", testLinkAndQuery},
		{"LinkWarningListAndCap", testLinkWarningListAndCap},
		{"LinkConcurrentlyOnce", testLinkConcurrentlyOnce},
		{"RelatedAndCluster", testRelatedAndCluster},
		{"RelatedSet", testRelatedSet},
		{"LinkAttachmentHashes", testLinkAttachmentHashes},
		{"AuditChain", testAuditChain},
		{"AuditTree", testAuditTree},
		{"Accounts", testAccounts},
		{"Passkeys", testPasskeys},
		{"SetTOTP", testSetTOTP},
		{"Queue", testQueue},
		{"QueueDeadlines", testQueueDeadlines},
		{"Alerts", testAlerts},
		{"WaveAlerts", testWaveAlerts},
		{"Cases", testCases},
		{"CaseNumbers", testCaseNumbers},
		{"HostTraces", testHostTraces},
		{"NoticeLifecycle", testNoticeLifecycle},
		{"Oversight", testOversight},
		{"NoticeClaims", testNoticeClaims},
		{"Feeds", testFeeds},
		{"FeedsSeeEveryWriter", testFeedsSeeEveryWriter},
		{"AuditFind", testAuditFind},
		{"Deliveries", testDeliveries},
		{"News", testNews},
		{"Stats", testStats},
		{"StatsParisDays", testStatsParisDays},
		{"Retention", testRetention},
		{"CaseRetention", testCaseRetention},
		{"DeliveriesOnceAcrossWorkers", testDeliveriesOnceAcrossWorkers},
		{"AuditedWrites", testAuditedWrites},
		{"AuditOutcome", testAuditOutcome},
		{"AuditedWriteRefused", testAuditedWriteRefused},
		{"AuditNotRecorded", testAuditNotRecorded},
		{"ClosedIsUnavailable", testClosedIsUnavailable},
		// Waves (issue 12, part 4).
		{"Waves", testWaves},
		{"WaveDecision", testWaveDecision},
	}
	tests = append(tests, bankTests...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := open(t)
			t.Cleanup(func() { s.Close() })
			tc.fn(t, s)
		})
	}
	t.Run("AuditFailureRollsBack", func(t *testing.T) {
		s, exec := open(t)
		t.Cleanup(func() { s.Close() })
		testAuditFailureRollsBack(t, s, exec)
	})
}

var ctx = context.Background()

func newIntake(s Store) *report.Intake {
	return report.NewIntake(s, s, taxonomy.Default(), []byte("conformance-key"), nil)
}

func sample(i int) report.Submission {
	return report.Submission{
		Category:     "fraud.scam",
		Description:  fmt.Sprintf("Faux site de vente n°%d, <b>payé</b> par virement", i),
		URLs:         []string{"https://boutique-exemple.fr/produit?id=" + fmt.Sprint(i), "hxxp://exemple[.]com"},
		SeenOn:       "Facebook",
		OccurredAt:   "2026-11-01",
		Name:         "Camille Durand",
		Email:        "camille@example.fr",
		Phone:        "+33 6 12 34 56 78",
		IsVictim:     true,
		AmountLost:   "1250,50",
		PaymentMeans: "transfer",
		Lang:         "fr",
		Channel:      report.ChannelAPI,
		TokenName:    "partner",
	}
}

func testReportRoundTrip(t *testing.T, s Store) {
	in := newIntake(s)
	sub := sample(1)
	sub.Attachments = []report.Upload{{Filename: "../../capture.png", Content: []byte("\x89PNG\r\n\x1a\n0000")}}
	sub.Urgent = true
	ack, err := in.Submit(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.ReportByID(ctx, ack.ID)
	if err != nil {
		t.Fatal(err)
	}
	byReceipt, err := s.ReportByReceipt(ctx, ack.Receipt)
	if err != nil || byReceipt.ID != ack.ID {
		t.Fatalf("by receipt: %v %v", byReceipt.ID, err)
	}
	check := func(field string, got, want any) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", field, got, want)
		}
	}
	check("receipt", got.Receipt, ack.Receipt)
	check("status", got.Status, report.StatusReceived)
	check("channel", got.Channel, report.ChannelAPI)
	check("token", got.TokenName, "partner")
	check("category", got.Category, "fraud.scam")
	check("description", got.Description, sub.Description)
	check("urls", got.URLs, sub.URLs)
	check("seen_on", got.SeenOn, "Facebook")
	check("occurred_at", got.OccurredAt.Format(time.DateOnly), "2026-11-01")
	check("urgent", got.Urgent, true)
	check("reporter", got.Reporter, report.Reporter{Name: "Camille Durand", Email: "camille@example.fr", Phone: "+33 6 12 34 56 78"})
	check("victim", got.IsVictim, true)
	check("loss", *got.Loss, report.Loss{AmountCents: 125050, Currency: "EUR", Means: "transfer"})
	check("lang", got.Lang, "fr")
	if len(got.Attachments) != 1 {
		t.Fatalf("attachments = %+v", got.Attachments)
	}
	a := got.Attachments[0]
	check("filename", a.Filename, "capture.png")
	check("content type", a.ContentType, "image/png")
	check("size", a.Size, 12)
	content, err := s.GetBlob(ctx, a.SHA256)
	if err != nil || !bytes.Equal(content, sub.Attachments[0].Content) {
		t.Errorf("blob = %q, %v", content, err)
	}
	if time.Since(got.CreatedAt) > time.Minute || got.CreatedAt.Location() != time.UTC {
		t.Errorf("created_at = %v", got.CreatedAt)
	}
	if !report.SecretMatches(ack.FollowUpSecret, got.FollowUpSecretHash) {
		t.Error("stored secret hash does not match the acknowledged secret")
	}
	status, err := in.FollowUp(ctx, ack.Receipt, ack.FollowUpSecret)
	if err != nil || status != report.StatusReceived {
		t.Errorf("follow-up = %v, %v", status, err)
	}
	n, err := s.CountReports(ctx)
	if err != nil || n != 1 {
		t.Errorf("count = %d, %v", n, err)
	}
}

func testReportNotFound(t *testing.T, s Store) {
	if _, err := s.ReportByID(ctx, "no-such-id"); !errors.Is(err, report.ErrNotFound) {
		t.Errorf("by id: %v", err)
	}
	if _, err := s.ReportByReceipt(ctx, "VG-0000-0000"); !errors.Is(err, report.ErrNotFound) {
		t.Errorf("by receipt: %v", err)
	}
	if _, err := s.GetBlob(ctx, "0000000000000000000000000000000000000000000000000000000000000000"); !errors.Is(err, report.ErrNotFound) {
		t.Errorf("blob: %v", err)
	}
}

func testIdempotentReplay(t *testing.T, s Store) {
	in := newIntake(s)
	sub := sample(2)
	sub.IdempotencyKey = "order-42"
	first, err := in.Submit(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	again, err := in.Submit(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != first.ID || again.Receipt != first.Receipt || again.FollowUpSecret != first.FollowUpSecret || !again.Replayed {
		t.Errorf("replay = %+v, first = %+v", again, first)
	}
	changed := sub
	changed.Description = "autre chose"
	if _, err := in.Submit(ctx, changed); !errors.Is(err, report.ErrIdempotencyMismatch) {
		t.Errorf("same key, other body: %v", err)
	}
	other := sub
	other.TokenName = "another-partner"
	third, err := in.Submit(ctx, other)
	if err != nil || third.ID == first.ID {
		t.Errorf("same key under another token must be another report: %+v %v", third, err)
	}
	// Within one batch, a repeated key resolves to the first report.
	outs, err := in.SubmitBatch(ctx, []report.Submission{withKey(sample(3), "b1"), withKey(sample(3), "b1")})
	if err != nil {
		t.Fatal(err)
	}
	if outs[0].Err != nil || outs[1].Err != nil || outs[0].Ack.ID != outs[1].Ack.ID || !outs[1].Ack.Replayed {
		t.Errorf("batch duplicate key: %+v", outs)
	}
	if n, err := s.CountReports(ctx); err != nil || n != 3 {
		t.Errorf("count = %d, %v, want 3", n, err)
	}
}

func withKey(sub report.Submission, key string) report.Submission {
	sub.IdempotencyKey = key
	return sub
}

func testIdempotencyConcurrent(t *testing.T, s Store) {
	in := newIntake(s)
	var wg sync.WaitGroup
	ids := make([]string, 16)
	errs := make([]error, 16)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ack, err := in.Submit(ctx, withKey(sample(7), "race"))
			ids[i], errs[i] = ack.ID, err
		}()
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil {
			t.Fatalf("submit %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("concurrent retries made two reports: %s and %s", ids[0], ids[i])
		}
	}
	if n, err := s.CountReports(ctx); err != nil || n != 1 {
		t.Errorf("count = %d, %v, want 1", n, err)
	}
}

func testReceiptCollision(t *testing.T, s Store) {
	in := newIntake(s)
	first, err := in.Submit(ctx, sample(4))
	if err != nil {
		t.Fatal(err)
	}
	stored, err := s.ReportByID(ctx, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	clash := stored
	clash.ID = "clash-" + stored.ID
	clash.IdempotencyKey = ""
	results, errs, err := s.Create(ctx, []*report.Report{&clash})
	if err != nil || errs[0] != nil {
		t.Fatalf("create: %v %v", err, errs)
	}
	if results[0].Report.Receipt == first.Receipt {
		t.Fatal("a colliding receipt was stored twice")
	}
	again, err := s.ReportByID(ctx, clash.ID)
	if err != nil || again.Receipt != results[0].Report.Receipt {
		t.Fatalf("stored under %q, reported %q (%v)", again.Receipt, results[0].Report.Receipt, err)
	}
}

func testConcurrentCreates(t *testing.T, s Store) {
	in := newIntake(s)
	const workers, each = 8, 25
	var wg sync.WaitGroup
	var mu sync.Mutex
	receipts := map[string]bool{}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				ack, err := in.Submit(ctx, sample(w*each+i))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				receipts[ack.Receipt] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(receipts) != workers*each {
		t.Fatalf("%d distinct receipts, want %d", len(receipts), workers*each)
	}
	for rc := range receipts {
		if _, err := s.ReportByReceipt(ctx, rc); err != nil {
			t.Fatalf("acknowledged %s is missing: %v", rc, err)
		}
	}
}

func testTokens(t *testing.T, s Store) {
	_, hash := apitoken.New()
	now := time.Now().UTC().Truncate(time.Microsecond)
	tok, err := s.CreateToken(ctx, apitoken.Token{Name: "hotline-fr", Hash: hash, Scopes: []string{apitoken.ScopeReportsWrite}, Rate: 50, CreatedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	if tok.ID == 0 {
		t.Error("no id")
	}
	_, hash2 := apitoken.New()
	if _, err := s.CreateToken(ctx, apitoken.Token{Name: "hotline-fr", Hash: hash2, CreatedAt: now}); !errors.Is(err, apitoken.ErrNameTaken) {
		t.Errorf("duplicate name: %v", err)
	}
	got, err := s.TokenByHash(ctx, hash)
	if err != nil || got.Name != "hotline-fr" || !got.Has(apitoken.ScopeReportsWrite) || got.Rate != 50 || !got.CreatedAt.Equal(now) || got.RevokedAt != nil {
		t.Fatalf("by hash = %+v, %v", got, err)
	}
	if _, err := s.TokenByHash(ctx, hash2); !errors.Is(err, apitoken.ErrNotFound) {
		t.Errorf("unknown hash: %v", err)
	}
	if err := s.RevokeToken(ctx, "hotline-fr", now); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, "nobody", now); !errors.Is(err, apitoken.ErrNotFound) {
		t.Errorf("revoke unknown: %v", err)
	}
	list, err := s.ListTokens(ctx)
	if err != nil || len(list) != 1 || list[0].RevokedAt == nil {
		t.Fatalf("list = %+v, %v", list, err)
	}
}

func testVisits(t *testing.T, s Store) {
	d1 := time.Date(2009, 1, 15, 0, 0, 0, 0, time.UTC)
	d2 := d1.AddDate(0, 0, 1)
	for _, step := range []struct {
		day time.Time
		n   int64
	}{{d1, 5}, {d1, 7}, {d2, 1}} {
		if err := s.AddVisits(ctx, step.day, step.n); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Visits(ctx, d1, d2)
	if err != nil {
		t.Fatal(err)
	}
	if got["2009-01-15"] != 12 || got["2009-01-16"] != 1 || len(got) != 2 {
		t.Errorf("visits = %v", got)
	}
	only, err := s.Visits(ctx, d2, d2)
	if err != nil || len(only) != 1 {
		t.Errorf("range not honoured: %v %v", only, err)
	}
}

func testSpendOnce(t *testing.T, s Store) {
	exp := time.Now().Add(time.Minute)
	fresh, err := s.Spend(ctx, "sig-1", exp)
	if err != nil || !fresh {
		t.Fatalf("first spend: %v %v", fresh, err)
	}
	fresh, err = s.Spend(ctx, "sig-1", exp)
	if err != nil || fresh {
		t.Fatalf("second spend: %v %v", fresh, err)
	}
}

func testKeysAgree(t *testing.T, s Store) {
	var wg sync.WaitGroup
	keys := make([][]byte, 8)
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := s.Key(ctx, "altcha")
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		}()
	}
	wg.Wait()
	for _, k := range keys {
		if len(k) != 32 || !bytes.Equal(k, keys[0]) {
			t.Fatalf("keys disagree: %x vs %x", k, keys[0])
		}
	}
	other, err := s.Key(ctx, "follow-up")
	if err != nil || len(other) != 32 || bytes.Equal(other, keys[0]) {
		t.Errorf("a second name's key %x (%v) is missing or shared", other, err)
	}
}

func testBlobs(t *testing.T, s Store) {
	sha := "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" // "hello"
	for i := 0; i < 2; i++ {
		if err := s.PutBlob(ctx, sha, []byte("hello")); err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
	}
	b, err := s.GetBlob(ctx, sha)
	if err != nil || string(b) != "hello" {
		t.Errorf("get = %q, %v", b, err)
	}
}

func testMigrated(t *testing.T, s Store) {
	v, err := s.SchemaVersion(ctx)
	if err != nil || v < 1 {
		t.Errorf("schema version = %d, %v", v, err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Error(err)
	}
	if err := s.IntegrityCheck(ctx); err != nil {
		t.Error(err)
	}
}
