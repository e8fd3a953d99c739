package contenthash

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestCompute(t *testing.T) {
	// Published test vectors for "abc".
	got, err := Compute(strings.NewReader("abc"))
	if err != nil {
		t.Fatal(err)
	}
	want := Exact{
		MD5:    Hash{MD5, "900150983cd24fb0d6963f7d28e17f72"},
		SHA1:   Hash{SHA1, "a9993e364706816aba3e25717850c26c9cd0d89d"},
		SHA256: Hash{SHA256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestParse(t *testing.T) {
	const sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	good := []struct {
		in   string
		want Hash
	}{
		{"sha256:" + sha, Hash{SHA256, sha}},
		{"SHA-256:" + strings.ToUpper(sha), Hash{SHA256, sha}},
		{"md5:900150983CD24FB0D6963F7D28E17F72", Hash{MD5, "900150983cd24fb0d6963f7d28e17f72"}},
		{"photo_md5:900150983cd24fb0d6963f7d28e17f72", Hash{MD5, "900150983cd24fb0d6963f7d28e17f72"}},
		{"sha1:a9993e364706816aba3e25717850c26c9cd0d89d", Hash{SHA1, "a9993e364706816aba3e25717850c26c9cd0d89d"}},
		{"pdq:" + sha, Hash{PDQ, sha}},
		{"pdq_hash:" + sha, Hash{PDQ, sha}},
	}
	for _, c := range good {
		got, err := Parse(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("%q: got %+v, want %+v", c.in, got, c.want)
		}
		again, err := Parse(got.String())
		if err != nil || again != got {
			t.Errorf("%q: the text form %q does not read back (%v)", c.in, got, err)
		}
	}
	bad := []string{
		"", "sha256", ":" + sha, "sha512:" + sha, "sha256:" + sha[1:], "sha256:" + sha + "0",
		"md5:" + sha, "sha256:" + strings.Replace(sha, "b", "g", 1), "sha256: " + sha[1:],
	}
	for _, in := range bad {
		if h, err := Parse(in); !errors.Is(err, ErrFormat) {
			t.Errorf("%q: got %+v, %v; want ErrFormat", in, h, err)
		}
	}
	if !SHA256.Exact() || PDQ.Exact() {
		t.Error("Exact: sha256 is exact, pdq is not")
	}
}

func TestJSON(t *testing.T) {
	h := Hash{MD5, "900150983cd24fb0d6963f7d28e17f72"}
	b, err := json.Marshal(struct{ H Hash }{h})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"H":"md5:900150983cd24fb0d6963f7d28e17f72"}` {
		t.Errorf("JSON %s", b)
	}
	var back struct{ H Hash }
	if err := json.Unmarshal(b, &back); err != nil || back.H != h {
		t.Errorf("read back %+v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"H":"md5:xyz"}`), &back); err == nil {
		t.Error("a bad value was accepted")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
	f.Add("MD5:900150983CD24FB0D6963F7D28E17F72")
	f.Add("photo_pdq:" + strings.Repeat("f", 64))
	f.Add("::")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("%q: error %v does not wrap ErrFormat", s, err)
			}
			return
		}
		if len(h.Value) != h.Kind.hexLen() || strings.ToLower(h.Value) != h.Value {
			t.Fatalf("%q: parsed to a malformed %+v", s, h)
		}
		again, err := Parse(h.String())
		if err != nil || again != h {
			t.Fatalf("%q: %q does not read back: %+v %v", s, h, again, err)
		}
	})
}
