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

// rows is a luminance image read a row at a time: row(y, dst) writes the w
// values of row y into dst. The filter reads each row once, in order, so an
// image need not be converted whole into a plane first: at 1024×768 that
// plane and the filter's copy of it were 6 MB written and read back, more
// than the arithmetic cost.
type rows struct {
	w, h int
	row  func(y int, dst []float32)
}

// rows reads the plane (which is not written).
func (p plane) rows() rows {
	return rows{w: p.w, h: p.h, row: func(y int, dst []float32) {
		copy(dst, p.pix[y*p.w:(y+1)*p.w])
	}}
}

// analyse blurs and decimates the image to 64×64, measures its quality and
// takes its DCT.
func analyse(src rows) (coefficients, int) {
	var small [64][64]float64
	if src.w == 64 && src.h == 64 {
		// Already the size PDQ works at (a video frame scaled by the
		// caller, say): the reference takes it as is.
		var line [64]float32
		for i := range 64 {
			src.row(i, line[:])
			for j, v := range line {
				small[i][j] = float64(v)
			}
		}
	} else {
		small = downsample(src)
	}
	return dct(&small), quality(&small)
}

// downsample blurs the image with the reference's tent filter and keeps
// 64×64 samples of it. The filter is two rounds of a box filter along rows
// then along columns, each box 1/128 of the dimension (rounded up), so that
// the two rounds together average over about one sixty-fourth of the image,
// the area one output pixel stands for; the samples are taken at the
// centres of a 64×64 grid.
//
// Only what the samples depend on is computed: the second round at the
// sample places, and the first round only at the columns the second reads
// (about half of them) and, for its pass down the columns, only at the rows
// the second reads (about half). The image is streamed a row at a time
// through a ring of the rows the column window spans, so the working set
// stays in cache. Every sum is taken in the same order, and every mean
// rounded the same way, as over the whole plane (the straightforward
// version is downsampleReference, in a test file): the hashes are
// identical, bit for bit, which TestFastPathIdentical checks.
func downsample(src rows) (out [64][64]float64) {
	w, h := src.w, src.h
	winRow := (w + 127) / 128 // window along a row: a fraction of the width
	winCol := (h + 127) / 128
	rb, ra := boxWindow(winRow)
	cb, ca := boxWindow(winCol)
	var sampleRows, sampleCols [64]int
	for i := range 64 {
		sampleRows[i] = int((float64(i) + 0.5) * float64(h) / 64)
		sampleCols[i] = int((float64(i) + 0.5) * float64(w) / 64)
	}

	// The columns the second round along rows reads, in order; index
	// gives a column's place among them. A sample's window is a run of
	// columns, so it is a run of places too.
	index := make([]int, w)
	for x := range index {
		index[x] = -1
	}
	var xs []int
	for _, c := range sampleCols {
		for x := max(0, c-rb); x <= min(w-1, c+ra); x++ {
			if index[x] < 0 {
				index[x] = len(xs)
				xs = append(xs, x)
			}
		}
	}
	// The rows the second round along columns reads.
	needRow := make([]bool, h)
	for _, r := range sampleRows {
		for y := max(0, r-cb); y <= min(h-1, r+ca); y++ {
			needRow[y] = true
		}
	}

	nx := len(xs)
	line := make([]float32, w)
	depth := winCol + 1 // rows held: the column window and the row leaving it
	ring := make([]float32, depth*nx)
	colSum := make([]float64, nx)
	col := make([]float32, nx)
	lo, hi := 0, -1 // rows lo..hi are summed in colSum
	for o := range h {
		// First round down the columns, as boxColsReference: rows enter
		// the window, then rows leave it.
		for hi < o+ca && hi < h-1 {
			hi++
			src.row(hi, line)
			slot := ring[hi%depth*nx:][:nx]
			boxRowAt(line, slot, winRow, xs)
			for k, v := range slot {
				colSum[k] += float64(v)
			}
		}
		for lo < o-cb {
			slot := ring[lo%depth*nx:][:nx]
			for k, v := range slot {
				colSum[k] -= float64(v)
			}
			lo++
		}
		if !needRow[o] {
			continue
		}
		inv := 1 / float64(hi-lo+1)
		for k, s := range colSum {
			col[k] = float32(s * inv)
		}
		// Second round along this row, at the sample columns.
		var at [64]float64
		for j, c := range sampleCols {
			a, b := max(0, c-rb), min(w-1, c+ra)
			var sum float64
			for _, v := range col[index[a] : index[b]+1] {
				sum += float64(v)
			}
			at[j] = sum / float64(b-a+1)
		}
		// Second round down the columns: the row is added to each
		// sample row whose window holds it; rows come in order, so each
		// sum is taken top to bottom, as over the whole plane.
		for i, r := range sampleRows {
			if o >= r-cb && o <= r+ca {
				for j := range at {
					out[i][j] += at[j]
				}
			}
		}
	}
	for i, r := range sampleRows {
		n := float64(min(h-1, r+ca) - max(0, r-cb) + 1)
		for j := range out[i] {
			out[i][j] /= n
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

// boxRowAt computes the mean of in over a window around each place, the
// window cut short at the ends (and the mean taken over what is left), and
// writes it into out at the places xs (ascending) only.
//
// The sums are exact, so the order they are taken in does not change them
// and the means are those boxRowReference rounds, bit for bit: luminance
// values are 0 or at least 0.114 (the blue weight), and every float32 from
// 2⁻⁴ up to 256 is a whole multiple of 2⁻²⁷; so is any sum of up to 2¹⁸ of
// them, and those are under 2²⁶, which float64 holds exactly (53 bits).
// That lets each run of consecutive places be summed on its own, starting
// afresh (the runs' sums do not wait on each other), and the window slid by
// the difference of the value entering and the value leaving (one add on
// the chain instead of two). A window of more than exactWindow values (a
// row over 33 million pixels wide) is summed in the reference's order
// instead.
func boxRowAt(in, out []float32, win int, xs []int) {
	if win > exactWindow {
		boxRowAtOrdered(in, out, win, xs)
		return
	}
	before, after := boxWindow(win)
	n := len(in)
	// Dividing by a power of two and multiplying by its inverse give the
	// same, and the multiplication is several times quicker.
	inv := 0.0
	if win&(win-1) == 0 {
		inv = 1 / float64(win)
	}
	for k := 0; k < len(xs); {
		// The run of places xs[k], xs[k]+1, … xs[end-1].
		end := k + 1
		for end < len(xs) && xs[end] == xs[end-1]+1 {
			end++
		}
		o := xs[k]
		lo, hi := max(0, o-before), min(n-1, o+after)
		var sum float64
		for _, v := range in[lo : hi+1] {
			sum += float64(v)
		}
		out[k] = float32(sum / float64(hi-lo+1))
		for k++; k < end; k++ {
			o++
			// Where the window is whole on both sides, one value leaves
			// it as one enters.
			if o-before-1 >= 0 && o+after < n {
				sum += float64(in[o+after]) - float64(in[o-before-1])
				if inv != 0 {
					out[k] = float32(sum * inv)
				} else {
					out[k] = float32(sum / float64(win))
				}
				continue
			}
			if o+after < n {
				sum += float64(in[o+after])
				hi++
			}
			if o-before-1 >= 0 {
				sum -= float64(in[o-before-1])
				lo++
			}
			out[k] = float32(sum / float64(hi-lo+1))
		}
	}
}

// exactWindow is the largest window whose sums boxRowAt knows to be exact
// (see there): 2¹⁸ values, less one for the value entering before the one
// leaving is taken off.
const exactWindow = 1<<18 - 1

// boxRowAtOrdered is boxRowAt with the sums taken in boxRowReference's
// order, for windows too wide to be sure they are exact.
func boxRowAtOrdered(in, out []float32, win int, xs []int) {
	before, after := boxWindow(win)
	n := len(in)
	var sum float64
	lo, hi := 0, -1 // the window summed is in[lo..hi]
	k := 0
	for o := 0; k < len(xs); o++ {
		for hi < o+after && hi < n-1 {
			hi++
			sum += float64(in[hi])
		}
		for lo < o-before {
			sum -= float64(in[lo])
			lo++
		}
		if o == xs[k] {
			out[k] = float32(sum / float64(hi-lo+1))
			k++
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

// hashPlane hashes a luminance plane.
func hashPlane(p plane) Result { return hashRows(p.rows()) }

// hashRows hashes a luminance image.
func hashRows(src rows) Result {
	c, q := analyse(src)
	return Result{Hash: c.bits(), Quality: q}
}

// dihedralRows gives the eight hashes of a luminance image.
func dihedralRows(src rows) Dihedral {
	c, q := analyse(src)
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
