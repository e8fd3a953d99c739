// Package demo makes realistic synthetic French reports: categories in the
// articles' proportions (about half scams), and scam campaigns that reuse
// IBANs, phone numbers, wallets and domains the way real campaigns do.
package demo

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/btcsuite/btcd/btcutil/bech32"

	"github.com/vigie-platform/vigie/report"
)

// Generator draws reports from a seeded source: the same seed gives the
// same reports.
type Generator struct {
	rng       *rand.Rand
	campaigns []campaign
	zipf      *rand.Zipf
	// Hot, when set, is a phone number put in one report out of HotEvery,
	// to measure the index on a value shared by very many reports.
	Hot      string
	HotEvery int
}

type campaign struct {
	iban, phone, domain, wallet, handle string
	kind                                int
	screenshot                          []byte // the same fake page capture sent by several victims
}

// weights follow the articles' 2009 figures: 2,272 scams, 910 offences
// against minors, 225 hate, of 4,504 cases; the rest spread.
var categories = []struct {
	code   string
	weight int
}{
	{"fraud.scam", 380}, {"fraud.phishing", 125}, {"minors.abuse-material", 130}, {"minors.grooming", 72},
	{"hate.racism", 40}, {"hate.discrimination", 10}, {"violence.threat", 45}, {"identity.theft", 50},
	{"hacking.intrusion", 45}, {"terrorism.apology", 15}, {"danger.self-harm", 10}, {"danger.explosives", 5},
	{"trafficking.goods", 40}, {"other", 33},
}

var words = []string{"affaires", "promo", "destock", "mode", "tech", "bijoux", "luxe", "outlet", "vente", "shop", "marche", "bon-plan", "discount", "expert", "invest", "crypto", "gain", "rendement"}

// New makes a generator with the given number of scam campaigns.
func New(seed uint64, campaigns int) *Generator {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	g := &Generator{rng: rng, zipf: rand.NewZipf(rng, 1.2, 4, uint64(campaigns-1))}
	for i := range campaigns {
		g.campaigns = append(g.campaigns, campaign{
			iban:       frenchIBAN(rng),
			phone:      fmt.Sprintf("06 1%d %02d %02d %02d", rng.IntN(10), rng.IntN(100), rng.IntN(100), rng.IntN(100)),
			domain:     fmt.Sprintf("%s-%s-%d.fr", words[rng.IntN(len(words))], words[rng.IntN(len(words))], i),
			wallet:     segwitAddress(rng),
			handle:     fmt.Sprintf("t.me/conseiller_%s_%d", words[rng.IntN(len(words))], i),
			kind:       rng.IntN(4),
			screenshot: fakePNG(rng),
		})
	}
	return g
}

// frenchIBAN returns a valid French IBAN with random bank details.
func frenchIBAN(rng *rand.Rand) string {
	bban := fmt.Sprintf("%05d%05d%011d%02d", rng.IntN(100000), rng.IntN(100000), rng.Int64N(1e11), rng.IntN(100))
	// ISO 7064: the check digits make (BBAN + "FR" + check) ≡ 1 mod 97;
	// F=15, R=27.
	rem := 0
	for _, c := range bban + "152700" {
		rem = (rem*10 + int(c-'0')) % 97
	}
	check := 98 - rem
	return "FR" + fmt.Sprintf("%02d", check) + bban
}

// segwitAddress returns a valid bech32 P2WPKH address (witness version 0,
// a 20-byte program) with random bytes: investigators check wallets'
// checksums, and so does the identifier index.
func segwitAddress(rng *rand.Rand) string {
	program := make([]byte, 20)
	for i := range program {
		program[i] = byte(rng.IntN(256))
	}
	five, err := bech32.ConvertBits(program, 8, 5, true)
	if err != nil {
		panic("demo: 20 bytes always convert: " + err.Error())
	}
	addr, err := bech32.Encode("bc", append([]byte{0}, five...))
	if err != nil {
		panic("demo: a 20-byte program always encodes: " + err.Error())
	}
	return addr
}

func (g *Generator) category() string {
	n := g.rng.IntN(1000)
	for _, c := range categories {
		if n < c.weight {
			return c.code
		}
		n -= c.weight
	}
	return "other"
}

// Next draws one report submission; i numbers it.
func (g *Generator) Next(i int) report.Submission {
	sub, _ := g.Draw(i)
	return sub
}

// NoCampaign is the campaign of a report that belongs to none.
const NoCampaign = -1

