package demo

import (
	"strings"
	"testing"

	"github.com/vigie-platform/vigie/indicator"
)

func TestGeneratorIsRealistic(t *testing.T) {
	g := New(1, 200)
	counts := map[string]int{}
	ibans := map[string]int{}
	walletsCited, walletsValid := 0, 0
	inCampaign := 0
	for i := range 4000 {
		sub, campaign := g.Draw(i)
		counts[sub.Category]++
		if strings.HasPrefix(sub.Category, "fraud.") != (campaign != NoCampaign) {
			t.Errorf("report %d (%s) has campaign %d", i, sub.Category, campaign)
		}
		if campaign != NoCampaign {
			inCampaign++
		}
		if strings.Contains(sub.Description, "bc1q") {
			walletsCited++
		}
		for _, ind := range indicator.Extract(sub.Description, indicator.DefaultOptions) {
			switch ind.Type {
			case indicator.IBAN:
				ibans[ind.Value]++
			case indicator.BTC:
				walletsValid++
			}
		}
	}
	// Every wallet a victim cites passes its checksum (issue 12: a demo
	// campaign's wallet failed it).
	if walletsCited == 0 || walletsValid != walletsCited {
		t.Errorf("%d reports cite a wallet, %d valid wallets found", walletsCited, walletsValid)
	}
	if inCampaign != counts["fraud.scam"]+counts["fraud.phishing"] {
		t.Errorf("%d reports in campaigns", inCampaign)
	}
	for k := range g.Campaigns() {
		if title := g.CampaignTitle(k); !strings.Contains(title, "—") || len(title) < 20 {
			t.Errorf("campaign %d titled %q", k, title)
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
