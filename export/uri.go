package export

import "strings"

// RFC 3986 character classes (section 2 and appendix A).
const (
	alpha      = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	digit      = "0123456789"
	unreserved = alpha + digit + "-._~"
	subDelims  = "!$&'()*+,;="
	pchar      = unreserved + subDelims + ":@"
)

var (
	userinfoSet = set(unreserved + subDelims + ":")
	regNameSet  = set(unreserved + subDelims)
	pathSet     = set(pchar + "/")
	noColonSet  = set(unreserved + subDelims + "@/")
	querySet    = set(pchar + "/?") // the fragment's set too
	schemeSet   = set(alpha + digit + "+-.")
)

func set(chars string) (s [256]bool) {
	for i := 0; i < len(chars); i++ {
		s[chars[i]] = true
	}
	return s
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// escape percent-encodes every byte of s outside allowed. A "%" already
// followed by two hex digits is kept (as an upper-case triplet, RFC 3986
// section 6.2.2.1), so encoding twice changes nothing; any other "%" is
// itself encoded.
func escape(b *strings.Builder, s string, allowed *[256]bool) {
	const hexdig = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte('%')
			b.WriteString(strings.ToUpper(s[i+1 : i+3]))
			i += 2
		case allowed[c]:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexdig[c>>4])
			b.WriteByte(hexdig[c&15])
		}
	}
}

// URI returns u as an RFC 3986 URI: each component (scheme, user
// information, host, port, path, query, fragment) keeps the characters its
// grammar allows and every other byte is percent-encoded, so a raw `\`,
// `"`, space, non-ASCII letter or a second `#` can no longer make a STIX
// url value that consumers reject or read differently. The components are
// found by the delimiters of RFC 3986 appendix B, as a browser splits what
// was reported; nothing is decoded, so the value names the same resource.
func URI(u string) string {
	var b strings.Builder
	b.Grow(len(u) + 8)
	rest := u
	authorityMayFollow := true
	if i := strings.IndexAny(rest, ":/?#"); i > 0 && rest[i] == ':' && validScheme(rest[:i]) {
		b.WriteString(strings.ToLower(rest[:i]))
		b.WriteByte(':')
		rest = rest[i+1:]
	} else {
		// A relative reference: a colon in its first segment would be read
		// as the end of a scheme (path-noscheme), so it is encoded there.
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		escape(&b, rest[:end], &noColonSet)
		rest = rest[end:]
		authorityMayFollow = end == 0 // "//" starts an authority only at the start
	}
	if after, ok := strings.CutPrefix(rest, "//"); ok && authorityMayFollow {
		end := strings.IndexAny(after, "/?#")
		if end < 0 {
			end = len(after)
		}
		b.WriteString("//")
		authority(&b, after[:end])
		rest = after[end:]
	}
	path, query, fragment := rest, "", ""
	hasQuery, hasFragment := false, false
	if i := strings.IndexByte(path, '#'); i >= 0 {
		path, fragment, hasFragment = path[:i], path[i+1:], true
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path, query, hasQuery = path[:i], path[i+1:], true
	}
	escape(&b, path, &pathSet)
	if hasQuery {
		b.WriteByte('?')
		escape(&b, query, &querySet)
	}
	if hasFragment {
		b.WriteByte('#')
		escape(&b, fragment, &querySet) // a second '#' is encoded here
	}
	return b.String()
}

func validScheme(s string) bool {
	if s == "" || !strings.ContainsRune(alpha, rune(s[0])) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !schemeSet[s[i]] {
			return false
		}
	}
	return true
}

// authority writes [userinfo@]host[:port]. The host is an IP literal in
// brackets when it is one, else a registered name whose bytes outside its
// set are percent-encoded; a port is kept only when it is digits.
func authority(b *strings.Builder, a string) {
	if at := strings.LastIndexByte(a, '@'); at >= 0 {
		escape(b, a[:at], &userinfoSet)
		b.WriteByte('@')
		a = a[at+1:]
	}
	if strings.HasPrefix(a, "[") {
		if end := strings.IndexByte(a, ']'); end > 0 && ipLiteral(a[1:end]) {
			b.WriteString(strings.ToLower(a[:end+1]))
			if p, ok := strings.CutPrefix(a[end+1:], ":"); ok && digits(p) {
				b.WriteByte(':')
				b.WriteString(p)
			} else {
				escape(b, a[end+1:], &regNameSet) // what follows the literal is not a port
			}
			return
		}
	}
	host, port, hasPort := a, "", false
	if i := strings.LastIndexByte(a, ':'); i >= 0 && digits(a[i+1:]) {
		host, port, hasPort = a[:i], a[i+1:], true
	}
	escape(b, strings.ToLower(host), &regNameSet)
	if hasPort {
		b.WriteByte(':')
		b.WriteString(port)
	}
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ipLiteral accepts what may stand between brackets: an IPv6 address
// (hex digits, colons, dots for an embedded IPv4) or an IPvFuture.
func ipLiteral(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == 'v' || s[0] == 'V' {
		dot := strings.IndexByte(s, '.')
		if dot < 2 || dot == len(s)-1 {
			return false
		}
		for i := 1; i < dot; i++ {
			if !isHex(s[i]) {
				return false
			}
		}
		for i := dot + 1; i < len(s); i++ {
			if !userinfoSet[s[i]] {
				return false
			}
		}
		return true
	}
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) && s[i] != ':' && s[i] != '.' {
			return false
		}
	}
	return strings.Contains(s, ":")
}
