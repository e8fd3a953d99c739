package indicator

import (
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"
)

type corpusCase struct {
	Name string `json:"name"`
	Text string `json:"text"`
	Want []struct {
		Type  Type   `json:"type"`
		Value string `json:"value"`
	} `json:"want"`
}

// The corpus holds realistic French messages (scams, phishing SMS, forum
// posts) and exactly the identifiers expected of each: nothing missing,
// nothing extra.
func TestExtractCorpus(t *testing.T) {
	b, err := os.ReadFile("testdata/corpus.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []corpusCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			var got, want []string
			for _, ind := range Extract(tc.Text, DefaultOptions) {
				got = append(got, string(ind.Type)+" "+ind.Value)
				if ind.Raw == "" || !strings.Contains(Refang(tc.Text), ind.Raw) {
					t.Errorf("raw %q of %s is not from the text", ind.Raw, ind.Value)
				}
			}
			for _, w := range tc.Want {
				want = append(want, string(w.Type)+" "+w.Value)
			}
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
		})
	}
}

func TestFromReport(t *testing.T) {
	inds := FromReport(Fields{
		Description: "Virement vers FR76 3000 6000 0112 3456 7890 189",
		URLs:        []string{"hxxps://faux-shop[.]fr/p?fbclid=1", "vendeur@faux-shop.fr", "pas une url"},
		SeenOn:      "https://t.me/fauxshop",
		Attachments: []string{"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"},
	}, DefaultOptions)
	have := map[string]string{}
	for _, i := range inds {
		have[string(i.Type)+" "+i.Value] = i.Raw
	}
	for _, want := range []string{
		"url https://faux-shop.fr/p", "domain faux-shop.fr", "iban FR7630006000011234567890189",
		"email vendeur@faux-shop.fr", "handle telegram:fauxshop",
		"sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	} {
		if _, ok := have[want]; !ok {
			t.Errorf("missing %s in %v", want, have)
		}
	}
	if raw := have["url https://faux-shop.fr/p"]; raw != "hxxps://faux-shop[.]fr/p?fbclid=1" {
		t.Errorf("the URL as written is not kept as evidence: %q", raw)
	}
}
