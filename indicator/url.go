package indicator

import (
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// CanonicalURL canonicalises a URL by the rules of the Safe Browsing
// "URLs and hashing" specification: tab, CR and LF removed, fragment
// dropped, percent-escapes undone repeatedly, host lower-cased with its
// dots tidied and any IPv4 spelling turned into dotted decimal, path
// resolved, and then the few characters the specification names escaped
// again. The query is kept as it is. IDN hosts become punycode; user
// information and the port are dropped, as the specification does.
func CanonicalURL(raw string) (string, error) {
	s := dropTabsAndNewlines(strings.TrimSpace(raw))
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	scheme := "http"
	if i := strings.Index(s, "://"); i > 0 && isScheme(s[:i]) {
		scheme = asciiLower(s[:i])
		s = s[i+3:]
	} else if strings.HasPrefix(s, "//") {
		s = s[2:]
	} else if i := strings.IndexByte(s, ':'); i > 0 && isScheme(s[:i]) && !looksLikeHostPort(s) {
		return "", invalid("not a web address (scheme %q)", asciiLower(s[:i]))
	}
	switch scheme {
	case "http", "https", "ftp", "hxxp", "hxxps":
		scheme = strings.Replace(scheme, "hxxp", "http", 1)
	default:
		return "", invalid("not a web address (scheme %q)", scheme)
	}
	authority, rest := s, ""
	if i := strings.IndexAny(s, "/?"); i >= 0 {
		authority, rest = s[:i], s[i:]
	}
	path, query, hasQuery := rest, "", false
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		path, query, hasQuery = rest[:i], rest[i+1:], true
	}
	host, err := canonicalHost(authority)
	if err != nil {
		return "", err
	}
	path = canonicalPath(unescapeAll(path))
	out := scheme + "://" + escapeSpec(host) + escapeSpec(path)
	if hasQuery {
		out += "?" + escapeSpec(unescapeAll(query))
	}
	return out, nil
}

// looksLikeHostPort tells "example.com:8080/x" (a host and port without a
// scheme) from "javascript:…" or "mailto:…".
func looksLikeHostPort(s string) bool {
	host, rest, _ := strings.Cut(s, ":")
	if !strings.Contains(host, ".") {
		return false
	}
	port := rest
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		port = rest[:i]
	}
	_, err := strconv.Atoi(port)
	return err == nil
}

func isScheme(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isAlpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// unescapeOnce decodes every valid %XX and leaves a stray % alone.
func unescapeOnce(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 {
		return s, false
	}
	b := make([]byte, 0, len(s))
	changed := false
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				b = append(b, hi<<4|lo)
				i += 2
				changed = true
				continue
			}
		}
		b = append(b, s[i])
	}
	return string(b), changed
}

// unescapeAll percent-decodes until nothing changes (bounded: each round
// shortens the string).
func unescapeAll(s string) string {
	for {
		next, changed := unescapeOnce(s)
		if !changed {
			return next
		}
		s = next
	}
}

// escapeSpec escapes the characters the specification names: at or below
// space, at or above 0x7f, '#' and '%'.
func escapeSpec(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= 0x20 || c >= 0x7f || c == '#' || c == '%' {
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

var idnaProfile = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(false))

func canonicalHost(authority string) (string, error) {
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		authority = authority[i+1:] // user information is no part of the host
	}
	host := authority
	if strings.HasPrefix(host, "[") {
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return "", invalid("unclosed IPv6 bracket")
		}
		addr, err := netip.ParseAddr(host[1:end])
		if err != nil || !addr.Is6() {
			return "", invalid("bad IPv6 address")
		}
		if addr.Is4In6() {
			return addr.Unmap().String(), nil
		}
		return "[" + addr.String() + "]", nil
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		if port := host[i+1:]; port != "" && !isDigits(port) {
			return "", invalid("bad port %q", port)
		}
		host = host[:i]
	}
	host = unescapeAll(host)
	host = strings.Trim(host, ".")
	for strings.Contains(host, "..") {
		host = strings.ReplaceAll(host, "..", ".")
	}
	if host == "" || strings.ContainsAny(host, ":/?@") {
		return "", invalid("no usable host")
	}
	if ip, ok := parseIPv4Loose(host); ok {
		return ip, nil
	}
	if isASCII(host) {
		return asciiLower(host), nil
	}
	if !utf8.ValidString(host) {
		return asciiLower(host), nil // raw bytes, escaped by the caller
	}
	if ascii, err := idnaProfile.ToASCII(host); err == nil && ascii != "" {
		return asciiLower(ascii), nil
	}
	return asciiLower(host), nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// parseIPv4Loose reads every legal IPv4 spelling: decimal, octal (leading
// 0) or hex (0x) parts, and fewer than four parts (the last one fills the
// remaining bytes), as inet_aton does.
func parseIPv4Loose(s string) (string, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return "", false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		if p == "" {
			return "", false
		}
		base := 10
		digits := p
		switch {
		case len(p) > 2 && (p[:2] == "0x" || p[:2] == "0X"):
			base, digits = 16, p[2:]
		case len(p) > 1 && p[0] == '0':
			base, digits = 8, p[1:]
		}
		v, err := strconv.ParseUint(digits, base, 32)
		if err != nil {
			return "", false
		}
		vals[i] = v
	}
	var addr uint64
	last := len(vals) - 1
	for i := 0; i < last; i++ {
		if vals[i] > 255 {
			return "", false
		}
		addr |= vals[i] << (8 * (3 - uint(i)))
	}
	if vals[last] >= 1<<(8*(4-uint(last))) {
		return "", false
	}
	addr |= vals[last]
	return strconv.FormatUint(addr>>24&255, 10) + "." + strconv.FormatUint(addr>>16&255, 10) + "." +
		strconv.FormatUint(addr>>8&255, 10) + "." + strconv.FormatUint(addr&255, 10), true
}

