package indicator

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// BenchmarkExtract measures extraction over the French corpus, reported in
// MB/s of free text (go test -bench Extract -cpu 1 ./indicator).
func BenchmarkExtract(b *testing.B) {
	raw, err := os.ReadFile("testdata/corpus.json")
	if err != nil {
		b.Fatal(err)
	}
	var cases []corpusCase
	json.Unmarshal(raw, &cases)
	var sb strings.Builder
	for sb.Len() < 1<<20 {
		for _, c := range cases {
			sb.WriteString(c.Text)
			sb.WriteString("\n\n")
		}
	}
	text := sb.String()
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		Extract(text, DefaultOptions)
	}
}
