package hosting

import (
	"bufio"
	"bytes"
	"strings"
)

// ParseSecurityTxt reads the Contact fields of a security.txt file (RFC
// 9116), in their order, normalised (an e-mail address without mailto:,
// or an https URL); other schemes and malformed values are left out. A
// file signed as an OpenPGP cleartext message is read through its
// signature armour, which is not checked: the contact is a suggestion an
// analyst sees, not a trust decision.
func ParseSecurityTxt(b []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 4096), 64<<10)
	inSignature := false
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		switch {
		case strings.HasPrefix(line, "-----BEGIN PGP SIGNATURE-----"):
			inSignature = true
			continue
		case strings.HasPrefix(line, "-----END PGP SIGNATURE-----"):
			inSignature = false
			continue
		case inSignature || strings.HasPrefix(line, "-----"):
			continue
		}
		// Cleartext signing escapes lines starting with a dash as "- ".
		line = strings.TrimPrefix(line, "- ")
		name, value, ok := strings.Cut(line, ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "contact") || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if c, err := NormaliseContact(strings.TrimSpace(value)); err == nil && len(out) < 20 {
			out = append(out, c)
		}
	}
	return out
}

// Preferred picks the contact a notice should use: the first e-mail
// address (a notice is an e-mail), else the first web form.
func Preferred(contacts []string) string {
	for _, c := range contacts {
		if !strings.HasPrefix(c, "https://") {
			return c
		}
	}
	if len(contacts) > 0 {
		return contacts[0]
	}
	return ""
}
