package wave

import (
	"encoding/binary"
	"hash/fnv"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Placeholders stand for the parts of a templated message that change from
// one copy to the next: each victim's link (a tracking id in it) and
// address. A name changes one word, which shingles absorb; a link is one
// token whose every character may change, so it is replaced whole.
const (
	linkToken  = "<lien>"
	emailToken = "<courriel>"
)

// maxTextBytes bounds the text read: a templated message is short, and a
// pasted book must not cost more than its first pages.
const maxTextBytes = 16 << 10

// Tokens normalises a text into the words its shingles are made of:
// lower case, accents folded, punctuation dropped, links and e-mail
// addresses replaced by placeholders, digits kept (a phone number or an
// IBAN is what tells one campaign's template from another's).
func Tokens(text string) []string {
	if len(text) > maxTextBytes {
		text = text[:maxTextBytes]
	}
	var out []string
	for _, field := range strings.Fields(text) {
		w := strings.TrimFunc(field, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		switch {
		case w == "":
			continue
		case isLink(w):
			out = append(out, linkToken)
			continue
		case isEmail(w):
			out = append(out, emailToken)
			continue
		}
		// Split on anything else (apostrophes, hyphens, n°12): "l'IBAN"
		// is the words "l" and "iban" in any spelling.
		start := -1
		for i, r := range w {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				if start < 0 {
					start = i
				}
				continue
			}
			if start >= 0 {
				out = append(out, fold(w[start:i]))
				start = -1
			}
		}
		if start >= 0 {
			out = append(out, fold(w[start:]))
		}
	}
	return out
}

func isLink(w string) bool {
	l := strings.ToLower(w)
	if strings.Contains(l, "://") || strings.HasPrefix(l, "www.") {
		return true
	}
	// host/path (t.me/someone, exemple.fr/suivi): a dot before a slash.
	if slash := strings.IndexByte(l, '/'); slash > 0 {
		return strings.Contains(l[:slash], ".")
	}
	return false
}

func isEmail(w string) bool {
	at := strings.IndexByte(w, '@')
	return at > 0 && strings.Contains(w[at+1:], ".")
}

// fold lowers a word and takes the accents off the letters French uses,
// so that "Numéro" and "numero" are one word.
func fold(w string) string {
	var b strings.Builder
	b.Grow(len(w))
	for _, r := range strings.ToLower(w) {
		switch r {
		case 'à', 'â', 'ä', 'á', 'ã', 'å':
			r = 'a'
		case 'ç':
			r = 'c'
		case 'é', 'è', 'ê', 'ë':
			r = 'e'
		case 'î', 'ï', 'í', 'ì':
			r = 'i'
		case 'ô', 'ö', 'ó', 'ò', 'õ':
			r = 'o'
		case 'ù', 'û', 'ü', 'ú':
			r = 'u'
		case 'ÿ':
			r = 'y'
		case 'œ':
			b.WriteString("oe")
			continue
		case 'æ':
			b.WriteString("ae")
			continue
		}
		if r == utf8.RuneError {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ShingleWords is how many consecutive words make one shingle. Three keep
// the order of a sentence (two texts with the same words in another order
// are not a template's copies) while one changed word changes only three
// shingles.
const ShingleWords = 3

// MinTokens is the fewest words a text needs to be compared: below it,
// shingles are too few for the sample of MinHash to estimate anything, and
// a short text ("arnaque au colis") is said by unrelated people.
const MinTokens = 8

// Shingles hashes each run of ShingleWords consecutive tokens, without
// repeats; nil for a text of fewer than MinTokens words.
func Shingles(tokens []string) []uint64 {
	if len(tokens) < MinTokens {
		return nil
	}
	seen := make(map[uint64]struct{}, len(tokens))
	out := make([]uint64, 0, len(tokens))
	h := fnv.New64a()
	for i := 0; i+ShingleWords <= len(tokens); i++ {
		h.Reset()
		for _, t := range tokens[i : i+ShingleWords] {
			h.Write([]byte(t))
			h.Write([]byte{0})
		}
		v := h.Sum64()
		if _, ok := seen[v]; !ok {
			seen[v] = struct{}{}
			out = append(out, v)
		}
	}
	return out
}

// SignatureSize is how many minimums a signature keeps. The estimate of a
// similarity J from n of them has a standard deviation of
// sqrt(J(1-J)/n): 0.06 at J=0.5 for 64, small beside the gap between a
// template's copies (0.7 to 1) and two campaigns' texts (about 0.3).
const SignatureSize = 64

// Signature is a text's MinHash: for each of SignatureSize hash functions,
// the low 16 bits of the smallest hash of its shingles (b-bit MinHash: two
// different minimums agree on 16 bits once in 65,536, which the estimate
// can ignore, and a signature takes 128 bytes).
type Signature [SignatureSize]uint16

// seeds are the hash functions' keys, fixed so that signatures computed by
// any version of the platform compare.
var seeds = func() [SignatureSize]uint64 {
	var s [SignatureSize]uint64
	x := uint64(0x76696769652d7761) // "vigie-wa"
	for i := range s {
		x = mix(x + 0x9e3779b97f4a7c15)
		s[i] = x
	}
	return s
}()

// mix is SplitMix64's finaliser: every output bit depends on every input
// bit, which is what makes each seeded function an independent
// permutation for MinHash's purpose.
func mix(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Sign computes a text's signature; ok is false for a text too short to
// compare.
func Sign(text string) (sig Signature, ok bool) {
	return signTokens(Tokens(text))
}

func signTokens(tokens []string) (sig Signature, ok bool) {
	sh := Shingles(tokens)
	if len(sh) == 0 {
		return sig, false
	}
	var mins [SignatureSize]uint64
	for i := range mins {
		mins[i] = ^uint64(0)
	}
	for _, v := range sh {
		for i, seed := range seeds {
			if h := mix(v ^ seed); h < mins[i] {
				mins[i] = h
			}
		}
	}
	for i, m := range mins {
		sig[i] = uint16(m)
	}
	return sig, true
}

// Similarity estimates the Jaccard similarity of the two texts' shingles:
// the share of positions where the signatures agree.
func Similarity(a, b Signature) float64 {
	same := 0
	for i := range a {
		if a[i] == b[i] {
			same++
		}
	}
	return float64(same) / SignatureSize
}

// Banding: a signature is cut in Bands bands of Rows values, and two texts
// are compared when one band is equal in both (locality-sensitive
// hashing), so that a new text is compared with a few candidates found by
// key, never with every stored text. Two texts of similarity J share a
// band with probability 1-(1-J^Rows)^Bands: 0.999 at J=0.7, 0.64 at 0.5,
// 0.12 at 0.3. The candidates are then kept only at Threshold or above.
const (
	Bands = 16
	Rows  = SignatureSize / Bands
)

// BandKeys returns the keys of a signature's bands.
func BandKeys(sig Signature) []string {
	out := make([]string, Bands)
	var buf [2*Rows + 1]byte
	for b := range Bands {
		buf[0] = byte(b)
		for r := range Rows {
			binary.LittleEndian.PutUint16(buf[1+2*r:], sig[b*Rows+r])
		}
		h := fnv.New64a()
		h.Write(buf[:])
		out[b] = "t" + strconv.Itoa(b) + ":" + strconv.FormatUint(h.Sum64(), 36)
	}
	return out
}

// Bytes encodes a signature for storage.
func (s Signature) Bytes() []byte {
	b := make([]byte, 2*SignatureSize)
	for i, v := range s {
		binary.LittleEndian.PutUint16(b[2*i:], v)
	}
	return b
}

// ParseSignature decodes what Bytes made.
func ParseSignature(b []byte) (Signature, bool) {
	var s Signature
	if len(b) != 2*SignatureSize {
		return s, false
	}
	for i := range s {
		s[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return s, true
}
