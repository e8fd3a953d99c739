package pdq

import (
	"math"
	"slices"
)

// Result is an image's hash and its quality, from 0 (a flat or nearly
// flat image, whose hash says little) to 100. The reference advises not to
// match hashes of quality under 50.
type Result struct {
	Hash    Hash
	Quality int
}

// Transform names one of the eight rotations and flips of an image, in the
// reference's order.
type Transform int

// The eight dihedral transforms, in the order of the reference hasher's
// output. Rotations are counter-clockwise.
const (
	Original   Transform = iota
	Rotate90             // a quarter turn counter-clockwise
	Rotate180            // a half turn
	Rotate270            // a quarter turn clockwise
	FlipX                // mirrored about the horizontal axis: upside down
	FlipY                // mirrored about the vertical axis: left and right swapped
	FlipPlus1            // mirrored about the main diagonal (transposed)
	FlipMinus1           // mirrored about the other diagonal
)

var transformNames = [8]string{"original", "rotate90", "rotate180", "rotate270", "flipx", "flipy", "flipplus1", "flipminus1"}

func (t Transform) String() string {
	if t < 0 || int(t) >= len(transformNames) {
		return "transform?"
	}
	return transformNames[t]
}

// Dihedral holds the hashes of an image under the eight transforms,
// indexed by Transform, and the quality (the same for all eight).
type Dihedral struct {
	Hashes  [8]Hash
	Quality int
}

// plane is a luminance image, row-major.
type plane struct {
	w, h int
	pix  []float32
}

// dctMatrix holds the first 16 rows (frequencies 1 to 16; frequency 0, the
// mean, is left out) of the 64-point DCT-II, scaled by √(2/64). It is
// computed once and never written after.
var dctMatrix = func() (d [16][64]float64) {
	scale := math.Sqrt(2.0 / 64.0)
	for i := range 16 {
		for j := range 64 {
			d[i][j] = scale * math.Cos(math.Pi/2/64*float64(i+1)*float64(2*j+1))
		}
	}
	return d
}()

// coefficients is the 16×16 DCT output: [vertical frequency][horizontal].
type coefficients [16][16]float64

// analyse blurs and decimates the plane to 64×64, measures its quality and
// takes its DCT. It overwrites p.pix (used as scratch).
func analyse(p plane) (coefficients, int) {
	var small [64][64]float64
	if p.w == 64 && p.h == 64 {
		// Already the size PDQ works at (a video frame scaled by the
		// caller, say): the reference takes it as is.
		for i := range 64 {
			for j := range 64 {
				small[i][j] = float64(p.pix[i*64+j])
			}
		}
	} else {
		small = downsample(p)
	}
	return dct(&small), quality(&small)
}

// downsample blurs the plane with the reference's tent filter and keeps
// 64×64 samples of it. The filter is two rounds of a box filter along rows
// then along columns, each box 1/128 of the dimension (rounded up), so that
// the two rounds together average over about one sixty-fourth of the image,
// the area one output pixel stands for; the samples are taken at the
// centres of a 64×64 grid. The first round is run over the whole plane;
// the second is computed only where the samples need it, which gives the
// same values for a fraction of the work. It overwrites p.pix.
func downsample(p plane) (out [64][64]float64) {
	winRows := (p.w + 127) / 128 // window along a row: a fraction of the width
	winCols := (p.h + 127) / 128
	tmp := make([]float32, len(p.pix))
	for y := range p.h {
		boxRow(p.pix[y*p.w:(y+1)*p.w], tmp[y*p.w:(y+1)*p.w], winRows)
	}
	boxCols(tmp, p.pix, p.w, p.h, winCols, make([]float64, p.w))

	var rows, cols [64]int
	for i := range 64 {
		rows[i] = int((float64(i) + 0.5) * float64(p.h) / 64)
		cols[i] = int((float64(i) + 0.5) * float64(p.w) / 64)
	}
	// Second round along rows, at the sample columns only, for every row.
	rb, ra := boxWindow(winRows)
	atCols := make([]float64, p.h*64) // [row][sample column]
	for y := range p.h {
		row := p.pix[y*p.w : (y+1)*p.w]
		for j, c := range cols {
			lo, hi := max(0, c-rb), min(p.w-1, c+ra)
			var sum float64
			for _, v := range row[lo : hi+1] {
				sum += float64(v)
			}
			atCols[y*64+j] = sum / float64(hi-lo+1)
		}
	}
	// Second round along columns, at the sample rows only.
	cb, ca := boxWindow(winCols)
	for i, r := range rows {
		lo, hi := max(0, r-cb), min(p.h-1, r+ca)
		for j := range 64 {
			var sum float64
			for y := lo; y <= hi; y++ {
				sum += atCols[y*64+j]
			}
			out[i][j] = sum / float64(hi-lo+1)
		}
	}
	return out
}

// boxWindow gives how far a box of the given size reaches before and after
// the output position: the reference centres an even window one place to
// the right.
func boxWindow(win int) (before, after int) {
	half := (win + 2) / 2
	return win - half, half - 1
}

// boxRow writes into out the mean of in over a window around each place,
// the window cut short at the ends (and the mean taken over what is left).
func boxRow(in, out []float32, win int) {
	before, after := boxWindow(win)
	n := len(in)
	var sum float64
	lo, hi := 0, -1 // the window summed is in[lo..hi]
	for o := range n {
		for hi < o+after && hi < n-1 {
			hi++
			sum += float64(in[hi])
		}
		for lo < o-before {
			sum -= float64(in[lo])
			lo++
		}
		out[o] = float32(sum / float64(hi-lo+1))
	}
}

