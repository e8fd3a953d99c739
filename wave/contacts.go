package wave

import (
	"encoding/binary"
	"hash/fnv"

	"github.com/vigie-platform/vigie/indicator"
)

// contactKinds are the identifiers through which a scam is paid or
// reached. A template reused by another operation keeps its words and
// changes these: two texts that name contacts of one kind and share none
// of them are two campaigns, however alike their words (the demo's
// campaigns of one kind differ by a phone number and score up to 0.8).
// Links are not among them: a scam SMS carries one tracking link per
// victim.
var contactKinds = map[indicator.Type]byte{
	indicator.IBAN: 1, indicator.Phone: 2, indicator.Email: 3, indicator.BTC: 4,
	indicator.ETH: 5, indicator.TRX: 6, indicator.Handle: 7,
}

// maxContacts bounds what a text keeps: a text naming more is a list, and
// its first contacts are enough to tell campaigns apart.
const maxContacts = 16

// contact is a contact's kind in the top byte and its value's hash below.
func contact(kind byte, value string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(value))
	return uint64(kind)<<56 | h.Sum64()&(1<<56-1)
}

// Text is what a report's description is compared by.
type Text struct {
	Sig Signature
	// Contacts are the contacts the text names (kind and hash), sorted.
	Contacts []uint64
}

// Matches says whether two texts are one template's copies: similar at
// threshold or above, and naming no different contacts of one kind.
func Matches(a, b Text, threshold float64) bool {
	return Similarity(a.Sig, b.Sig) >= threshold && !conflict(a.Contacts, b.Contacts)
}

// conflict is true when, for some kind, both name contacts and share none.
func conflict(a, b []uint64) bool {
	kinds := func(cs []uint64) map[byte]bool {
		m := map[byte]bool{}
		for _, c := range cs {
			m[byte(c>>56)] = true
		}
		return m
	}
	ka, kb := kinds(a), kinds(b)
	for k := range ka {
		if !kb[k] {
			continue
		}
		shared := false
		for _, x := range a {
			for _, y := range b {
				shared = shared || (x == y && byte(x>>56) == k)
			}
		}
		if !shared {
			return true
		}
	}
	return false
}

// Bytes encodes a text for storage: its signature then its contacts.
func (t Text) Bytes() []byte {
	b := t.Sig.Bytes()
	for _, c := range t.Contacts[:min(len(t.Contacts), maxContacts)] {
		b = binary.LittleEndian.AppendUint64(b, c)
	}
	return b
}

// ParseText decodes what Bytes made.
func ParseText(b []byte) (Text, bool) {
	if len(b) < 2*SignatureSize || (len(b)-2*SignatureSize)%8 != 0 || len(b) > 2*SignatureSize+8*maxContacts {
		return Text{}, false
	}
	sig, _ := ParseSignature(b[:2*SignatureSize])
	t := Text{Sig: sig}
	for rest := b[2*SignatureSize:]; len(rest) > 0; rest = rest[8:] {
		t.Contacts = append(t.Contacts, binary.LittleEndian.Uint64(rest))
	}
	return t, true
}
