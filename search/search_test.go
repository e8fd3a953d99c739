package search

import (
	"slices"
	"strings"
	"testing"
	"unicode"
)

func TestTerms(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"Arnaque  CPF", []string{"arnaque", "cpf"}},
		{`"faux" OR conseiller* NEAR(x y) -z`, []string{"faux", "or", "conseiller", "near", "x", "y", "z"}},
		{"élodie Élodie", []string{"élodie"}},
		{"FR76 3000 6000", []string{"fr76", "3000", "6000"}},
		{"a b c d e f g h i j k l m n", []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"}},
		{strings.Repeat("x", 65) + " ok", []string{"ok"}},
	}
	for _, c := range cases {
		if got := Terms(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Terms(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzTerms(f *testing.F) {
	for _, s := range []string{"", "a\"b", "x*", "NEAR(a b)", "\xff\xfe", "^col:val"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		terms := Terms(q)
		if len(terms) > MaxTerms {
			t.Fatalf("%d terms", len(terms))
		}
		for _, term := range terms {
			if term == "" {
				t.Fatal("empty term")
			}
			for _, r := range term {
				if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
					t.Fatalf("term %q holds %q", term, r)
				}
			}
		}
	})
}
