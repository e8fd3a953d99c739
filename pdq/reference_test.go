package pdq

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// referenceDir finds the shared PDQ reference data: ../shared/reference/pdq
// beside the repository (VIGIE_PDQ_REFERENCE overrides). It is there on
// developers' machines and in CI; elsewhere the tests that need it skip,
// but never under CI.
func referenceDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("VIGIE_PDQ_REFERENCE"); d != "" {
		return d
	}
	d := filepath.Join("..", "..", "shared", "reference", "pdq")
	if _, err := os.Stat(filepath.Join(d, "expected.tsv")); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("PDQ reference data missing under CI: %v", err)
		}
		t.Skipf("PDQ reference data not found (%v)", err)
	}
	return d
}

type expectedHash struct {
	file    string
	hash    Hash
	quality int
}

func readExpected(t testing.TB, dir string) []expectedHash {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "expected.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []expectedHash
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 3 {
			t.Fatalf("expected.tsv: bad line %q", line)
		}
		h, err := ParseHash(cols[1])
		if err != nil {
			t.Fatalf("expected.tsv: %v", err)
		}
		q, err := strconv.Atoi(cols[2])
		if err != nil {
			t.Fatalf("expected.tsv: %v", err)
		}
		out = append(out, expectedHash{cols[0], h, q})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestReferenceAgreement: every reference image hashes within distance 16
// of the reference hasher's hash (the reference's own tolerance between
// implementations), with the orientation ignored as the reference does.
func TestReferenceAgreement(t *testing.T) {
	dir := referenceDir(t)
	exp := readExpected(t, dir)
	if len(exp) < 20 {
		t.Fatalf("only %d reference hashes read", len(exp))
	}
	maxD, sum := 0, 0
	for _, e := range exp {
		got, err := HashFile(filepath.Join(dir, e.file), Options{IgnoreOrientation: true})
		if err != nil {
			t.Errorf("%s: %v", e.file, err)
			continue
		}
		d := Distance(got.Hash, e.hash)
		maxD = max(maxD, d)
		sum += d
		t.Logf("%-32s distance %2d  quality %3d (reference %3d)", e.file, d, got.Quality, e.quality)
		if d > 16 {
			t.Errorf("%s: hash %s is %d bits from the reference %s (at most 16)", e.file, got.Hash, d, e.hash)
		}
		if absInt(got.Quality-e.quality) > 10 {
			t.Errorf("%s: quality %d, the reference says %d", e.file, got.Quality, e.quality)
		}
	}
	t.Logf("distance to the reference over %d images: max %d, mean %.2f", len(exp), maxD, float64(sum)/float64(len(exp)))
}