// boxCols is boxRow down the columns, done a row at a time so that memory
// is read in order.
func boxCols(in, out []float32, w, h, win int, colSum []float64) {
	before, after := boxWindow(win)
	clear(colSum)
	lo, hi := 0, -1
	for o := range h {
		for hi < o+after && hi < h-1 {
			hi++
			row := in[hi*w : (hi+1)*w]
			for x, v := range row {
				colSum[x] += float64(v)
			}
		}
		for lo < o-before {
			row := in[lo*w : (lo+1)*w]
			for x, v := range row {
				colSum[x] -= float64(v)
			}
			lo++
		}
		inv := 1 / float64(hi-lo+1)
		orow := out[o*w : (o+1)*w]
		for x := range orow {
			orow[x] = float32(colSum[x] * inv)
		}
	}
}

// quality counts the significant gradients between neighbours of the
// 64×64 image, as the reference does: each difference scaled to 0–100 and
// truncated, summed, divided by 90 and capped at 100.
func quality(a *[64][64]float64) int {
	sum := 0
	for i := range 63 {
		for j := range 64 {
			sum += absInt(int((a[i][j] - a[i+1][j]) * 100 / 255))
		}
	}
	for i := range 64 {
		for j := range 63 {
			sum += absInt(int((a[i][j] - a[i][j+1]) * 100 / 255))
		}
	}
	return min(sum/90, 100)
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// dct computes D·A·Dᵀ, only the 16×16 low frequencies PDQ keeps.
func dct(a *[64][64]float64) coefficients {
	var t [16][64]float64
	for i := range 16 {
		for k := range 64 {
			d := dctMatrix[i][k]
			for j := range 64 {
				t[i][j] += d * a[k][j]
			}
		}
	}
	var b coefficients
	for i := range 16 {
		for j := range 16 {
			var s float64
			for k := range 64 {
				s += t[i][k] * dctMatrix[j][k]
			}
			b[i][j] = s
		}
	}
	return b
}

// bits sets one bit per coefficient greater than the median (the 128th
// smallest of the 256, as the reference's Torben median gives).
func (c *coefficients) bits() Hash {
	all := make([]float64, 0, 256)
	for i := range 16 {
		all = append(all, c[i][:]...)
	}
	slices.Sort(all)
	median := all[127]
	var h Hash
	for i := range 16 {
		for j := range 16 {
			if c[i][j] > median {
				h.setBit(i*16 + j)
			}
		}
	}
	return h
}

// transformed gives the coefficients of the transformed image without
// transforming it: mirroring an axis negates the odd-numbered frequencies
// along it (the frequencies here start at 1, so index 0, 2, …), and a
// transposition transposes the coefficients.
func (c *coefficients) transformed(t Transform) coefficients {
	var out coefficients
	for u := range 16 {
		for v := range 16 {
			var src float64
			var neg bool
			switch t {
			case Original:
				src = c[u][v]
			case Rotate90: // mirror left-right, then transpose
				src, neg = c[v][u], u%2 == 0
			case Rotate180:
				src, neg = c[u][v], (u+v)%2 == 1
			case Rotate270: // mirror top-bottom, then transpose
				src, neg = c[v][u], v%2 == 0
			case FlipX:
				src, neg = c[u][v], u%2 == 0
			case FlipY:
				src, neg = c[u][v], v%2 == 0
			case FlipPlus1:
				src = c[v][u]
			case FlipMinus1:
				src, neg = c[v][u], (u+v)%2 == 1
			}
			if neg {
				src = -src
			}
			out[u][v] = src
		}
	}
	return out
}

// hashPlane hashes a luminance plane; p.pix is overwritten.
func hashPlane(p plane) Result {
	c, q := analyse(p)
	return Result{Hash: c.bits(), Quality: q}
}

// dihedralPlane gives the eight hashes of a luminance plane; p.pix is
// overwritten.
func dihedralPlane(p plane) Dihedral {
	c, q := analyse(p)
	d := Dihedral{Quality: q}
	for t := range Transform(8) {
		tc := c.transformed(t)
		d.Hashes[t] = tc.bits()
	}
	return d
}

// transformPlane returns the plane turned or mirrored by t (a new plane).
func transformPlane(p plane, t Transform) plane {
	w, h := p.w, p.h
	out := plane{w: w, h: h, pix: make([]float32, len(p.pix))}
	switch t {
	case Rotate90, Rotate270, FlipPlus1, FlipMinus1:
		out.w, out.h = h, w
	}
	for r := range out.h {
		for c := range out.w {
			var sr, sc int // source row and column
			switch t {
			case Original:
				sr, sc = r, c
			case Rotate90:
				sr, sc = c, w-1-r
			case Rotate180:
				sr, sc = h-1-r, w-1-c
			case Rotate270:
				sr, sc = h-1-c, r
			case FlipX:
				sr, sc = h-1-r, c
			case FlipY:
				sr, sc = r, w-1-c
			case FlipPlus1:
				sr, sc = c, r
			case FlipMinus1:
				sr, sc = h-1-c, w-1-r
			}
			out.pix[r*out.w+c] = p.pix[sr*w+sc]
		}
	}
	return out
}
