package pdq

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEditedCopiesMatch: edits of one photo (blur, contrast, sharpening,
// shrinking, square crops) and the photo saved in other colour modes and
// formats all hash within the match threshold, 31, of the original; and
// an unrelated image does not.
func TestEditedCopiesMatch(t *testing.T) {
	dir := referenceDir(t)
	orig, err := HashFile(filepath.Join(dir, "bridge-mods", "aaa-orig.jpg"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, sub := range []string{"bridge-mods", "modes"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			got, err := HashFile(filepath.Join(dir, sub, e.Name()), Options{})
			if err != nil {
				t.Errorf("%s/%s: %v", sub, e.Name(), err)
				continue
			}
			n++
			d := Distance(orig.Hash, got.Hash)
			t.Logf("%s/%-22s %2d bits from the original", sub, e.Name(), d)
			if d > 31 {
				t.Errorf("%s/%s: %d bits from the original (at most 31)", sub, e.Name(), d)
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d edited copies hashed", n)
	}
	other, err := HashFile(filepath.Join(dir, "images", "c.png"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d := Distance(orig.Hash, other.Hash); d <= 31 {
		t.Errorf("an unrelated image is %d bits from the original: the threshold would match it", d)
	}
}

// synthetic draws a deterministic image with no symmetry: a gradient and
// blobs of several sizes.
func synthetic(w, h int, seed uint64) *image.RGBA {
	rng := rand.New(rand.NewPCG(seed, 1))
	type blob struct{ x, y, r, v float64 }
	var blobs []blob
	for range 12 {
		blobs = append(blobs, blob{rng.Float64() * float64(w), rng.Float64() * float64(h), (0.03 + 0.2*rng.Float64()) * float64(min(w, h)), rng.Float64()*200 - 100})
	}
	// Sharp-edged rectangles give the image high frequencies, so that
	// its hash does not hang on coefficients near the median.
	var rects []image.Rectangle
	for range 25 {
		x0, y0 := rng.IntN(w), rng.IntN(h)
		rects = append(rects, image.Rect(x0, y0, x0+5+rng.IntN(w/3), y0+5+rng.IntN(h/3)))
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := 40 + 120*float64(x)/float64(w) + 40*float64(y)/float64(h)
			for _, b := range blobs {
				dx, dy := float64(x)-b.x, float64(y)-b.y
				v += b.v * math.Exp(-(dx*dx+dy*dy)/(2*b.r*b.r))
			}
			for _, r := range rects {
				if image.Pt(x, y).In(r) {
					v += float64(r.Dx()%90) - 45
				}
			}
			g := uint8(max(0, min(255, v)))
			img.SetRGBA(x, y, color.RGBA{g, uint8(255 - int(g)/2), g / 2, 255})
		}
	}
	return img
}

// TestDihedralAgreesWithTransformedPixels: each of the eight hashes
// computed from the DCT is the hash of the image actually turned or
// mirrored that way (within a few bits: sampling is not exactly
// symmetric), and the nearest of the eight.
func TestDihedralAgreesWithTransformedPixels(t *testing.T) {
	for _, size := range [][2]int{{640, 480}, {333, 517}, {64, 64}} {
		img := synthetic(size[0], size[1], uint64(size[0]))
		d := DihedralImage(img)
		if d.Hashes[Original] != HashImage(img).Hash {
			t.Fatalf("%v: the dihedral original differs from the plain hash", size)
		}
		for tr := range Transform(8) {
			p := transformPlane(luma(img), tr)
			got := hashPlane(p).Hash
			dist := Distance(got, d.Hashes[tr])
			if dist > 16 {
				t.Errorf("%v %v: the pixels turned hash %d bits from the DCT-derived hash", size, tr, dist)
			}
			for other := range Transform(8) {
				if other != tr && Distance(got, d.Hashes[other]) <= dist {
					t.Errorf("%v %v: the pixels turned are as near to %v (%d) as to %v (%d)", size, tr, other, Distance(got, d.Hashes[other]), tr, dist)
				}
			}
		}
	}
}

// TestTransformPlaneNames checks the pixel transforms on a 2×3 plane whose
// corners can be followed: the names say where the top-left corner goes.
func TestTransformPlaneNames(t *testing.T) {
	// 1 2 3
	// 4 5 6
	p := plane{w: 3, h: 2, pix: []float32{1, 2, 3, 4, 5, 6}}
	want := map[Transform][]float32{
		Original:   {1, 2, 3, 4, 5, 6},
		Rotate90:   {3, 6, 2, 5, 1, 4}, // counter-clockwise: the right column on top
		Rotate180:  {6, 5, 4, 3, 2, 1},
		Rotate270:  {4, 1, 5, 2, 6, 3}, // clockwise: the left column, bottom up, on top
		FlipX:      {4, 5, 6, 1, 2, 3},
		FlipY:      {3, 2, 1, 6, 5, 4},
		FlipPlus1:  {1, 4, 2, 5, 3, 6},
		FlipMinus1: {6, 3, 5, 2, 4, 1},
	}
	for tr, w := range want {
		got := transformPlane(p, tr)
		if !slicesEqual(got.pix, w) {
			t.Errorf("%v: got %v, want %v", tr, got.pix, w)
		}
	}
}

func slicesEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// withOrientation inserts an APP1 EXIF segment with the given orientation
// right after a JPEG's SOI marker, in either byte order.
func withOrientation(jpg []byte, o int, bigEndian bool) []byte {
	var order interface {
		binary.ByteOrder
		binary.AppendByteOrder
	} = binary.LittleEndian
	tiff := []byte("II")
	if bigEndian {
		order, tiff = binary.BigEndian, []byte("MM")
	}
	tiff = order.AppendUint16(tiff, 42)
	tiff = order.AppendUint32(tiff, 8)
	tiff = order.AppendUint16(tiff, 2) // two entries: another tag first
	tiff = order.AppendUint16(tiff, 0x010F)
	tiff = order.AppendUint16(tiff, 2)
	tiff = order.AppendUint32(tiff, 4)
	tiff = append(tiff, 'A', 'c', 'm', 0)
	tiff = order.AppendUint16(tiff, 0x0112)
	tiff = order.AppendUint16(tiff, 3)
	tiff = order.AppendUint32(tiff, 1)
	tiff = order.AppendUint16(tiff, uint16(o))
	tiff = order.AppendUint16(tiff, 0)
	tiff = order.AppendUint32(tiff, 0) // no next directory
	seg := append([]byte("Exif\x00\x00"), tiff...)
	out := []byte{0xFF, 0xD8, 0xFF, 0xE1}
	out = binary.BigEndian.AppendUint16(out, uint16(len(seg)+2))
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// TestEXIFOrientationRespected: a JPEG carrying orientation o hashes as
// its pixels turned the way o says to show them, not as stored.
func TestEXIFOrientationRespected(t *testing.T) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, synthetic(400, 300, 7), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	stored, err := jpeg.Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	plain := HashImage(stored).Hash
	// What each orientation must look like, by a description independent
	// of orientationTransform: where the stored top-left corner ends up.
	shown := map[int]Transform{1: Original, 2: FlipY, 3: Rotate180, 4: FlipX, 5: FlipPlus1, 6: Rotate270, 7: FlipMinus1, 8: Rotate90}
	for o := 1; o <= 8; o++ {
		for _, big := range []bool{false, true} {
			file := withOrientation(buf.Bytes(), o, big)
			if got := JPEGOrientation(file); got != o {
				t.Fatalf("orientation %d (big endian %v) read as %d", o, big, got)
			}
			res, err := HashBytes(file, Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := hashPlane(transformPlane(luma(stored), shown[o])).Hash
			if res.Hash != want {
				t.Errorf("orientation %d: hash %s, want the pixels turned %v: %s", o, res.Hash, shown[o], want)
			}
			if o != 1 && res.Hash == plain {
				t.Errorf("orientation %d ignored", o)
			}
			ignored, err := HashBytes(file, Options{IgnoreOrientation: true})
			if err != nil {
				t.Fatal(err)
			}
			if ignored.Hash != plain {
				t.Errorf("orientation %d with IgnoreOrientation: %s, want the stored pixels' %s", o, ignored.Hash, plain)
			}
		}
	}
}

func TestJPEGOrientationBadInput(t *testing.T) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		t.Fatal(err)
	}
	good := withOrientation(buf.Bytes(), 6, false)
	cases := map[string][]byte{
		"empty":               nil,
		"not a jpeg":          []byte("GIF89a......"),
		"no exif":             buf.Bytes(),
		"orientation 9":       withOrientation(buf.Bytes(), 9, false),
		"orientation 0":       withOrientation(buf.Bytes(), 0, true),
		"truncated in exif":   good[:30],
		"truncated in header": good[:5],
	}
	for name, b := range cases {
		if got := JPEGOrientation(b); got != 1 {
			t.Errorf("%s: orientation %d, want 1", name, got)
		}
	}
	if got := JPEGOrientation(good); got != 6 {
		t.Errorf("good file: orientation %d, want 6", got)
	}
}

func FuzzJPEGOrientation(f *testing.F) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		f.Fatal(err)
	}
	for o := range 9 {
		f.Add(withOrientation(buf.Bytes(), o, o%2 == 0)[:60])
	}
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x02})
	f.Fuzz(func(t *testing.T, b []byte) {
		o := JPEGOrientation(b)
		if o < 1 || o > 8 {
			t.Fatalf("orientation %d out of 1..8", o)
		}
	})
}

