package indicator

import (
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/publicsuffix"
)

// token is a whitespace-separated word of the text, trimmed of the
// punctuation that surrounds identifiers in prose.
type token struct {
	text       string
	start, end int // byte offsets of text in the source
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00a0' || r == '\u202f' || r == '\f' || r == '\v'
}

// spaceAt returns the size of the white space at s[i], or 0.
func spaceAt(s string, i int) int {
	c := s[i]
	if c < utf8.RuneSelf {
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' {
			return 1
		}
		return 0
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	if isSpace(r) {
		return size
	}
	return 0
}

// The punctuation that surrounds identifiers in prose: ASCII by byte
// tables, plus French and typographic quotes.
var leadingASCII, trailingASCII [128]bool

func init() {
	for _, c := range "([{<\"'*" {
		leadingASCII[c] = true
	}
	for _, c := range ".,;:!?)]}>\"'*" {
		trailingASCII[c] = true
	}
}

func trimLeftPunct(t string) string {
	for t != "" {
		if c := t[0]; c < utf8.RuneSelf {
			if !leadingASCII[c] {
				return t
			}
			t = t[1:]
			continue
		}
		r, size := utf8.DecodeRuneInString(t)
		if r != '«' && r != '“' && r != '‘' {
			return t
		}
		t = t[size:]
	}
	return t
}

func trimRightPunct(t string) string {
	for t != "" {
		if c := t[len(t)-1]; c < utf8.RuneSelf {
			if !trailingASCII[c] {
				return t
			}
			t = t[:len(t)-1]
			continue
		}
		r, size := utf8.DecodeLastRuneInString(t)
		if r != '»' && r != '”' && r != '’' {
			return t
		}
		t = t[:len(t)-size]
	}
	return t
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func tokenize(s string) []token {
	toks := make([]token, 0, len(s)/6)
	i := 0
	for i < len(s) {
		if size := spaceAt(s, i); size > 0 {
			i += size
			continue
		}
		start := i
		for i < len(s) && spaceAt(s, i) == 0 {
			if s[i] < utf8.RuneSelf {
				i++
			} else {
				_, size := utf8.DecodeRuneInString(s[i:])
				i += size
			}
		}
		t := s[start:i]
		trimmedLeft := trimLeftPunct(t)
		start += len(t) - len(trimmedLeft)
		t = trimRightPunct(trimmedLeft)
		if t != "" {
			toks = append(toks, token{text: t, start: start, end: start + len(t)})
		}
	}
	return toks
}

// collector gathers indicators, once per (type, value).
type collector struct {
	seen map[Indicator]bool
	out  []Indicator
	opts Options
}

func (c *collector) add(t Type, value, raw string) {
	key := Indicator{Type: t, Value: value}
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	c.out = append(c.out, Indicator{Type: t, Value: value, Raw: raw})
}

// addURL records a URL and what it names: its host, its registrable domain
// or IP address, and the account it points to.
func (c *collector) addURL(raw string) bool {
	value, err := CorrelationURL(raw)
	if err != nil {
		return false
	}
	host := hostOf(value)
	if !strings.Contains(host, ".") && !strings.HasPrefix(host, "[") {
		return false
	}
	c.add(URL, value, raw)
	if isIPHost(host) {
		c.add(IP, strings.Trim(host, "[]"), raw)
		return true
	}
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		if d != host {
			c.add(Host, host, raw)
		}
		c.add(Domain, d, raw)
	}
	if h, ok := HandleFromURL(value); ok {
		c.add(Handle, h, raw)
	}
	return true
}

// Extract finds every identifier in free text.
func Extract(text string, opts Options) []Indicator {
	c := &collector{seen: map[Indicator]bool{}, opts: opts}
	c.text(text)
	return c.out
}

// Fields is what a report offers to extraction.
type Fields struct {
	Description string
	URLs        []string
	SeenOn      string
	Attachments []string // SHA-256 of each attachment
}

// FromReport extracts the identifiers of a report's fields: each URL as
// given, the free text, and the attachments' hashes.
func FromReport(f Fields, opts Options) []Indicator {
	c := &collector{seen: map[Indicator]bool{}, opts: opts}
	for _, u := range f.URLs {
		u = strings.TrimSpace(u)
		if !strings.Contains(u, "://") && strings.Contains(u, "@") {
			c.text(u) // an e-mail address given where a URL was asked
			continue
		}
		if !c.addURL(u) {
			c.text(u) // not a URL after all: perhaps an e-mail or a handle
		}
	}
	c.text(f.Description)
	c.text(f.SeenOn)
	for _, h := range f.Attachments {
		if v, err := NormaliseSHA256(h); err == nil {
			c.add(SHA256, v, h)
		}
	}
	return c.out
}

func (c *collector) text(s string) {
	if s == "" {
		return
	}
	s = Refang(s)
	toks := tokenize(s)
	used := make([]bool, len(toks))
	for i := 0; i < len(toks); i++ {
		if used[i] {
			continue
		}
		t := toks[i].text
		if n := c.iban(s, toks, i); n > 0 {
			for k := i; k < i+n; k++ {
				used[k] = true
			}
			continue
		}
		if c.word(t, i, toks) {
			used[i] = true
		}
	}
	c.phones(s, toks, used)
}

