package indicator

import (
	"strings"
)

// ibanLengths is each country's IBAN length, from the SWIFT IBAN registry.
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
	"BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
	"EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
	"GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
	"IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
	"LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28,
	"NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
	"RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
	"SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}

func compact(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '-' || c == '.':
		case c >= 'a' && c <= 'z':
			b.WriteByte(c - 'a' + 'A')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// NormaliseIBAN checks an IBAN's country, length and ISO 7064 mod 97-10
// check digits, and returns it without spaces, upper-case.
func NormaliseIBAN(s string) (string, error) {
	iban := compact(strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "IBAN"), ":"))
	if len(iban) < 5 {
		return "", invalid("too short for an IBAN")
	}
	want, ok := ibanLengths[iban[:2]]
	if !ok {
		return "", invalid("%q is not an IBAN country", iban[:2])
	}
	if len(iban) != want {
		return "", invalid("an IBAN of %s has %d characters, not %d", iban[:2], want, len(iban))
	}
	if !(iban[2] >= '0' && iban[2] <= '9' && iban[3] >= '0' && iban[3] <= '9') {
		return "", invalid("check digits must be digits")
	}
	if !mod97Valid(iban) {
		return "", invalid("wrong IBAN check digits")
	}
	return iban, nil
}

// mod97Valid moves the first four characters to the end, reads letters as
// 10…35, and checks the number is 1 modulo 97 (ISO 7064), digit by digit.
func mod97Valid(iban string) bool {
	rearranged := iban[4:] + iban[:4]
	rem := 0
	for i := 0; i < len(rearranged); i++ {
		c := rearranged[i]
		switch {
		case c >= '0' && c <= '9':
			rem = (rem*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			v := int(c-'A') + 10
			rem = (rem*100 + v) % 97
		default:
			return false
		}
	}
	return rem == 1
}

// NormaliseBIC checks a BIC (ISO 9362): 4 letters for the bank, an IBAN or
// ISO country code, 2 characters for the location, and an optional
// 3-character branch.
func NormaliseBIC(s string) (string, error) {
	bic := compact(s)
	if len(bic) != 8 && len(bic) != 11 {
		return "", invalid("a BIC has 8 or 11 characters")
	}
	for i := 0; i < 4; i++ {
		if bic[i] < 'A' || bic[i] > 'Z' {
			return "", invalid("a BIC starts with 4 letters")
		}
	}
	if _, ok := ibanLengths[bic[4:6]]; !ok && !bicOnlyCountries[bic[4:6]] {
		return "", invalid("%q is not a country code", bic[4:6])
	}
	for i := 6; i < len(bic); i++ {
		c := bic[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return "", invalid("a BIC is letters and digits")
		}
	}
	if len(bic) == 11 && bic[8:] == "XXX" {
		bic = bic[:8] // the head office written out in full
	}
	return bic, nil
}

// bicOnlyCountries have banks with BICs but no IBAN.
var bicOnlyCountries = map[string]bool{
	"US": true, "CA": true, "CN": true, "JP": true, "AU": true, "IN": true, "HK": true, "SG": true,
	"MA": true, "DZ": true, "SN": true, "CI": true, "NG": true, "ZA": true, "MX": true, "AR": true, "KR": true,
	"NZ": true, "TH": true, "MY": true, "ID": true, "PH": true, "VN": true, "CM": true, "BJ": true, "TG": true,
	"ML": true, "BF": true, "GA": true, "CG": true, "CD": true, "MG": true, "KE": true, "GH": true,
}