// Draw draws one report submission and says which scam campaign made it
// (NoCampaign for the others): the ground truth that waves and cases are
// measured against.
func (g *Generator) Draw(i int) (report.Submission, int) {
	cat := g.category()
	campaignOf := NoCampaign
	sub := report.Submission{Category: cat, Channel: report.ChannelWeb, Anonymous: g.rng.IntN(3) == 0, Lang: "fr",
		Urgent: (cat == "minors.grooming" || cat == "danger.self-harm" || cat == "violence.threat") && g.rng.IntN(4) == 0}
	if !sub.Anonymous {
		sub.Name = "Témoin " + strconv.Itoa(i)
		sub.Email = fmt.Sprintf("temoin%d@exemple.fr", i)
	}
	switch cat {
	case "fraud.scam", "fraud.phishing":
		k := int(g.zipf.Uint64())
		c := g.campaigns[k]
		campaignOf = k
		sub.IsVictim = true
		sub.AmountLost = strconv.Itoa(20 + g.rng.IntN(5000))
		switch c.kind {
		case 0:
			sub.Description = fmt.Sprintf("J'ai commandé sur le site, payé par virement sur l'IBAN %s. Le vendeur ne répond plus au %s. Commande n°%d.", spaced(c.iban), c.phone, i)
			sub.PaymentMeans = "transfer"
		case 1:
			sub.Description = fmt.Sprintf("Un conseiller m'a promis 12 %% par mois. J'ai versé sur le portefeuille %s puis sur l'IBAN %s. Contact : %s.", c.wallet, c.iban, c.phone)
			sub.PaymentMeans = "crypto"
		case 2:
			sub.Description = fmt.Sprintf("SMS reçu : votre colis est bloqué, réglez les frais sur https://%s/suivi?id=%d. Numéro d'appel : %s.", c.domain, i, c.phone)
			sub.PaymentMeans = "card"
		default:
			sub.Description = fmt.Sprintf("Faux support technique joint au %s, il m'a fait payer %d € et m'a envoyé vers %s.", c.phone, 50+g.rng.IntN(400), c.handle)
			sub.PaymentMeans = "card"
		}
		sub.URLs = []string{"https://www." + c.domain + "/produit/" + strconv.Itoa(g.rng.IntN(200))}
		if g.rng.IntN(10) == 0 {
			sub.Attachments = []report.Upload{{Filename: "capture.png", Content: c.screenshot}}
		}
	case "minors.abuse-material":
		sub.Description = "Images d'abus sur mineurs vues sur un forum. Je n'ai rien téléchargé."
		sub.URLs = []string{fmt.Sprintf("https://forum-%d-hebergement.net/t/%d", g.rng.IntN(3000), g.rng.IntN(100000))}
	case "minors.grooming":
		sub.Description = fmt.Sprintf("Un adulte demande des photos à ma fille de 13 ans sur un jeu en ligne, pseudo joueur%d.", g.rng.IntN(20000))
	default:
		sub.Description = fmt.Sprintf("Contenu signalé n°%d, vu sur un réseau social.", i)
		sub.URLs = []string{fmt.Sprintf("https://site-%d.fr/page/%d", g.rng.IntN(20000), g.rng.IntN(1000))}
	}
	if g.Hot != "" && g.HotEvery > 0 && i%g.HotEvery == 0 {
		sub.Description += " Il rappelle sans cesse depuis le " + g.Hot + "."
	}
	return sub, campaignOf
}

// Campaigns is how many scam campaigns the generator draws from.
func (g *Generator) Campaigns() int { return len(g.campaigns) }

// CampaignTitle names campaign k by what analysts would recognise it by:
// its kind and the identifiers its victims all cite.
func (g *Generator) CampaignTitle(k int) string {
	c := g.campaigns[k]
	switch c.kind {
	case 0:
		return fmt.Sprintf("Faux site de vente — IBAN %s, tél. %s", spaced(c.iban), c.phone)
	case 1:
		return fmt.Sprintf("Faux placement — portefeuille %s…, IBAN %s", c.wallet[:14], spaced(c.iban))
	case 2:
		return fmt.Sprintf("Faux colis bloqué — %s, tél. %s", c.domain, c.phone)
	default:
		return fmt.Sprintf("Faux support technique — tél. %s, %s", c.phone, c.handle)
	}
}

func spaced(iban string) string {
	out := ""
	for i := 0; i < len(iban); i += 4 {
		if i > 0 {
			out += " "
		}
		out += iban[i:min(i+4, len(iban))]
	}
	return out
}

// fakePNG is a few bytes that sniff as PNG: enough to exercise attachment
// storage and hashing without shipping images.
func fakePNG(rng *rand.Rand) []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	for range 56 {
		b = append(b, byte(rng.IntN(256)))
	}
	return b
}
