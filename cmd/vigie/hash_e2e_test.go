package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigie-platform/vigie/pdq"
)

func runHashCmd(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, strings.NewReader(stdin), &out, &errOut, noEnv)
	return out.String(), errOut.String(), err
}

func writePNG(t *testing.T, path string, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 3))
	img := image.NewRGBA(image.Rect(0, 0, 200, 150))
	for range 30 {
		x, y := rng.IntN(200), rng.IntN(150)
		c := color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
		for yy := y; yy < min(150, y+20+rng.IntN(60)); yy++ {
			for xx := x; xx < min(200, x+20+rng.IntN(60)); xx++ {
				img.SetRGBA(xx, yy, c)
			}
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

func TestHashPDQCommand(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.png"), filepath.Join(dir, "b.png")
	writePNG(t, a, 1)
	writePNG(t, b, 2)
	bad := filepath.Join(dir, "notes.txt")
	os.WriteFile(bad, []byte("not an image"), 0o600)

	out, _, err := runHashCmd(t, "", "hash", "pdq", a, b)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one line per file, got %q", out)
	}
	for i, path := range []string{a, b} {
		want, err := pdq.HashFile(path, pdq.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%s %d %s", want.Hash, want.Quality, path); lines[i] != got {
			t.Errorf("line %d: %q, want %q", i+1, lines[i], got)
		}
	}

	out, _, err = runHashCmd(t, "", "hash", "pdq", "--dihedral", a)
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(out)
	d, _ := pdq.DihedralFile(a, pdq.Options{})
	if len(fields) != 10 || fields[9] != a || fields[8] != fmt.Sprint(d.Quality) {
		t.Fatalf("--dihedral: want 8 hashes, quality, file; got %q", out)
	}
	for i, h := range d.Hashes {
		if fields[i] != h.String() {
			t.Errorf("--dihedral hash %d: %s, want %s", i+1, fields[i], h)
		}
	}

	// A file that is not an image is said on stderr; the others are hashed.
	out, errOut, err := runHashCmd(t, "", "hash", "pdq", bad, a)
	if err == nil || !strings.Contains(errOut, bad) || !strings.Contains(errOut, "not a JPEG, PNG, GIF or WebP") {
		t.Errorf("a bad file: err %v, stderr %q", err, errOut)
	}
	if !strings.HasSuffix(strings.TrimSpace(out), " "+a) {
		t.Errorf("the good file after a bad one was not hashed: %q", out)
	}
	if _, errOut, err := runHashCmd(t, "", "hash", "pdq", "--max-pixels", "1000", a); err == nil || !strings.Contains(errOut, "over the limit of 1000 pixels") {
		t.Errorf("--max-pixels: err %v, stderr %q", err, errOut)
	}
	if _, _, err := runHashCmd(t, "", "hash", "pdq"); err == nil {
		t.Error("no file: no error")
	}
}

// TestHashPDQCommandReference: the command's hashes of the reference
// images are within 16 bits of the reference hasher's.
func TestHashPDQCommandReference(t *testing.T) {
	ref := filepath.Join("..", "..", "pdq", "testdata", "reference")
	want := map[string]string{
		"images/wee.jpg":           "6227401f601ff4ccafcc9fad4b0d95d371a2eb7265a3285234d228ca94deeb2d",
		"bridge-mods/aaa-orig.jpg": "d8f8f0cce0f4a84f0e370a22028f67f0b36e2ed596623e1d33e6b39c4e9c9b22",
		"modes/PA.webp":            "d8f8f0cce0f4a84f0e370a22028f67f0b36e2ed596623e1d33e6b39c4e9c9b22",
	}
	for file, w := range want {
		out, _, err := runHashCmd(t, "", "hash", "pdq", filepath.Join(ref, file))
		if err != nil {
			t.Fatal(err)
		}
		got, err := pdq.ParseHash(strings.Fields(out)[0])
		if err != nil {
			t.Fatalf("%s: %q: %v", file, out, err)
		}
		wh, _ := pdq.ParseHash(w)
		if d := pdq.Distance(got, wh); d > 16 {
			t.Errorf("%s: %d bits from the reference", file, d)
		}
	}
}

func TestHashExactCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "abc")
	os.WriteFile(path, []byte("abc"), 0o600)
	out, _, err := runHashCmd(t, "", "hash", "exact", path)
	if err != nil {
		t.Fatal(err)
	}
	want := "900150983cd24fb0d6963f7d28e17f72 a9993e364706816aba3e25717850c26c9cd0d89d ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad " + path + "\n"
	if out != want {
		t.Errorf("got %q, want %q", out, want)
	}
}

