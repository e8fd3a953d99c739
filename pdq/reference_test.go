package pdq

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// referenceDir is the PDQ reference data: ThreatExchange's test images,
// its hasher's hashes of them and its MIH regression hashes, kept in
// testdata with their licence so that the tests run wherever the
// repository is cloned (VIGIE_PDQ_REFERENCE points elsewhere).
func referenceDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("VIGIE_PDQ_REFERENCE"); d != "" {
		return d
	}
	d := filepath.Join("testdata", "reference")
	if _, err := os.Stat(filepath.Join(d, "expected.tsv")); err != nil {
		t.Fatalf("PDQ reference data missing: %v", err)
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

// referenceDihedral are the reference hasher's hashes of the bridge photo
// (bridge-mods/aaa-orig.jpg) rotated and flipped as image files, in
// Transform order, as published in ThreatExchange's pdq/python tests
// (reg-test-input/dih/bridge-1 … bridge-8).
var referenceDihedral = [8]string{
	"d8f8f0cce0f4a84f0e370a22028f67f0b36e2ed596623e1d33e6b39c4e9c9b22",
	"38a50efd71c83f429013d68d0ffffc52e34e0e15ada952a9d29684214aa9e5af",
	"2dadda64b5a142e5d362209057da895ae63b8c7fc277b4b766b319361f893188",
	"a5f0a457248995e8c9065c275aaa54d8b61ba4bdf8fcfc0387c32f8b0bfc4f05",
	"d8f80f31e0f417b00e37f5dd028f980fb36ed12a9662c1e233e64c634e9c64dd",
	"0dad259bb1a1bd18d362576556da32a1e63b7380c2374b4866b3c6c91b89ce77",
	"f0a5e10271dcc0bd9c5309720fff018de34ef1e8ada9a956d2967ade1ea91a50",
	"69f05aa8a4996a17c146a2da5aaaab07b61b5b60f8fc07fc83c3d0740bfcb0fa",
}

// TestDihedralMatchesReference: our eight hashes, from the DCT, are each
// within 16 of the reference's hash of the photo actually turned that way,
// and nearer to it than to any other of the eight.
func TestDihedralMatchesReference(t *testing.T) {
	dir := referenceDir(t)
	d, err := DihedralFile(filepath.Join(dir, "bridge-mods", "aaa-orig.jpg"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for tr := range Transform(8) {
		want, err := ParseHash(referenceDihedral[tr])
		if err != nil {
			t.Fatal(err)
		}
		dist := Distance(d.Hashes[tr], want)
		t.Logf("%-10v %2d bits from the reference", tr, dist)
		if dist > 16 {
			t.Errorf("%v: %d bits from the reference's hash of the turned photo", tr, dist)
		}
		for other := range Transform(8) {
			if other != tr && Distance(d.Hashes[other], want) <= dist {
				t.Errorf("%v: the reference's hash is as near our %v", tr, other)
			}
		}
	}
}
