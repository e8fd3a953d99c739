package server

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// maxPageWeight is issue 16's target for a public page, its style sheet
// and scripts included.
const maxPageWeight = 60 << 10

var assetRe = regexp.MustCompile(`<(?:link rel="stylesheet" href|script src)="(/static/[^"]+)"`)

// TestPublicPageWeights prints the weight of every public page with the
// style sheets and scripts it loads (uncompressed, as served), and fails
// over 60 KB. Rerun: go test -run TestPublicPageWeights -v ./web/server/
func TestPublicPageWeights(t *testing.T) {
	e := newEnv(t)
	var table strings.Builder
	fmt.Fprintf(&table, "\n%-62s %8s %8s %8s\n", "page", "html", "assets", "total")
	for _, path := range []string{"/", "/report", "/report?category=fraud.scam", "/report?category=minors.abuse-material",
		"/follow-up", "/advice", "/advice/fraud.scam", "/figures", "/diagnosis", "/diagnosis?danger=no&topic=money",
		"/diagnosis?danger=no&topic=money&card_used=no&consumer=no&lost_money=yes", "/diagnosis?danger=yes&danger_who=self-harm",
		"/mentions-legales", "/confidentialite", "/accessibilite", "/contact", "/embed?category=fraud.scam", "/no-such-page"} {
		for _, lang := range []string{"", "lang=en"} {
			url := path
			if lang != "" {
				url += map[bool]string{true: "&", false: "?"}[strings.Contains(path, "?")] + lang
			}
			w := e.Do("GET", url, nil, nil)
			html := w.Body.Len()
			assets := 0
			for _, m := range assetRe.FindAllStringSubmatch(w.Body.String(), -1) {
				a := e.Do("GET", m[1], nil, nil)
				if a.Code != 200 {
					t.Errorf("%s: %s answers %d", url, m[1], a.Code)
				}
				assets += a.Body.Len()
			}
			fmt.Fprintf(&table, "%-62s %8d %8d %8d\n", url, html, assets, html+assets)
			if html+assets > maxPageWeight {
				t.Errorf("%s weighs %d bytes, over %d", url, html+assets, maxPageWeight)
			}
		}
	}
	t.Log(table.String())
}