// bombs builds headers that announce 60,000×60,000 pixels followed by no
// usable data: if the size were not checked first, decoding would fail with
// another error (or try to allocate gigabytes).
func bombs(t *testing.T) map[string][]byte {
	t.Helper()
	small := image.NewPaletted(image.Rect(0, 0, 8, 8), color.Palette{color.Black, color.White})
	out := map[string][]byte{}

	var p bytes.Buffer
	if err := png.Encode(&p, image.NewGray(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	b := p.Bytes()[:33] // signature and IHDR only
	binary.BigEndian.PutUint32(b[16:], 60000)
	binary.BigEndian.PutUint32(b[20:], 60000)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	out["png"] = append(b, 0, 0, 0, 0)

	var j bytes.Buffer
	if err := jpeg.Encode(&j, small, nil); err != nil {
		t.Fatal(err)
	}
	jb := j.Bytes()
	i := bytes.Index(jb, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0 in the encoded JPEG")
	}
	binary.BigEndian.PutUint16(jb[i+5:], 60000)
	binary.BigEndian.PutUint16(jb[i+7:], 60000)
	sos := bytes.Index(jb, []byte{0xFF, 0xDA})
	if sos < 0 {
		t.Fatal("no SOS in the encoded JPEG")
	}
	// Up to the scan header: the scan's data, the pixels, is cut off.
	out["jpeg"] = jb[:sos+2+int(binary.BigEndian.Uint16(jb[sos+2:]))]

	var g bytes.Buffer
	if err := gif.Encode(&g, small, nil); err != nil {
		t.Fatal(err)
	}
	gb := g.Bytes()
	binary.LittleEndian.PutUint16(gb[6:], 60000)
	binary.LittleEndian.PutUint16(gb[8:], 60000)
	out["gif"] = gb[:len(gb)-2]
	return out
}

// TestDecompressionBombRefused: a header announcing more pixels than the
// limit is refused before decoding, with an error naming the limit.
func TestDecompressionBombRefused(t *testing.T) {
	for name, b := range bombs(t) {
		_, err := HashBytes(b, Options{})
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: %v, want ErrTooLarge", name, err)
			continue
		}
		if !strings.Contains(err.Error(), "60000×60000") || !strings.Contains(err.Error(), "50000000") {
			t.Errorf("%s: the error does not name the size and the limit: %v", name, err)
		}
	}
	// A real image over a lowered limit is refused too, WebP included.
	if dir := referenceDir(t); dir != "" {
		_, err := HashFile(filepath.Join(dir, "modes", "F.webp"), Options{MaxPixels: 1000})
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("webp over the limit: %v, want ErrTooLarge", err)
		}
	}
}

