package indicator

import (
	"encoding/hex"
	"strings"

	"github.com/btcsuite/btcd/btcutil/base58"
	"github.com/btcsuite/btcd/btcutil/bech32"
	"golang.org/x/crypto/sha3"
)

// NormaliseBTC checks a Bitcoin mainnet address: base58check P2PKH (1…)
// or P2SH (3…), bech32 segwit v0 (BIP-173) or bech32m v1+ (BIP-350).
func NormaliseBTC(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > 3 && strings.EqualFold(s[:3], "bc1") {
		return normaliseSegwit(s)
	}
	if len(s) < 26 || len(s) > 35 {
		return "", invalid("a Bitcoin address has 26 to 35 characters")
	}
	payload, version, err := base58.CheckDecode(s)
	if err != nil {
		return "", invalid("bad base58check: %v", err)
	}
	if (version != 0x00 && version != 0x05) || len(payload) != 20 {
		return "", invalid("not a mainnet P2PKH or P2SH address")
	}
	return s, nil
}

func normaliseSegwit(s string) (string, error) {
	if strings.ToLower(s) != s && strings.ToUpper(s) != s {
		return "", invalid("mixed-case bech32")
	}
	hrp, data, variant, err := bech32.DecodeGeneric(strings.ToLower(s))
	if err != nil {
		return "", invalid("bad bech32: %v", err)
	}
	if hrp != "bc" || len(data) < 1 {
		return "", invalid("not a Bitcoin mainnet address")
	}
	witnessVersion := data[0]
	program, err := bech32.ConvertBits(data[1:], 5, 8, false)
	if err != nil {
		return "", invalid("bad witness program")
	}
	switch {
	case witnessVersion > 16:
		return "", invalid("bad witness version")
	case witnessVersion == 0 && variant != bech32.Version0:
		return "", invalid("segwit v0 must use bech32, not bech32m")
	case witnessVersion > 0 && variant != bech32.VersionM:
		return "", invalid("segwit v1+ must use bech32m")
	case witnessVersion == 0 && len(program) != 20 && len(program) != 32:
		return "", invalid("segwit v0 program must be 20 or 32 bytes")
	case len(program) < 2 || len(program) > 40:
		return "", invalid("witness program length")
	}
	return strings.ToLower(s), nil
}

// NormaliseETH checks an Ethereum address; a mixed-case one must carry a
// valid EIP-55 checksum. Stored lower-case.
func NormaliseETH(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) != 42 || !(strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X")) {
		return "", invalid("an Ethereum address is 0x and 40 hexadecimal digits")
	}
	body := s[2:]
	if _, err := hex.DecodeString(body); err != nil {
		return "", invalid("an Ethereum address is 0x and 40 hexadecimal digits")
	}
	lower := strings.ToLower(body)
	if body != lower && body != strings.ToUpper(body) && eip55(lower) != body {
		return "", invalid("wrong EIP-55 checksum")
	}
	return "0x" + lower, nil
}

// eip55 writes an address in its checksummed case: a letter is upper-case
// when the matching nibble of Keccak-256(address) is 8 or more.
func eip55(lowerHex string) string {
	h := sha3.NewLegacyKeccak256()
	h.Write([]byte(lowerHex))
	sum := h.Sum(nil)
	out := []byte(lowerHex)
	for i, c := range out {
		nibble := sum[i/2] >> 4
		if i%2 == 1 {
			nibble = sum[i/2] & 15
		}
		if c >= 'a' && c <= 'f' && nibble >= 8 {
			out[i] = c - 'a' + 'A'
		}
	}
	return string(out)
}

// NormaliseTRX checks a Tron address: base58check, version byte 0x41,
// 34 characters starting with T.
func NormaliseTRX(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) != 34 || s[0] != 'T' {
		return "", invalid("a Tron address has 34 characters and starts with T")
	}
	payload, version, err := base58.CheckDecode(s)
	if err != nil || version != 0x41 || len(payload) != 20 {
		return "", invalid("bad Tron base58check")
	}
	return s, nil
}
