package visit

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"
)

func TestIsNewVisit(t *testing.T) {
	cases := []struct {
		method, referer, ua string
		want                bool
	}{
		{"GET", "", "Mozilla/5.0", true},
		{"GET", "https://search.example/?q=signaler", "Mozilla/5.0", true},
		{"GET", "http://portal.example/report", "Mozilla/5.0", false}, // inside the portal
		{"POST", "", "Mozilla/5.0", false},
		{"GET", "", "Googlebot/2.1", false},
	}
	for _, c := range cases {
		r := httptest.NewRequest(c.method, "http://portal.example/", nil)
		if c.referer != "" {
			r.Header.Set("Referer", c.referer)
		}
		r.Header.Set("User-Agent", c.ua)
		if got := IsNewVisit(r); got != c.want {
			t.Errorf("%s referer=%q ua=%q: %v, want %v", c.method, c.referer, c.ua, got, c.want)
		}
	}
}

type flakyStore struct {
	fail  bool
	added map[string]int64
}

func (s *flakyStore) AddVisits(_ context.Context, day time.Time, n int64) error {
	if s.fail {
		return errors.New("down")
	}
	s.added[day.Format(time.DateOnly)] += n
	return nil
}

func (s *flakyStore) Visits(context.Context, time.Time, time.Time) (map[string]int64, error) {
	return s.added, nil
}

func TestFlushKeepsCountsWhenStoreFails(t *testing.T) {
	store := &flakyStore{fail: true, added: map[string]int64{}}
	c := NewCounter(store, nil, func() time.Time { return time.Date(2009, 2, 19, 10, 0, 0, 0, time.UTC) })
	r := httptest.NewRequest("GET", "/", nil)
	c.Observe(r)
	c.Observe(r)
	if err := c.Flush(context.Background()); err == nil {
		t.Fatal("flush hid the store's failure")
	}
	store.fail = false
	c.Observe(r)
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if store.added["2009-02-19"] != 3 {
		t.Fatalf("visits = %v, want 3 (none lost)", store.added)
	}
}
