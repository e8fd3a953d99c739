package pdq

import (
	"image"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// hashBytesReference is HashBytes the straightforward way: the whole image
// converted to a plane, turned as EXIF says, and filtered whole.
func hashBytesReference(t testing.TB, b []byte, opts Options) Result {
	t.Helper()
	img, orientation, err := Decode(b, opts)
	if err != nil {
		t.Fatal(err)
	}
	p := lumaReference(img)
	if tr := orientationTransform(orientation); tr != Original {
		p = transformPlane(p, tr)
	}
	var small [64][64]float64
	if p.w == 64 && p.h == 64 {
		for i := range 64 {
			for j := range 64 {
				small[i][j] = float64(p.pix[i*64+j])
			}
		}
	} else {
		small = downsampleReference(p)
	}
	c := dct(&small)
	return Result{Hash: c.bits(), Quality: quality(&small)}
}

// sameDownsample fails unless the streaming filter gives, bit for bit, the
// 64×64 samples the straightforward one gives.
func sameDownsample(t *testing.T, name string, img image.Image) {
	t.Helper()
	b := img.Bounds()
	if b.Dx() == 64 && b.Dy() == 64 {
		return // not filtered
	}
	fast := downsample(lumaRows(img))
	ref := downsampleReference(lumaReference(img))
	for i := range 64 {
		for j := range 64 {
			if math.Float64bits(fast[i][j]) != math.Float64bits(ref[i][j]) {
				t.Fatalf("%s: sample (%d,%d) is %v, the straightforward filter gives %v", name, i, j, fast[i][j], ref[i][j])
			}
		}
	}
}

// randomYCbCr is a w×h YCbCr image of random bytes (extremes, where the
// conversion to RGB clamps, included), placed at (x0, y0).
func randomYCbCr(x0, y0, w, h int, ratio image.YCbCrSubsampleRatio, seed uint64) *image.YCbCr {
	rng := rand.New(rand.NewPCG(seed, 7))
	m := image.NewYCbCr(image.Rect(x0, y0, x0+w, y0+h), ratio)
	for _, s := range [][]uint8{m.Y, m.Cb, m.Cr} {
		for i := range s {
			s[i] = uint8(rng.IntN(256))
		}
	}
	return m
}

// TestFastPathIdentical: the streaming hashing path (rows converted one at
// a time, the filter computed only where the samples need it, two pixels
// per chroma lookup) gives the same 64×64 samples, bit for bit, and so the
// same hash and quality as the straightforward path, on every reference
// image (as stored and as EXIF shows it) and on YCbCr images of every
// subsampling, odd sizes and odd origins.
func TestFastPathIdentical(t *testing.T) {
	dir := referenceDir(t)
	n := 0
	for _, sub := range []string{"images", "bridge-mods", "modes"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			name := sub + "/" + e.Name()
			raw, err := os.ReadFile(filepath.Join(dir, sub, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			img, _, err := Decode(raw, Options{})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			sameDownsample(t, name, img)
			for _, opts := range []Options{{}, {IgnoreOrientation: true}} {
				got, err := HashBytes(raw, opts)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if want := hashBytesReference(t, raw, opts); got != want {
					t.Errorf("%s %+v: fast path gives %v, the straightforward one %v (distance %d)", name, opts, got, want, Distance(got.Hash, want.Hash))
				}
			}
			n++
		}
	}
	if n < 25 {
		t.Fatalf("only %d reference images compared", n)
	}
	// The bridge photo under every EXIF orientation: turned as a plane,
	// then filtered by the streaming filter.
	photo, err := os.ReadFile(filepath.Join(dir, "bridge-mods", "aaa-orig.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	for o := 1; o <= 8; o++ {
		raw := withOrientation(photo, o, o%2 == 0)
		got, err := HashBytes(raw, Options{})
		if err != nil {
			t.Fatalf("orientation %d: %v", o, err)
		}
		if want := hashBytesReference(t, raw, Options{}); got != want {
			t.Errorf("orientation %d: fast path gives %v, the straightforward one %v", o, got, want)
		}
	}

	ratios := []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	}
	sizes := [][2]int{{1, 1}, {5, 3}, {63, 64}, {64, 64}, {65, 300}, {127, 129}, {1000, 7}, {333, 1001}}
	seed := uint64(0)
	for _, ratio := range ratios {
		for _, sz := range sizes {
			for _, origin := range [][2]int{{0, 0}, {3, 5}} {
				seed++
				m := randomYCbCr(origin[0], origin[1], sz[0], sz[1], ratio, seed)
				name := ratio.String() + " " + m.Rect.String()
				sameDownsample(t, name, m)
				if got, want := HashImage(m), hashImageReference(m); got != want {
					t.Errorf("%s: fast path gives %v, the straightforward one %v", name, got, want)
				}
			}
		}
	}
	big := randomYCbCr(0, 0, 1024, 768, image.YCbCrSubsampleRatio420, 99)
	sameDownsample(t, "1024×768 4:2:0", big)
	// An image that is not YCbCr goes through the same filter.
	s := synthetic(301, 203, 9)
	sameDownsample(t, "synthetic RGBA", s)
}

// TestBoxRowAtExact: the box filter computed only at some places, its sums
// taken run by run (and, for very wide windows, in the reference's order),
// gives there exactly what the filter over the whole row gives, for rows
// of luminance values of every length against windows of many sizes.
func TestBoxRowAtExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 7, 64, 333, 1024} {
		in := make([]float32, n)
		for i := range in {
			switch rng.IntN(8) {
			case 0:
				in[i] = 0 // black: the smallest luminance
			case 1:
				in[i] = lumaOf(0, 0, 1) // the smallest above it
			default:
				in[i] = lumaOf(uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)))
			}
		}
		want := make([]float32, n)
		for win := 1; win <= min(n+2, 40); win++ {
			boxRowReference(in, want, win)
			// Every place, then runs with gaps between, as the filter asks.
			var all, some []int
			for x := range n {
				all = append(all, x)
				if x%16 < 9 && x%5 != 4 {
					some = append(some, x)
				}
			}
			for _, xs := range [][]int{all, some} {
				if len(xs) == 0 {
					continue
				}
				for name, f := range map[string]func(in, out []float32, win int, xs []int){"boxRowAt": boxRowAt, "boxRowAtOrdered": boxRowAtOrdered} {
					got := make([]float32, len(xs))
					f(in, got, win, xs)
					for k, x := range xs {
						if math.Float32bits(got[k]) != math.Float32bits(want[x]) {
							t.Fatalf("%s: n %d window %d: place %d is %v, the whole-row filter gives %v", name, n, win, x, got[k], want[x])
						}
					}
				}
			}
		}
	}
}

// FuzzFastPathIdentical: for any YCbCr image (size, origin, subsampling and
// pixels from the fuzzer), the streaming path's 64×64 samples are the
// straightforward path's, bit for bit.
func FuzzFastPathIdentical(f *testing.F) {
	f.Add(uint16(130), uint16(70), uint8(2), uint8(1), uint8(0), []byte{0, 255, 128, 7})
	f.Add(uint16(1), uint16(300), uint8(5), uint8(3), uint8(2), []byte{255})
	f.Fuzz(func(t *testing.T, w, h uint16, ratio, x0, y0 uint8, pix []byte) {
		w, h = w%400+1, h%400+1
		m := image.NewYCbCr(image.Rect(int(x0), int(y0), int(x0)+int(w), int(y0)+int(h)), image.YCbCrSubsampleRatio(ratio%6))
		if len(pix) > 0 {
			for i := range m.Y {
				m.Y[i] = pix[i%len(pix)]
			}
			for i := range m.Cb {
				m.Cb[i] = pix[(3*i+1)%len(pix)]
				m.Cr[i] = pix[(5*i+2)%len(pix)]
			}
		}
		sameDownsample(t, m.Rect.String(), m)
	})
}
