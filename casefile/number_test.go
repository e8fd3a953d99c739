package casefile

import "testing"

func TestCaseNumbers(t *testing.T) {
	for _, tc := range []struct{ year, last, want string }{
		{"2026", "", "F-2026-000001"},
		{"2026", "F-2026-000041", "F-2026-000042"},
		{"2027", "", "F-2027-000001"},
		{"2026", "F-2026-999999", "F-2026-1000000"},
	} {
		if got := NextNumber(tc.year, tc.last); got != tc.want {
			t.Errorf("NextNumber(%s, %q) = %s, want %s", tc.year, tc.last, got, tc.want)
		}
	}
	for in, want := range map[string]string{
		"F-2026-000123": "F-2026-000123", " f-2026-123 ": "F-2026-000123", "F-2026-1000000": "F-2026-1000000",
		"F-2026-0": "", "F-26-000123": "", "VG-ABCD-EFGH": "", "F-2026-": "", "F-2026-+12": "", "F-2026-12a": "",
		"01a23588-129b-753b-a3b5-6d772b85255c": "",
	} {
		got, ok := ParseNumber(in)
		if (want == "") == ok || got != want {
			t.Errorf("ParseNumber(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"F-2026-000123", "f-2026-1", "F-2026--1", "F-0000-000000", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := ParseNumber(s)
		if !ok {
			return
		}
		// A parsed number parses to itself, and is what NextNumber writes.
		again, ok2 := ParseNumber(n)
		if !ok2 || again != n {
			t.Fatalf("%q → %q → %q %v", s, n, again, ok2)
		}
	})
}
