package indicator

import "testing"

// Every normaliser must never panic, and normalising its own output must
// give the output back.
func FuzzNormalise(f *testing.F) {
	seeds := []string{"http://host/%25%32%35", "hxxp://a[.]b/c", "FR76 3000 6000 0112 3456 7890 189", "06 12 34 56 78",
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "t.me/x",
		"jean (at) exemple (dot) fr", "http://\x01\x80.com/", "http://0x7f.1/", "[::1]", "BNPAFRPPXXX", "%zz%2"}
	for _, s := range seeds {
		for i := range Types {
			f.Add(i, s)
		}
	}
	f.Fuzz(func(t *testing.T, i int, raw string) {
		if i < 0 {
			i = -i
		}
		typ := Types[i%len(Types)]
		v, err := Normalise(typ, raw, DefaultOptions)
		if err != nil {
			return
		}
		again, err := Normalise(typ, v, DefaultOptions)
		if err != nil {
			t.Fatalf("%s: %q normalised to %q, which is then refused: %v", typ, raw, v, err)
		}
		if again != v {
			t.Fatalf("%s: not idempotent: %q -> %q -> %q", typ, raw, v, again)
		}
	})
}

// Extraction must never panic, and every value it finds must be a fixed
// point of its type's normaliser.
func FuzzExtract(f *testing.F) {
	f.Add("Virement FR76 3000 6000 0112 3456 7890 189 au 06 12 34 56 78, voir https://x.fr/a?utm_source=b")
	f.Add("hxxp://a[.]b/ c@d.fr 1.2.3.4 ::1 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed t.me/abc")
	f.Fuzz(func(t *testing.T, text string) {
		for _, ind := range Extract(text, DefaultOptions) {
			v, err := Normalise(ind.Type, ind.Value, DefaultOptions)
			if err != nil || v != ind.Value {
				t.Fatalf("extracted %s %q normalises to %q (%v)", ind.Type, ind.Value, v, err)
			}
		}
	})
}
