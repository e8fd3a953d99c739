// Package pdq computes PDQ perceptual hashes of images, as Meta's reference
// hasher (ThreatExchange, pdq/) specifies them: luminance, a Jarosz tent
// filter and decimation to 64×64, a 64×64 to 16×16 DCT, and one bit per
// coefficient above the median. Two images that look alike have hashes a
// small Hamming distance apart (31 or less is the usual match threshold).
//
// The package is written from the reference's description and its
// documented behaviour; it shares no code with it.
package pdq

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
)

// Hash is a 256-bit PDQ hash. Its text form is the reference's: 64
// hexadecimal digits, and Hash[0] holds the first 16 of them.
type Hash [4]uint64

// ErrHashFormat is returned by ParseHash for anything but 64 hex digits.
var ErrHashFormat = errors.New("pdq: a hash is 64 hexadecimal digits")

// ParseHash reads a hash in its text form (upper or lower case).
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 64 {
		return h, fmt.Errorf("%w: got %d characters", ErrHashFormat, len(s))
	}
	var b [32]byte
	if _, err := hex.Decode(b[:], []byte(s)); err != nil {
		return h, fmt.Errorf("%w: %v", ErrHashFormat, err)
	}
	for i := range 4 {
		for j := range 8 {
			h[i] = h[i]<<8 | uint64(b[i*8+j])
		}
	}
	return h, nil
}

// String gives the 64 lower-case hex digits.
func (h Hash) String() string {
	var b [32]byte
	for i := range 4 {
		for j := range 8 {
			b[i*8+j] = byte(h[i] >> (56 - 8*j))
		}
	}
	return hex.EncodeToString(b[:])
}

// MarshalText and UnmarshalText give the hex form in JSON and CSV.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText parses the hex form.
func (h *Hash) UnmarshalText(b []byte) error {
	v, err := ParseHash(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// Distance is the Hamming distance: the number of bits that differ.
func Distance(a, b Hash) int {
	return bits.OnesCount64(a[0]^b[0]) + bits.OnesCount64(a[1]^b[1]) +
		bits.OnesCount64(a[2]^b[2]) + bits.OnesCount64(a[3]^b[3])
}

// Word16 returns the i-th 16-bit word of the hash (0 ≤ i < 16), counting
// from the left of the text form. Indexes split hashes this way.
func (h Hash) Word16(i int) uint16 {
	return uint16(h[i>>2] >> (48 - 16*(i&3)))
}

// setBit sets bit k in the reference's numbering: k = 16·row + column of
// the 16×16 DCT output. The reference keeps sixteen 16-bit words, word
// k/16 holding bit k%16, and prints word 15 first; so row r is the 16-bit
// word at position 15-r of the text form.
func (h *Hash) setBit(k int) {
	pos := 15 - k>>4 // 16-bit word position from the left of the text
	h[pos>>2] |= 1 << (uint(48-16*(pos&3)) + uint(k&15))
}

// bit reports bit k in the same numbering as setBit.
func (h Hash) bit(k int) bool {
	pos := 15 - k>>4
	return h[pos>>2]>>(uint(48-16*(pos&3))+uint(k&15))&1 == 1
}
