package news

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/report"
)

func TestTokensAndLinks(t *testing.T) {
	tok := NewTokens([]byte("server key"))
	sig := tok.Sign("VG-ABCD-EFGH")
	if !tok.Valid("vg-abcd-efgh", sig) || !tok.Valid("VGABCDEFGH", sig) {
		t.Error("a receipt typed another way does not match its token")
	}
	for _, tc := range []struct{ receipt, token string }{
		{"VG-ABCD-EFGJ", sig}, {"VG-ABCD-EFGH", ""}, {"VG-ABCD-EFGH", sig[:len(sig)-1]}, {"", sig}, {"VG-1", tok.Sign("VG-1")},
	} {
		if tok.Valid(tc.receipt, tc.token) {
			t.Errorf("Valid(%q, %q) = true", tc.receipt, tc.token)
		}
	}
	if NewTokens([]byte("other key")).Valid("VG-ABCD-EFGH", sig) || (Tokens{}).Valid("VG-ABCD-EFGH", (Tokens{}).Sign("VG-ABCD-EFGH")) {
		t.Error("a token is valid under another key, or without one")
	}
	l := tok.Links("https://vigie.example/", "VG-ABCD-EFGH", "en")
	if l.FollowUp != "https://vigie.example/follow-up?lang=en&receipt=VG-ABCD-EFGH" {
		t.Errorf("follow-up link %q", l.FollowUp)
	}
	u, err := url.Parse(l.Stop)
	if err != nil || u.Path != "/news/stop" || !tok.Valid(u.Query().Get("receipt"), u.Query().Get("token")) {
		t.Errorf("stop link %q", l.Stop)
	}
}

func TestBackoff(t *testing.T) {
	if Backoff(1) != time.Minute || Backoff(2) != 2*time.Minute || Backoff(100) != 6*time.Hour {
		t.Errorf("backoff %v %v %v", Backoff(1), Backoff(2), Backoff(100))
	}
}

// stopStore records StopNews calls; the rest of the contract is unused.
type stopStore struct {
	Store
	stopped []string
}

func (s *stopStore) StopNews(_ context.Context, receipt string, _ time.Time) (bool, error) {
	s.stopped = append(s.stopped, receipt)
	return true, nil
}

func TestStopChecksTheToken(t *testing.T) {
	st := &stopStore{}
	svc := &Service{Store: st, Tokens: NewTokens([]byte("k"))}
	if err := svc.Stop(context.Background(), "VG-ABCD-EFGH", "forged"); !errors.Is(err, ErrBadToken) || len(st.stopped) != 0 {
		t.Fatalf("forged token: %v, stopped %v", err, st.stopped)
	}
	// With a good token the store is asked within an audit entry, which a
	// store outside a transaction cannot write: audit.Within says so.
	err := svc.Stop(context.Background(), "vg-abcd-efgh", svc.Tokens.Sign("VG-ABCD-EFGH"))
	if len(st.stopped) != 1 || st.stopped[0] != "VG-ABCD-EFGH" {
		t.Fatalf("stopped %v (%v)", st.stopped, err)
	}
}

func TestNotifies(t *testing.T) {
	for st, want := range map[report.Status]bool{report.StatusReceived: false, report.StatusAnalysing: true, report.StatusReferred: true, report.StatusClosed: true} {
		if Notifies(st) != want {
			t.Errorf("Notifies(%s) = %v", st, !want)
		}
	}
}

func FuzzTokenValid(f *testing.F) {
	tok := NewTokens([]byte("fuzz key"))
	f.Add("VG-ABCD-EFGH", tok.Sign("VG-ABCD-EFGH"))
	f.Add("VG-ABCD-EFGH", "")
	f.Add("vg abcd efgh", "x")
	f.Fuzz(func(t *testing.T, receipt, token string) {
		if tok.Valid(receipt, token) && token != tok.Sign(receipt) {
			t.Fatalf("Valid(%q, %q) without being its token", receipt, token)
		}
		if rc := report.NormaliseReceipt(receipt); rc != "" && !tok.Valid(receipt, tok.Sign(strings.ToLower(rc))) {
			t.Fatalf("the token of %q is refused", receipt)
		}
	})
}
