package hosting

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// Directory maps networks, domains and host or registrar names to abuse
// contacts. Its file has one entry a line, three fields separated by
// blanks, '#' starting a comment:
//
//	asn     16276        abuse@ovh.net
//	domain  ovh.net      abuse@ovh.net
//	name    OVH          abuse@ovh.net
//
// "asn" matches the network found in the ASN database; "domain" matches
// the host and its sub-domains (the longest suffix wins); "name" matches,
// ignoring case, a word of the network's organisation or of the host
// name (a hosting company or registrar known by name). The contact is an
// e-mail address (mailto: optional) or an https URL of a web form.
type Directory struct {
	asn    map[uint]string
	domain map[string]string
	names  []nameEntry
}

type nameEntry struct{ name, contact string }

//go:embed directory.txt
var defaultDirectory []byte

// Default is the directory shipped with Vigie: a few well-known French and
// European hosts. Operators replace it with their own (serve
// --abuse-directory).
func Default() *Directory {
	d, err := ParseDirectory(defaultDirectory)
	if err != nil {
		panic("hosting: the embedded directory is invalid: " + err.Error())
	}
	return d
}

// LoadDirectory reads a directory file.
func LoadDirectory(path string) (*Directory, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("abuse directory: %w", err)
	}
	d, err := ParseDirectory(b)
	if err != nil {
		return nil, fmt.Errorf("abuse directory %s: %w", path, err)
	}
	return d, nil
}

// maxDirectory bounds a directory file: an operator's list is thousands of
// lines, not millions.
const maxDirectory = 4 << 20

// ParseDirectory reads a directory; an error names the line at fault.
func ParseDirectory(b []byte) (*Directory, error) {
	if len(b) > maxDirectory {
		return nil, fmt.Errorf("larger than %d bytes", maxDirectory)
	}
	d := &Directory{asn: map[uint]string{}, domain: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 4096), 64<<10)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("line %d: want 3 fields (kind, key, contact), got %d", n, len(f))
		}
		contact, err := NormaliseContact(f[2])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		switch strings.ToLower(f[0]) {
		case "asn":
			v, err := strconv.ParseUint(strings.TrimPrefix(strings.ToUpper(f[1]), "AS"), 10, 32)
			if err != nil || v == 0 {
				return nil, fmt.Errorf("line %d: %q is not an AS number", n, f[1])
			}
			if _, dup := d.asn[uint(v)]; dup {
				return nil, fmt.Errorf("line %d: AS%d listed twice", n, v)
			}
			d.asn[uint(v)] = contact
		case "domain":
			dom := strings.Trim(strings.ToLower(f[1]), ".")
			if dom == "" || strings.ContainsAny(dom, "/:@") || strings.Contains(dom, "..") {
				return nil, fmt.Errorf("line %d: %q is not a domain", n, f[1])
			}
			if _, dup := d.domain[dom]; dup {
				return nil, fmt.Errorf("line %d: domain %s listed twice", n, dom)
			}
			d.domain[dom] = contact
		case "name":
			d.names = append(d.names, nameEntry{strings.ToLower(f[1]), contact})
		default:
			return nil, fmt.Errorf("line %d: unknown kind %q (want asn, domain or name)", n, f[0])
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", n+1, err)
	}
	return d, nil
}

// NormaliseContact turns a contact into its stored form: a bare e-mail
// address, or an https URL.
func NormaliseContact(s string) (string, error) {
	s = strings.TrimSpace(s)
	lower := strings.ToLower(s)
	switch {
	case strings.HasPrefix(lower, "https://"):
		u, err := url.Parse(s)
		if err != nil || u.Host == "" || u.User != nil {
			return "", fmt.Errorf("%q is not a valid https URL", s)
		}
		return u.String(), nil
	case strings.HasPrefix(lower, "mailto:"):
		s = s[len("mailto:"):]
		if i := strings.IndexByte(s, '?'); i >= 0 {
			s = s[:i]
		}
	case strings.Contains(s, "://"):
		return "", fmt.Errorf("%q: a contact is an e-mail address or an https URL", s)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s || strings.ContainsAny(s, " <>\"") {
		return "", fmt.Errorf("%q is not an e-mail address", s)
	}
	return a.Address, nil
}

// Lookup finds a contact: by network, then by domain, then by name. by is
// "asn", "domain" or "name".
func (d *Directory) Lookup(asn uint, host, org string) (contact, by string, ok bool) {
	if d == nil {
		return "", "", false
	}
	if c, ok := d.asn[asn]; ok && asn != 0 {
		return c, "asn", true
	}
	for h := strings.Trim(strings.ToLower(host), "."); h != ""; {
		if c, ok := d.domain[h]; ok {
			return c, "domain", true
		}
		i := strings.IndexByte(h, '.')
		if i < 0 {
			break
		}
		h = h[i+1:]
	}
	words := strings.FieldsFunc(strings.ToLower(org+" "+host), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-')
	})
	for _, e := range d.names {
		for _, w := range words {
			if w == e.name {
				return e.contact, "name", true
			}
		}
	}
	return "", "", false
}

// Len is the number of entries.
func (d *Directory) Len() int { return len(d.asn) + len(d.domain) + len(d.names) }