func TestFileLimitsAndFormats(t *testing.T) {
	if _, err := HashBytes([]byte("%PDF-1.7 not an image"), Options{}); !errors.Is(err, ErrFormat) {
		t.Errorf("a PDF: %v, want ErrFormat", err)
	}
	if _, err := HashReader(bytes.NewReader(make([]byte, 2000)), Options{MaxBytes: 1000}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("2000 bytes over a 1000-byte limit: %v, want ErrTooLarge", err)
	}
	// The same picture in PNG and GIF (lossless, a two-colour palette)
	// hashes the same.
	img := image.NewPaletted(image.Rect(0, 0, 300, 200), color.Palette{color.Black, color.White})
	for y := range 200 {
		for x := range 300 {
			if (x/37+y/23)%2 == 0 || x*x+y*y < 9000 {
				img.SetColorIndex(x, y, 1)
			}
		}
	}
	var p, g bytes.Buffer
	if err := png.Encode(&p, img); err != nil {
		t.Fatal(err)
	}
	if err := gif.Encode(&g, img, nil); err != nil {
		t.Fatal(err)
	}
	hp, err := HashBytes(p.Bytes(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	hg, err := HashBytes(g.Bytes(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if hp != hg {
		t.Errorf("PNG %v and GIF %v of one picture differ", hp, hg)
	}
	if hp.Hash != HashImage(img).Hash {
		t.Errorf("the decoded PNG hashes differently from the image")
	}
}

func TestHashText(t *testing.T) {
	const s = "d8f8f0cce0f4a84f0e370a22028f67f0b36e2ed596623e1d33e6b39c4e9c9b22"
	h, err := ParseHash(strings.ToUpper(s))
	if err != nil {
		t.Fatal(err)
	}
	if h.String() != s {
		t.Errorf("round trip: %s", h)
	}
	if h.Word16(0) != 0xd8f8 || h.Word16(15) != 0x9b22 || h.Word16(5) != 0x0a22 {
		t.Errorf("words: %04x %04x %04x", h.Word16(0), h.Word16(15), h.Word16(5))
	}
	// Bit 0 of the reference is the lowest bit of its word 0, printed last.
	var one Hash
	one.setBit(0)
	if one.String() != strings.Repeat("0", 63)+"1" || !one.bit(0) {
		t.Errorf("bit 0: %s", one)
	}
	one = Hash{}
	one.setBit(255)
	if one.String() != "8"+strings.Repeat("0", 63) {
		t.Errorf("bit 255: %s", one)
	}
	for _, bad := range []string{"", s[:63], s + "0", "g" + s[1:], " " + s[1:]} {
		if _, err := ParseHash(bad); !errors.Is(err, ErrHashFormat) {
			t.Errorf("%q: %v, want ErrHashFormat", bad, err)
		}
	}
	other, _ := ParseHash("d8f8f0cce0f4e84d06370a32068f67f0b36e2ed596623e1d33e6339c4e9c9b22")
	if d := Distance(h, other); d != 6 {
		t.Errorf("distance %d, want 6", d)
	}
}

func FuzzParseHash(f *testing.F) {
	f.Add("d8f8f0cce0f4a84f0e370a22028f67f0b36e2ed596623e1d33e6b39c4e9c9b22")
	f.Add("")
	f.Add(strings.Repeat("Z", 64))
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHash(s)
		if err != nil {
			return
		}
		if !strings.EqualFold(h.String(), s) {
			t.Fatalf("%q parsed and printed as %q", s, h)
		}
	})
}

// TestLumaYCbCrAgreesWithStandardLibrary: the table-driven conversion gives
// what color.YCbCrToRGB and the luminance weights give, for every Cb and Cr
// and a spread of Y (the extremes, where clamping happens, included).
func TestLumaYCbCrAgreesWithStandardLibrary(t *testing.T) {
	ys := []uint8{0, 1, 2, 16, 17, 64, 100, 127, 128, 129, 180, 235, 236, 250, 254, 255}
	m := image.NewYCbCr(image.Rect(0, 0, len(ys), 256*256), image.YCbCrSubsampleRatio444)
	for row := range 256 * 256 {
		cb, cr := row/256, row%256
		for y := range ys {
			m.Y[row*m.YStride+y] = ys[y]
			m.Cb[row*m.CStride+y] = uint8(cb)
			m.Cr[row*m.CStride+y] = uint8(cr)
		}
	}
	p := luma(m)
	for row := range 256 * 256 {
		cb, cr := uint8(row/256), uint8(row%256)
		for x, y := range ys {
			r, g, b := color.YCbCrToRGB(y, cb, cr)
			if want := lumaOf(r, g, b); p.pix[row*len(ys)+x] != want {
				t.Fatalf("Y %d Cb %d Cr %d: luma %v, want %v", y, cb, cr, p.pix[row*len(ys)+x], want)
			}
		}
	}
}