// canonicalPath resolves "." and ".." segments and collapses runs of
// slashes; a trailing slash stays.
func canonicalPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	segments := strings.Split(p[1:], "/")
	out := make([]string, 0, len(segments))
	trailing := false
	for i, seg := range segments {
		last := i == len(segments)-1
		switch seg {
		case "", ".":
			trailing = last
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			trailing = last
		default:
			out = append(out, seg)
			trailing = false
		}
	}
	path := "/" + strings.Join(out, "/")
	if trailing && len(out) > 0 {
		path += "/"
	}
	return path
}

// trackingParams are query parameters that say how a link was shared, not
// what it points to. Dropped from the correlation key only.
var trackingPrefixes = []string{"utm_", "pk_", "mtm_", "hsa_", "_hs"}
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "gbraid": true, "wbraid": true, "msclkid": true,
	"yclid": true, "twclid": true, "ttclid": true, "igshid": true, "igsh": true, "mc_cid": true,
	"mc_eid": true, "_ga": true, "_gl": true, "si": true, "srsltid": true, "mkt_tok": true, "oly_anon_id": true, "oly_enc_id": true,
}

func isTracking(name string) bool {
	name = asciiLower(name)
	if trackingParams[name] {
		return true
	}
	for _, p := range trackingPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// CorrelationURL is the canonical URL without tracking parameters: the
// value two reports of the same page share. Unlike CanonicalURL it wants a
// host that can exist (letters, digits, dashes, dots, or an IP address).
func CorrelationURL(raw string) (string, error) {
	c, err := CanonicalURL(Refang(raw))
	if err != nil {
		return "", err
	}
	if !validHost(hostOf(c)) {
		return "", invalid("%q is not a host name", hostOf(c))
	}
	base, query, ok := strings.Cut(c, "?")
	if !ok {
		return c, nil
	}
	var kept []string
	for _, kv := range strings.Split(query, "&") {
		name, _, _ := strings.Cut(kv, "=")
		if kv != "" && isTracking(name) {
			continue
		}
		kept = append(kept, kv)
	}
	if len(kept) == 0 {
		return base, nil
	}
	return base + "?" + strings.Join(kept, "&"), nil
}

// hostOf returns the canonical host of a canonical URL.
func hostOf(canonical string) string {
	rest := canonical[strings.Index(canonical, "://")+3:]
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// NormaliseHost canonicalises a host name or a URL's host.
func NormaliseHost(s string) (string, error) {
	s = Refang(s)
	if !strings.Contains(s, "/") {
		s += "/"
	}
	c, err := CanonicalURL(s)
	if err != nil {
		return "", err
	}
	h := hostOf(c)
	if !validHost(h) {
		return "", invalid("%q is not a host name", h)
	}
	if !strings.Contains(h, ".") && !strings.HasPrefix(h, "[") {
		return "", invalid("%q has no dot: not a public host name", h)
	}
	return h, nil
}

// RegistrableDomain returns the eTLD+1 of a host (or URL), from the public
// suffix list.
func RegistrableDomain(s string) (string, error) {
	h, err := NormaliseHost(s)
	if err != nil {
		return "", err
	}
	if isIPHost(h) {
		return "", invalid("%s is an IP address, not a domain", h)
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(h)
	if err != nil {
		return "", invalid("%s has no registrable domain", h)
	}
	return d, nil
}

func isIPHost(h string) bool {
	if strings.HasPrefix(h, "[") {
		return true
	}
	_, err := netip.ParseAddr(h)
	return err == nil
}

// NormaliseIP returns the standard form of an IPv4 or IPv6 address.
func NormaliseIP(s string) (string, error) {
	s = strings.Trim(Refang(s), "[]")
	if addr, err := netip.ParseAddr(s); err == nil {
		if addr.Zone() != "" {
			return "", invalid("zoned address")
		}
		return addr.Unmap().String(), nil
	}
	if ip, ok := parseIPv4Loose(s); ok && strings.Count(s, ".") == 3 {
		return ip, nil
	}
	return "", invalid("not an IP address")
}

// dropTabsAndNewlines works on bytes: invalid UTF-8 must reach the escaping
// step untouched, not turned into U+FFFD.
func dropTabsAndNewlines(s string) string {
	if !strings.ContainsAny(s, "\t\r\n") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '\t' && c != '\r' && c != '\n' {
			b = append(b, c)
		}
	}
	return string(b)
}

// validHost accepts what DNS or IP can address once canonical: an IPv6
// literal, or labels of letters, digits, dashes and underscores.
func validHost(h string) bool {
	if strings.HasPrefix(h, "[") {
		addr, err := netip.ParseAddr(strings.TrimSuffix(h[1:], "]"))
		return strings.HasSuffix(h, "]") && err == nil && addr.Is6()
	}
	if h == "" || len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	if isDigits(labels[len(labels)-1]) && !isDottedQuad(h) {
		return false // no top-level domain is numeric: a broken IP spelling
	}
	for _, label := range labels {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}
