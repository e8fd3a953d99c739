package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/casefile"
	"github.com/vigie-platform/vigie/hosting"
)

// testHostTraces: a case's traces come back whole and in order, steps and
// all; a new trace replaces the previous one; other cases keep theirs; a
// purged case loses them.
func testHostTraces(t *testing.T, s Store) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	for _, id := range []string{"case-traced", "case-other"} {
		c := casefile.Case{ID: id, Title: "Fiche", Status: casefile.StatusClosed, Priority: "normal", CreatedBy: "ana",
			CreatedAt: now, UpdatedAt: now, LegalRefs: []string{}}
		if err := s.CreateCase(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	first := []hosting.Trace{
		{CaseID: "case-traced", URL: "https://boutique.example.fr/p?id=1", Host: "boutique.example.fr", IP: "51.38.1.2", ASN: 4294967295, Org: "OVH SAS",
			Country: "FR", Abuse: "abuse@ovh.net", AbuseSource: "directory:asn", TracedAt: now, Actor: "ana@vigie.test",
			Steps: []hosting.Step{
				{Name: hosting.StepResolve, Result: "51.38.1.2", Source: "dns", At: now},
				{Name: hosting.StepNetwork, Result: "AS16276 OVH SAS FR", Source: "mmdb:GeoLite2-ASN", At: now},
				{Name: hosting.StepSecurity, Source: "security.txt", Error: "HTTP status 404 <b>é</b>", At: now.Add(time.Millisecond)},
			}},
		{CaseID: "case-traced", URL: "http://a.example/", Host: "a.example", TracedAt: now, Actor: "ana@vigie.test",
			Steps: []hosting.Step{{Name: hosting.StepResolve, Source: "policy", Error: "never", At: now}}},
	}
	if err := s.ReplaceTraces(ctx, "case-traced", first); err != nil {
		t.Fatal(err)
	}
	other := []hosting.Trace{{CaseID: "case-other", URL: "https://o.example/", Host: "o.example", TracedAt: now, Actor: "bob", Steps: []hosting.Step{}}}
	if err := s.ReplaceTraces(ctx, "case-other", other); err != nil {
		t.Fatal(err)
	}
	got, err := s.CaseTraces(ctx, "case-traced")
	if err != nil || !reflect.DeepEqual(got, first) {
		t.Fatalf("traces\n got %+v, %v\nwant %+v", got, err, first)
	}
	second := first[1:]
	if err := s.ReplaceTraces(ctx, "case-traced", second); err != nil {
		t.Fatal(err)
	}
	if got, err := s.CaseTraces(ctx, "case-traced"); err != nil || !reflect.DeepEqual(got, second) {
		t.Fatalf("after a new trace: %+v, %v", got, err)
	}
	if got, err := s.CaseTraces(ctx, "case-none"); err != nil || len(got) != 0 {
		t.Fatalf("a case never traced: %+v, %v", got, err)
	}
	if err := s.PurgeCases(ctx, []string{"case-traced"}, now); err != nil {
		t.Fatal(err)
	}
	if got, err := s.CaseTraces(ctx, "case-traced"); err != nil || len(got) != 0 {
		t.Errorf("a purged case keeps its traces: %+v, %v", got, err)
	}
	if got, err := s.CaseTraces(ctx, "case-other"); err != nil || !reflect.DeepEqual(got, other) {
		t.Errorf("another case's traces: %+v, %v", got, err)
	}
}
