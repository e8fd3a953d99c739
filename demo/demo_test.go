package demo

import (
	"testing"

	"github.com/vigie-platform/vigie/indicator"
)

func TestGeneratorIsRealistic(t *testing.T) {
	g := New(1, 200)
	counts := map[string]int{}
	ibans := map[string]int{}
	for i := range 4000 {
		sub := g.Next(i)
		counts[sub.Category]++
		for _, ind := range indicator.Extract(sub.Description, indicator.DefaultOptions) {
			if ind.Type == indicator.IBAN {
				ibans[ind.Value]++
			}
		}
	}
	scams := counts["fraud.scam"] + counts["fraud.phishing"]
	if scams < 1800 || scams > 2300 {
		t.Errorf("scams = %d of 4000, want about half", scams)
	}
	if counts["minors.abuse-material"]+counts["minors.grooming"] < 600 {
		t.Errorf("minors = %v", counts)
	}
	if len(ibans) == 0 {
		t.Fatal("no valid IBAN generated")
	}
	max := 0
	for _, n := range ibans {
		max = maxInt(max, n)
	}
	if max < 20 {
		t.Errorf("campaigns do not reuse IBANs: top IBAN in %d reports", max)
	}
	a, b := New(7, 50).Next(3), New(7, 50).Next(3)
	if a.Description != b.Description {
		t.Error("same seed, different reports")
	}
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}
