package wave

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vigie-platform/vigie/correlate"
	"github.com/vigie-platform/vigie/indicator"
)

func TestTokens(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Numéro d'appel : 06 12", "numero d appel 06 12"},
		{"Réglez sur https://x.fr/a?b=1, merci", "reglez sur <lien> merci"},
		{"voir t.me/conseiller_3 ou www.exemple.fr.", "voir <lien> ou <lien>"},
		{"écrire à Jean.Dupont@exemple.fr !", "ecrire a <courriel>"},
		{"Cœur n°12 — «ŒUVRE»", "coeur n 12 oeuvre"},
		{"   ", ""},
	} {
		if got := strings.Join(Tokens(tc.in), " "); got != tc.want {
			t.Errorf("Tokens(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestShinglesNeedAText(t *testing.T) {
	if sh := Shingles(Tokens("arnaque au colis")); sh != nil {
		t.Errorf("a three-word text gave %d shingles", len(sh))
	}
	if _, ok := Sign("Un texte de huit mots au moins pour comparer"); !ok {
		t.Error("an eight-word text is not signed")
	}
	// Repeats count once.
	if a, b := Shingles(Tokens("a b c a b c a b c")), Shingles(Tokens("a b c a b c a b c a b c")); len(a) != 3 || len(b) != 3 {
		t.Errorf("repeated shingles: %d and %d, want 3", len(a), len(b))
	}
}

const template = "Bonjour %s, votre colis n'a pas pu être livré faute d'affranchissement. Réglez 1,99 € de frais sur %s avant demain, sinon il sera renvoyé à l'expéditeur."

func TestSimilarity(t *testing.T) {
	sign := func(s string) Signature {
		t.Helper()
		sig, ok := Sign(s)
		if !ok {
			t.Fatalf("%q not signed", s)
		}
		return sig
	}
	fill := func(name, link string) string {
		return strings.Replace(strings.Replace(template, "%s", name, 1), "%s", link, 1)
	}
	a := sign(fill("Marie", "https://colis-a.fr/1"))
	b := sign(fill("Jean", "https://autre-lien.net/zz"))
	c := sign("Un faux conseiller bancaire m'a appelé et m'a fait valider un virement de 800 euros depuis mon application.")
	if got := Similarity(a, a); got != 1 {
		t.Errorf("a text with itself: %v", got)
	}
	if got := Similarity(a, b); got < Threshold {
		t.Errorf("copies of one template (name and link changed): %.2f, below %.2f", got, Threshold)
	}
	if got := Similarity(a, c); got >= Threshold {
		t.Errorf("unrelated texts: %.2f, at or above %.2f", got, Threshold)
	}
	// Copies share a band: the store finds them by key.
	if !sharesBand(BandKeys(a), BandKeys(b)) {
		t.Error("the copies share no band")
	}
	if p, ok := ParseSignature(a.Bytes()); !ok || p != a {
		t.Error("signature does not round-trip")
	}
	if _, ok := ParseSignature([]byte{1, 2}); ok {
		t.Error("a short signature parsed")
	}
}

func sharesBand(a, b []string) bool {
	for _, k := range a {
		if slices.Contains(b, k) {
			return true
		}
	}
	return false
}

func TestKeysOf(t *testing.T) {
	list := correlate.DefaultWarningList()
	k := KeysOf(Pending{Fields: indicator.Fields{
		Description: "vu sur https://www.facebook.com/ et sur https://Boutique.fr/p/1",
		URLs:        []string{"https://www.facebook.com/escroc.page", "https://t.me/"},
		Attachments: []string{strings.Repeat("ab", 32)},
	}}, list, indicator.DefaultOptions)
	want := []string{"h:" + strings.Repeat("ab", 32), "u:https://boutique.fr/p/1", "u:https://www.facebook.com/escroc.page"}
	got := slices.Clone(k.Exact)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("keys %v, want %v (listed hosts' home pages left out, a page on them kept)", got, want)
	}
	if k.HasText {
		t.Error("a text of six words is signed: MinTokens is eight")
	}
}

// FuzzTokens: any text gives valid, non-empty, lower-case words without
// spaces, and a signature computed twice is the same.
func FuzzTokens(f *testing.F) {
	for _, s := range []string{template, "n°12 l'IBAN FR76 3000", "https://a.b/c d@e.f", "\xff\xfe", "œÆ ß İ", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, tok := range Tokens(s) {
			if tok == "" || !utf8.ValidString(tok) || strings.ContainsAny(tok, " \t\n") {
				t.Fatalf("bad token %q from %q", tok, s)
			}
			if tok != linkToken && tok != emailToken && tok != strings.ToLower(tok) && tok != fold(tok) {
				t.Fatalf("token %q not folded", tok)
			}
		}
		a, okA := Sign(s)
		b, okB := Sign(s)
		if okA != okB || a != b {
			t.Fatal("signing is not deterministic")
		}
		if okA && Similarity(a, b) != 1 {
			t.Fatal("a text is not similar to itself")
		}
		if okA && len(BandKeys(a)) != Bands {
			t.Fatal("band count")
		}
	})
}

func TestContactsKeepCampaignsApart(t *testing.T) {
	list := correlate.DefaultWarningList()
	keys := func(desc string) Keys {
		return KeysOf(Pending{Fields: indicator.Fields{Description: desc}}, list, indicator.DefaultOptions)
	}
	support := "Faux support technique joint au %s, il m'a fait payer 120 € et m'a envoyé vers un site pour installer un logiciel de contrôle à distance."
	a := keys(strings.Replace(support, "%s", "06 12 34 56 78", 1))
	b := keys(strings.Replace(support, "%s", "06 12 34 56 78", 1) + " Merci.")
	c := keys(strings.Replace(support, "%s", "07 98 76 54 32", 1))
	if !a.HasText || !b.HasText || !c.HasText {
		t.Fatal("texts naming a phone are not compared")
	}
	if !Matches(a.Text, b.Text, Threshold) {
		t.Error("one template with one phone does not match")
	}
	if Similarity(a.Text.Sig, c.Text.Sig) < 0.3 || Matches(a.Text, c.Text, Threshold) {
		t.Errorf("one template with two phones (similarity %.2f) matches: two campaigns", Similarity(a.Text.Sig, c.Text.Sig))
	}
	// A text naming no link and no contact is not compared, however long.
	if k := keys("Images d'abus sur mineurs vues sur un forum de discussion, je n'ai rien téléchargé ni partagé."); k.HasText {
		t.Error("a text naming nothing is compared")
	}
	p, ok := ParseText(a.Text.Bytes())
	if !ok || p.Sig != a.Text.Sig || !slices.Equal(p.Contacts, a.Text.Contacts) {
		t.Error("text does not round-trip")
	}
}

// FuzzParseText: the stored form's decoder takes any bytes without
// panicking, and what it accepts encodes back to the same bytes.
func FuzzParseText(f *testing.F) {
	sig, _ := Sign(template)
	f.Add(Text{Sig: sig, Contacts: []uint64{1, 2}}.Bytes())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		tx, ok := ParseText(b)
		if ok && string(tx.Bytes()) != string(b) {
			t.Fatal("round trip changed the bytes")
		}
	})
}
