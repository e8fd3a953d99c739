package indicator

import "strings"

// refanger undoes the ways CERTs, analysts and victims "defang" what they
// quote so that nobody clicks it: hxxp://, example[.]com, name (at) domain
// (dot) fr. Applied before anything is recognised.
var refanger = strings.NewReplacer(
	"hxxps://", "https://", "hXXps://", "https://", "HXXPS://", "https://",
	"hxxp://", "http://", "hXXp://", "http://", "HXXP://", "http://",
	"[://]", "://", "[:]", ":",
	"[.]", ".", "(.)", ".", "{.}", ".", "[dot]", ".", "(dot)", ".", "[DOT]", ".", "(DOT)", ".",
	" [.] ", ".", " (.) ", ".", " [dot] ", ".", " (dot) ", ".",
	"[@]", "@", "(@)", "@", "[at]", "@", "(at)", "@", "[AT]", "@", "(AT)", "@",
	" [at] ", "@", " (at) ", "@", " [@] ", "@", " (@) ", "@", " arobase ", "@",
)

// Refang turns defanged notation back into plain identifiers.
func Refang(s string) string {
	if !strings.ContainsAny(s, "[({") && !strings.Contains(s, "xxp") && !strings.Contains(s, "XXP") &&
		!strings.Contains(s, "XXp") && !strings.Contains(s, " arobase ") {
		return s
	}
	return refanger.Replace(s)
}
