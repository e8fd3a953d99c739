package report

import (
	"regexp"
	"testing"
)

func TestReceiptFormat(t *testing.T) {
	re := regexp.MustCompile(`^VG-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$`)
	seen := map[string]bool{}
	for range 1000 {
		r := NewReceipt()
		if !re.MatchString(r) {
			t.Fatalf("receipt %q", r)
		}
		seen[r] = true
	}
	if len(seen) < 999 {
		t.Errorf("receipts repeat: %d distinct of 1000", len(seen))
	}
}

func TestNormaliseReceipt(t *testing.T) {
	for in, want := range map[string]string{
		"VG-7K3P-9QXM":   "VG-7K3P-9QXM",
		"vg-7k3p-9qxm":   "VG-7K3P-9QXM",
		" vg 7k3p 9qxm ": "VG-7K3P-9QXM",
		"7K3P9QXM":       "VG-7K3P-9QXM",
		"VG-7K3P-9QXO":   "VG-7K3P-9QX0", // O typed for zero
		"VG-1L1I-0000":   "VG-1111-0000",
		"VG-7K3P":        "",
		"":               "",
		"VG-7K3P-9QXM-1": "",
		"VGAB-CDEF":      "VG-VGAB-CDEF", // a code that itself begins with VG, typed without prefix
		"VG-VGAB-CDEF":   "VG-VGAB-CDEF",
	} {
		if got := NormaliseReceipt(in); got != want {
			t.Errorf("NormaliseReceipt(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSecretMatches(t *testing.T) {
	h := HashSecret("ABCD-EFGH-JKMN-PQRS-TVWX-YZ01")
	for _, typed := range []string{"ABCD-EFGH-JKMN-PQRS-TVWX-YZ01", "abcd efgh jkmn pqrs tvwx yz01", "ABCDEFGHJKMNPQRSTVWXYZ0I"} {
		if !SecretMatches(typed, h) {
			t.Errorf("%q refused", typed)
		}
	}
	if SecretMatches("ABCD-EFGH-JKMN-PQRS-TVWX-YZ02", h) {
		t.Error("wrong secret accepted")
	}
}

func FuzzNormaliseReceipt(f *testing.F) {
	for _, s := range []string{"VG-7K3P-9QXM", "vg7k3p9qxm", "", "ÉÉ", "VG-OOOO-IIII"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormaliseReceipt(s)
		if n == "" {
			return
		}
		if again := NormaliseReceipt(n); again != n {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, n, again)
		}
	})
}
