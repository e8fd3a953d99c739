package casefile

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/vigie-platform/vigie/problem"
)

// NumberPrefix starts every case number: F for « fiche ».
const NumberPrefix = "F-"

// NextNumber is the number after last (the highest of year so far, "" for
// none): F-2026-000001, F-2026-000002… The store assigns it when it
// stores the case, under a lock, so that two instances never give one
// number twice.
func NextNumber(year, last string) string {
	rank := 0
	if _, r, ok := strings.Cut(strings.TrimPrefix(last, NumberPrefix+year), "-"); ok {
		rank, _ = strconv.Atoi(r)
	}
	return fmt.Sprintf("%s%s-%06d", NumberPrefix, year, rank+1)
}

// ParseNumber reads a case number as people type it: any case, spaces
// around, the leading zeros of the rank optional (f-2026-123 is
// F-2026-000123). ok is false when s is not a case number.
func ParseNumber(s string) (number string, ok bool) {
	s = strings.ToUpper(strings.TrimSpace(s))
	rest, found := strings.CutPrefix(s, NumberPrefix)
	if !found {
		return "", false
	}
	year, rank, found := strings.Cut(rest, "-")
	if !found || len(year) != 4 || rank == "" || len(rank) > 9 {
		return "", false
	}
	y, err1 := strconv.Atoi(year)
	r, err2 := strconv.Atoi(rank)
	if err1 != nil || err2 != nil || y < 2000 || r < 1 || strings.ContainsAny(rank, "+-") {
		return "", false
	}
	return fmt.Sprintf("%s%04d-%06d", NumberPrefix, y, r), true
}

// Resolve turns what a person typed to name a case, its number or its
// internal id, into the case's id.
func (s *Service) Resolve(ctx context.Context, ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if number, ok := ParseNumber(ref); ok {
		id, err := s.store.CaseIDByNumber(ctx, number)
		if err != nil {
			return "", problem.New("case.unknown_ref", ref)
		}
		return id, nil
	}
	if _, err := s.store.CaseByID(ctx, ref); err != nil {
		return "", problem.New("case.unknown_ref", ref)
	}
	return ref, nil
}
