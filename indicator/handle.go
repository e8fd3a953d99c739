package indicator

import (
	"net/url"
	"strings"
)

// platforms maps a registrable domain to the name used in handles.
var platforms = map[string]string{
	"t.me": "telegram", "telegram.me": "telegram", "telegram.dog": "telegram",
	"instagram.com": "instagram", "facebook.com": "facebook", "fb.com": "facebook", "fb.me": "facebook",
	"tiktok.com": "tiktok", "twitter.com": "twitter", "x.com": "twitter", "youtube.com": "youtube",
	"snapchat.com": "snapchat", "linkedin.com": "linkedin", "wa.me": "whatsapp", "threads.net": "threads",
	"pinterest.com": "pinterest", "twitch.tv": "twitch", "discord.gg": "discord", "vk.com": "vk",
	"onlyfans.com": "onlyfans", "reddit.com": "reddit",
}

// reservedPaths are first path segments that name a page of the platform,
// not an account.
var reservedPaths = map[string]bool{
	"": true, "share": true, "sharer": true, "sharer.php": true, "login": true, "signup": true, "explore": true,
	"search": true, "hashtag": true, "p": true, "reel": true, "reels": true, "stories": true, "watch": true,
	"home": true, "intent": true, "i": true, "settings": true, "help": true, "about": true, "privacy": true,
	"legal": true, "policies": true, "tv": true, "groups": true, "events": true, "pages": true, "marketplace": true,
	"status": true, "video": true, "results": true, "feed": true, "joinchat": true, "addstickers": true, "s": true,
	"tag": true, "discover": true, "music": true, "embed": true, "channel": true, "c": true, "user": true,
	"in": true, "company": true, "r": true, "u": true, "add": true, "messages": true, "notifications": true,
}

// HandleFromURL names the account a profile URL points to, such as
// telegram:arnaque_crypto or facebook:id:100012345678901. ok is false for
// URLs that are not a profile.
func HandleFromURL(canonical string) (string, bool) {
	if !strings.Contains(canonical, "://") {
		return "", false
	}
	h := hostOf(canonical)
	h = strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(h, "www."), "m."), "mobile.")
	if _, known := platforms[h]; !known {
		return "", false // most URLs: no need to parse further
	}
	u, err := url.Parse(canonical)
	if err != nil {
		return "", false
	}
	host := strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(u.Hostname(), "www."), "m."), "mobile.")
	platform, ok := platforms[host]
	if !ok {
		return "", false
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	first := strings.ToLower(segs[0])
	switch platform {
	case "facebook":
		if first == "profile.php" {
			if id := u.Query().Get("id"); id != "" && isDigits(id) {
				return "facebook:id:" + id, true
			}
			return "", false
		}
		if first == "people" && len(segs) >= 3 && isDigits(segs[2]) {
			return "facebook:id:" + segs[2], true
		}
	case "linkedin":
		if first == "in" && len(segs) >= 2 {
			return account("linkedin", segs[1])
		}
		return "", false
	case "snapchat":
		if first == "add" && len(segs) >= 2 {
			return account("snapchat", segs[1])
		}
	case "reddit":
		if (first == "user" || first == "u") && len(segs) >= 2 {
			return account("reddit", segs[1])
		}
		return "", false
	case "whatsapp":
		if p, err := NormalisePhone("+"+segs[0], ""); err == nil {
			return "whatsapp:" + p, true
		}
		return "", false
	case "youtube", "tiktok":
		if strings.HasPrefix(segs[0], "@") {
			return account(platform, segs[0][1:])
		}
		if platform == "youtube" && (first == "c" || first == "user") && len(segs) >= 2 {
			return account(platform, segs[1])
		}
		return "", false
	case "telegram":
		if first == "s" && len(segs) >= 2 { // t.me/s/channel: the public preview
			return account(platform, segs[1])
		}
	}
	if reservedPaths[first] {
		return "", false
	}
	return account(platform, strings.TrimPrefix(segs[0], "@"))
}

func account(platform, name string) (string, bool) {
	name = strings.ToLower(name)
	if name == "" || len(name) > 100 {
		return "", false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			return "", false
		}
	}
	return platform + ":" + name, true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// NormaliseHandle accepts a profile URL or a platform:name handle.
func NormaliseHandle(s string) (string, error) {
	s = strings.TrimSpace(s)
	if platform, name, ok := strings.Cut(s, ":"); ok && !strings.Contains(name, "/") {
		for _, p := range platforms {
			if p == strings.ToLower(platform) {
				if platform == "facebook" && strings.HasPrefix(name, "id:") && isDigits(name[3:]) {
					return "facebook:" + name, nil
				}
				if h, ok := account(p, strings.TrimPrefix(name, "@")); ok {
					return h, nil
				}
				return "", invalid("bad account name")
			}
		}
	}
	c, err := CanonicalURL(Refang(s))
	if err != nil {
		return "", err
	}
	if h, ok := HandleFromURL(c); ok {
		return h, nil
	}
	return "", invalid("not a profile address on a known platform")
}
