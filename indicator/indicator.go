// Package indicator finds and normalises the identifiers that tie reports
// together: URLs, hosts and domains, IP addresses, e-mail addresses, phone
// numbers, IBANs and BICs, crypto-currency wallets, social handles and file
// hashes. Two reports that name the same thing in different spellings get
// the same normalised value.
package indicator

import (
	"errors"
	"fmt"
	"strings"

	"github.com/vigie-platform/vigie/contenthash"
)

// Type names a kind of identifier. The names are stable: they are stored.
type Type string

const (
	URL    Type = "url"
	Host   Type = "host"
	Domain Type = "domain" // registrable domain (eTLD+1)
	IP     Type = "ip"
	Email  Type = "email"
	Phone  Type = "phone"
	IBAN   Type = "iban"
	BIC    Type = "bic"
	BTC    Type = "btc"
	ETH    Type = "eth"
	TRX    Type = "trx" // Tron, the usual chain of USDT scams
	Handle Type = "handle"
	SHA256 Type = "sha256"
	// Image is a hash of known content ("pdq:…", "sha256:…") that a
	// report's media matched in a bank: reports whose images match the
	// same entry are linked by it (bank package).
	Image Type = "image"
)

// Types lists every type, in the order they are shown.
var Types = []Type{URL, Host, Domain, IP, Email, Phone, IBAN, BIC, BTC, ETH, TRX, Handle, SHA256, Image}

// ParseType reads a type name.
func ParseType(s string) (Type, error) {
	for _, t := range Types {
		if string(t) == s {
			return t, nil
		}
	}
	names := make([]string, len(Types))
	for i, t := range Types {
		names[i] = string(t)
	}
	return "", fmt.Errorf("unknown indicator type %q (known: %s)", s, strings.Join(names, ", "))
}

// Indicator is one identifier found somewhere.
type Indicator struct {
	Type  Type   `json:"type"`
	Value string `json:"value"` // normalised: the correlation key
	Raw   string `json:"raw"`   // as written, kept as evidence
}

// Options tune normalisation.
type Options struct {
	// Region is the ISO 3166 country assumed for phone numbers written
	// without an international prefix.
	Region string
}

// DefaultOptions suit a French platform.
var DefaultOptions = Options{Region: "FR"}

// ErrInvalid wraps every "this is not a valid X" answer.
var ErrInvalid = errors.New("invalid")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Normalise returns the canonical form of one value of type t.
func Normalise(t Type, raw string, opts Options) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", invalid("empty value")
	}
	switch t {
	case URL:
		return CorrelationURL(s)
	case Host:
		return NormaliseHost(s)
	case Domain:
		return RegistrableDomain(s)
	case IP:
		return NormaliseIP(s)
	case Email:
		return NormaliseEmail(s)
	case Phone:
		return NormalisePhone(s, opts.Region)
	case IBAN:
		return NormaliseIBAN(s)
	case BIC:
		return NormaliseBIC(s)
	case BTC:
		return NormaliseBTC(s)
	case ETH:
		return NormaliseETH(s)
	case TRX:
		return NormaliseTRX(s)
	case Handle:
		return NormaliseHandle(s)
	case SHA256:
		return NormaliseSHA256(s)
	case Image:
		h, err := contenthash.Parse(s)
		if err != nil {
			return "", invalid("an image hash is kind:value, e.g. pdq:<64 hex digits>")
		}
		return h.String(), nil
	}
	return "", fmt.Errorf("unknown indicator type %q", t)
}

// NormaliseSHA256 accepts 64 hex digits in any case.
func NormaliseSHA256(s string) (string, error) {
	s = strings.ToLower(s)
	if len(s) != 64 || strings.Trim(s, "0123456789abcdef") != "" {
		return "", invalid("a SHA-256 is 64 hexadecimal digits")
	}
	return s, nil
}