// word classifies one token; it reports whether the token was an identifier.
func (c *collector) word(t string, i int, toks []token) bool {
	switch {
	case strings.Contains(t, "://") || hasPrefixFold(t, "www."):
		return c.addURL(t)
	case hasPrefixFold(t, "mailto:") || (strings.IndexByte(t, '@') > 0):
		if v, err := NormaliseEmail(t); err == nil {
			c.add(Email, v, t)
			return true
		}
		return false
	case t[0] == '@':
		return false
	}
	if i > 0 && (len(t) == 8 || len(t) == 11) {
		prev := strings.TrimRight(asciiLower(toks[i-1].text), ":")
		if prev == "bic" || prev == "swift" || prev == "bic/swift" || prev == "swift/bic" {
			if v, err := NormaliseBIC(t); err == nil {
				c.add(BIC, v, t)
				return true
			}
		}
	}
	if len(t) >= 26 && len(t) <= 90 && isAlnum(t) {
		switch {
		case len(t) == 42 && (t[:2] == "0x" || t[:2] == "0X"):
			if v, err := NormaliseETH(t); err == nil {
				c.add(ETH, v, t)
				return true
			}
		case len(t) > 3 && strings.EqualFold(t[:3], "bc1"), t[0] == '1' || t[0] == '3':
			if v, err := NormaliseBTC(t); err == nil {
				c.add(BTC, v, t)
				return true
			}
		case t[0] == 'T':
			if v, err := NormaliseTRX(t); err == nil {
				c.add(TRX, v, t)
				return true
			}
		}
	}
	if strings.Count(t, ":") >= 2 {
		if addr, err := netip.ParseAddr(strings.Trim(t, "[]")); err == nil && addr.Is6() && addr.Zone() == "" {
			c.add(IP, addr.Unmap().String(), t)
			return true
		}
	}
	if strings.IndexByte(t, '.') > 0 {
		return c.hostLike(t)
	}
	return false
}

// hostLike handles tokens such as 1.2.3.4, arnaque-shop.fr or t.me/vendeur:
// a host under a real public suffix, perhaps with a path.
func (c *collector) hostLike(t string) bool {
	host := t
	if i := strings.IndexAny(t, "/?:"); i >= 0 {
		host = t[:i]
	}
	if isDottedQuad(host) {
		if addr, err := netip.ParseAddr(host); err == nil {
			if host == t {
				c.add(IP, addr.String(), t)
				return true
			}
			return c.addURL(t)
		}
		return false
	}
	if !isHostChars(host) {
		return false
	}
	suffix, icann := publicsuffix.PublicSuffix(asciiLower(host))
	if !icann || suffix == asciiLower(host) || isDigits(strings.ReplaceAll(suffix, ".", "")) {
		return false
	}
	return c.addURL(t)
}

func isDottedQuad(s string) bool {
	if strings.Count(s, ".") != 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '.' && (s[i] < '0' || s[i] > '9') {
			return false
		}
	}
	return true
}

func isHostChars(s string) bool {
	if s == "" || s[0] == '.' || s[0] == '-' {
		return false
	}
	letters := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			letters = true
		case r >= '0' && r <= '9', r == '-', r == '.':
		case r >= 0x80: // IDN
			letters = true
		default:
			return false
		}
	}
	return letters
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// iban reads an IBAN starting at token i, written in one piece or in the
// usual groups of four; it returns how many tokens it took (0: none).
func (c *collector) iban(s string, toks []token, i int) int {
	t := toks[i].text
	if len(t) < 4 || !isLetter(t[0]) || !isLetter(t[1]) || !isDigit(t[2]) || !isDigit(t[3]) {
		return 0
	}
	want, ok := ibanLengths[strings.ToUpper(t[:2])]
	if !ok {
		return 0
	}
	var b strings.Builder
	for k := i; k < len(toks) && k < i+12; k++ {
		part := toks[k].text
		if !isAlnum(part) || (k > i && len(part) > 8) {
			return 0
		}
		b.WriteString(part)
		if b.Len() > want {
			return 0
		}
		if b.Len() == want {
			raw := s[toks[i].start:toks[k].end]
			if v, err := NormaliseIBAN(b.String()); err == nil {
				c.add(IBAN, v, raw)
				return k - i + 1
			}
			return 0
		}
	}
	return 0
}

func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

func isPhoneToken(t string) bool {
	digits := 0
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '+' || c == '(' || c == ')' || c == '.' || c == '-' || c == '/':
		default:
			return false
		}
	}
	return digits > 0
}

func digitCount(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// phones looks at runs of number-like tokens (06 12 34 56 78, +33 6…,
// 06.12.34.56.78) and keeps those that are real numbers. Parsing a number
// is costly, so each run is tried whole first, then shorter from the right.
func (c *collector) phones(s string, toks []token, used []bool) {
	for i := 0; i < len(toks); i++ {
		if used[i] || !isPhoneToken(toks[i].text) {
			continue
		}
		end, digits := i, 0
		var counts []int
		for k := i; k < len(toks) && k < i+8 && !used[k] && isPhoneToken(toks[k].text); k++ {
			d := digitCount(toks[k].text)
			if digits+d > 17 {
				break
			}
			digits += d
			counts = append(counts, digits)
			end = k
		}
		found := false
		for k := end; k >= i; k-- {
			if counts[k-i] < 8 {
				break
			}
			raw := s[toks[i].start:toks[k].end]
			if v, err := NormalisePhone(raw, c.opts.Region); err == nil {
				c.add(Phone, v, raw)
				for j := i; j <= k; j++ {
					used[j] = true
				}
				i, found = k, true
				break
			}
		}
		if !found {
			continue // a number may still start at the next token
		}
	}
}
