// Package demo makes realistic synthetic French reports: categories in the
// articles' proportions (about half scams), and scam campaigns that reuse
// IBANs, phone numbers, wallets and domains the way real campaigns do.
package demo

import (
	"fmt"
	"math/rand/v2"
	"strconv"

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
			wallet:     "bc1q" + bech32ish(rng),
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

// bech32ish is only a look-alike: demo wallets need not pass the checksum,
// and those that do not are simply not identifiers.
func bech32ish(rng *rand.Rand) string {
	const alphabet = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
	b := make([]byte, 38)
	for i := range b {
		b[i] = alphabet[rng.IntN(32)]
	}
	return string(b)
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
	cat := g.category()
	sub := report.Submission{Category: cat, Channel: report.ChannelWeb, Anonymous: g.rng.IntN(3) == 0, Lang: "fr",
		Urgent: (cat == "minors.grooming" || cat == "danger.self-harm" || cat == "violence.threat") && g.rng.IntN(4) == 0}
	if !sub.Anonymous {
		sub.Name = "Témoin " + strconv.Itoa(i)
		sub.Email = fmt.Sprintf("temoin%d@exemple.fr", i)
	}
	switch cat {
	case "fraud.scam", "fraud.phishing":
		c := g.campaigns[g.zipf.Uint64()]
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
	return sub
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
