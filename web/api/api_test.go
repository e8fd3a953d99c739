package api

import "testing"

func FuzzDecodeStrict(f *testing.F) {
	for _, s := range []string{`{"category":"x"}`, `{"colour":1}`, `[`, "\xff", `{"urls":[1]}`, `{"loss":{"amount":"1,5"}}`, `{} {}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v apiReport
		fields, err := decodeStrict(b, &v)
		if (err == nil) != (fields == nil) {
			t.Fatalf("err=%v fields=%v", err, fields)
		}
		for k, msg := range fields {
			if k == "" || msg == "" {
				t.Fatalf("unnamed problem: %v", fields)
			}
		}
	})
}
