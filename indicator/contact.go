package indicator

import (
	"net/mail"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// NormalisePhone parses a phone number, international or in the national
// format of region, and returns it in E.164 (+33612345678). Numbers that
// cannot exist (too short, unknown ranges) are refused.
func NormalisePhone(s, region string) (string, error) {
	if region == "" {
		region = "FR"
	}
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "00") {
		s = "+" + s[2:]
	}
	digits := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			digits++
		}
	}
	if digits < 6 || digits > 17 {
		return "", invalid("a phone number has 6 to 17 digits")
	}
	region = strings.ToUpper(region)
	compact := compactPhone(s)
	if e164, valid, handled := quickCheck(compact, region); handled {
		if !valid {
			return "", invalid("no such phone number")
		}
		return e164, nil
	}
	num, err := phonenumbers.Parse(compact, region)
	if err != nil {
		return "", invalid("not a phone number: %v", err)
	}
	if !phonenumbers.IsValidNumber(num) {
		return "", invalid("no such phone number")
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// NormaliseEmail returns a bare address in lower case, its domain in
// punycode. Defanged forms (name (at) domain (dot) fr) are accepted.
func NormaliseEmail(s string) (string, error) {
	s = strings.TrimSpace(Refang(s))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "mailto:"), "MAILTO:")
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.ContainsAny(s, " \t<>,;\"") {
		return "", invalid("not an e-mail address")
	}
	host, err := NormaliseHost(s[at+1:])
	if err != nil || isIPHost(host) {
		return "", invalid("bad e-mail domain")
	}
	addr := strings.ToLower(s[:at]) + "@" + host
	if parsed, err := mail.ParseAddress(addr); err != nil || parsed.Address != addr {
		return "", invalid("not an e-mail address")
	}
	return addr, nil
}

// compactPhone keeps a leading + and the digits, and drops the "(0)" that
// people write between the country code and the number.
func compactPhone(s string) string {
	s = strings.Replace(s, "(0)", "", 1)
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' || (c == '+' && len(b) == 0) {
			b = append(b, c)
		}
	}
	return string(b)
}

// trunkZero lists regions whose national numbers are written with a
// leading 0 that is not part of the number.
var trunkZero = map[string]bool{"FR": true, "BE": true, "CH": true, "DE": true, "GB": true, "NL": true, "AT": true}

// quickCheck validates the common case, a number of the default region
// written nationally (06…) or with its own country code (+33 6…), without
// the full parser: that parser's pattern matching costs tens of
// microseconds, which dominated extraction. Validity is still decided by
// the library's IsValidNumber, on a number built by hand; handled is false
// for every other shape, which goes to the full parser.
func quickCheck(compact, region string) (e164 string, valid, handled bool) {
	if !trunkZero[region] {
		return "", false, false
	}
	cc := phonenumbers.GetCountryCodeForRegion(region)
	ccs := "+" + strconv.Itoa(cc)
	var national string
	switch {
	case strings.HasPrefix(compact, ccs):
		national = strings.TrimPrefix(compact[len(ccs):], "0")
	case len(compact) > 1 && compact[0] == '0' && compact[1] != '0':
		national = compact[1:]
	default:
		return "", false, false
	}
	if len(national) < 4 || len(national) > 14 || national[0] == '0' {
		return "", false, true
	}
	n, err := strconv.ParseUint(national, 10, 64)
	if err != nil {
		return "", false, true
	}
	c32 := int32(cc)
	num := &phonenumbers.PhoneNumber{CountryCode: &c32, NationalNumber: &n}
	if !phonenumbers.IsValidNumberForRegion(num, region) {
		return "", false, true
	}
	return ccs + national, true, true
}