func TestHashMatchCommand(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 14))
	var list []pdq.Hash
	var file strings.Builder
	file.WriteString("# a hash list, with extra columns\n\n")
	for i := range 3000 {
		h := pdq.Hash{rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64()}
		if i%10 == 0 && i > 0 {
			h = list[i-1] // near-duplicates of the previous hash
			for range rng.IntN(45) {
				b := rng.IntN(256)
				h[b/64] ^= 1 << (b % 64)
			}
		}
		list = append(list, h)
		fmt.Fprintf(&file, "%s,photo,label %d\n", h, i)
	}
	// Hits at the threshold's edge: 31 bits from the first hash (a hit)
	// and 32 (not one).
	edge := func(h pdq.Hash, n int) pdq.Hash {
		for b := range n {
			h[b/64] ^= 1 << (b % 64)
		}
		return h
	}
	for _, n := range []int{31, 32} {
		h := edge(list[0], n)
		list = append(list, h)
		fmt.Fprintf(&file, "%s\n", h)
	}
	hashes := filepath.Join(t.TempDir(), "list.csv")
	os.WriteFile(hashes, []byte(file.String()), 0o600)

	var stdin strings.Builder
	var queries []pdq.Hash
	for i := 0; i < len(list); i += 37 {
		q := list[i]
		for range rng.IntN(35) {
			b := rng.IntN(256)
			q[b/64] ^= 1 << (b % 64)
		}
		queries = append(queries, q)
		fmt.Fprintf(&stdin, "%s\textra\n", q)
	}
	queries = append(queries, list[0])
	fmt.Fprintf(&stdin, "%s\n", list[0])
	out, errOut, err := runHashCmd(t, stdin.String(), "hash", "match", "--hashes", hashes, "--distance", "31")
	if err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	// A hash listed twice is one hit.
	unique := map[pdq.Hash]bool{}
	for _, h := range list {
		unique[h] = true
	}
	var want []string
	for _, q := range queries {
		var hits []string
		for h := range unique {
			if d := pdq.Distance(q, h); d <= 31 {
				hits = append(hits, fmt.Sprintf("%s %s %d", q, h, d))
			}
		}
		want = append(want, hits...)
	}
	got := strings.Split(strings.TrimSpace(out), "\n")
	if len(want) < len(queries) {
		t.Fatalf("only %d hits expected: the test checks little", len(want))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !strings.Contains(out, fmt.Sprintf("%s %s 31\n", list[0], edge(list[0], 31))) {
		t.Error("the hit at distance 31 is missing")
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %d hit lines, brute force %d", len(got), len(want))
	}

	// Bad lines are named by number, in the list and on standard input.
	badList := filepath.Join(t.TempDir(), "bad.txt")
	os.WriteFile(badList, []byte(list[0].String()+"\n\nnot-a-hash,x\n"), 0o600)
	if _, _, err := runHashCmd(t, "", "hash", "match", "--hashes", badList); err == nil || !strings.Contains(err.Error(), "line 3:") {
		t.Errorf("bad list line: %v", err)
	}
	if _, _, err := runHashCmd(t, list[0].String()+"\n"+list[1].String()[:60]+"\n", "hash", "match", "--hashes", hashes); err == nil || !strings.Contains(err.Error(), "standard input, line 2:") {
		t.Errorf("bad query line: %v", err)
	}
	if _, _, err := runHashCmd(t, "", "hash", "match", "--hashes", hashes, "--distance", "300"); err == nil {
		t.Error("--distance 300 accepted")
	}
	if _, _, err := runHashCmd(t, "", "hash", "match"); err == nil {
		t.Error("no --hashes accepted")
	}
}

// TestBenchHashesCommand runs the index benchmark small, so that CI keeps
// it working; its figures are measured outside CI (BENCHMARKS.md).
func TestBenchHashesCommand(t *testing.T) {
	out, errOut, err := runHashCmd(t, "", "bench", "hashes", "--hashes", "30000", "--queries", "600", "--brute", "60")
	if err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	fields := map[string]string{}
	for _, f := range strings.Fields(out) {
		k, v, _ := strings.Cut(f, "=")
		fields[k] = v
	}
	for _, k := range []string{"index_p99_ms", "brute_p99_ms", "recall", "rss_mb", "load_s", "index_cpu_p99_ms"} {
		if fields[k] == "" {
			t.Errorf("no %s in %q", k, out)
		}
	}
	if fields["recall"] != "1.0000" || fields["false_hits"] != "0" {
		t.Errorf("the index disagrees with brute force: %q", out)
	}
	if fields["checked_hits"] == "0" {
		t.Errorf("brute force found nothing to compare: %q", out)
	}
}
