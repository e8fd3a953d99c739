package advice

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestRender(t *testing.T) {
	title, got := Render("# Titre <b>\n\nUn **conseil** et [le 17](tel:17) ou [un site](https://www.example.fr/a?b=1&c=2).\nSuite.\n\n## Que faire ?\n- un\n- deux <script>\n1. premier\n2. second\n\n[piège](javascript:alert(1)) <img src=x onerror=alert(1)>")
	if title != "Titre <b>" {
		t.Errorf("title %q", title)
	}
	want := `<p>Un <strong>conseil</strong> et <a href="tel:17" rel="noopener noreferrer">le 17</a> ou <a href="https://www.example.fr/a?b=1&amp;c=2" rel="noopener noreferrer">un site</a>. Suite.</p>
<h3>Que faire ?</h3>
<ul>
<li>un</li>
<li>deux &lt;script&gt;</li>
</ul>
<ol>
<li>premier</li>
<li>second</li>
</ol>
<p>[piège](javascript:alert(1)) &lt;img src=x onerror=alert(1)&gt;</p>
`
	if string(got) != want {
		t.Errorf("Render:\n%s\nwant:\n%s", got, want)
	}
}

func FuzzRender(f *testing.F) {
	for _, s := range []string{"# t\n- a\n1. b", "[x](https://a)", "**b**", "<script>", "[a](javascript:x)", "\r\n## h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		_, out := Render(src)
		s := string(out)
		for _, tag := range []string{"<script", "<img", "<iframe", "javascript:", "onerror"} {
			if strings.Contains(strings.ToLower(s), tag) && !strings.Contains(strings.ToLower(src), tag) {
				t.Fatalf("%q appeared from %q", tag, src)
			}
		}
		if strings.Contains(s, "<script") || strings.Contains(s, `href="javascript`) {
			t.Fatalf("markup from %q: %s", src, s)
		}
	})
}

func TestLibrary(t *testing.T) {
	l := Default()
	for _, cat := range []string{"fraud.scam", "fraud.phishing", "minors.grooming", "identity.theft", "hate.racism"} {
		for _, lang := range []string{"fr", "en"} {
			a, ok := l.Get(cat, lang)
			if !ok || a.Title == "" || a.Lang != lang || !strings.Contains(string(a.HTML), "<h3>") {
				t.Errorf("%s/%s: %+v", lang, cat, a)
			}
		}
	}
	if _, ok := l.Get("no.such", "fr"); ok {
		t.Error("an unknown category has an article")
	}
	// A folder replaces the embedded articles, without recompiling.
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "fr"), 0o700)
	os.WriteFile(filepath.Join(dir, "fr", "fraud.scam.md"), []byte("# Nouveau conseil\n\nAppelez votre banque."), 0o600)
	custom, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := custom.Get("fraud.scam", "en"); !ok || a.Title != "Nouveau conseil" {
		t.Errorf("custom article (English falls back to French): %+v", a)
	}
	if _, err := Load(fstest.MapFS{"fr/x.md": {Data: []byte("no title")}}); err == nil {
		t.Error("an article without a title loaded")
	}
}
