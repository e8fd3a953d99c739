package pdq

// The straightforward hashing path, as it was before the streaming one in
// pdq.go replaced it: the whole image converted to a luminance plane, the
// first round of the box filter run over all of it. Kept here, unexported
// and in a test file, so that the tests can check the fast path gives the
// same hashes and the benchmarks can time both in one run.

import (
	"image"
)

// hashImageReference hashes img the straightforward way.
func hashImageReference(img image.Image) Result {
	p := lumaReference(img)
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

// lumaReference is luma with the former per-pixel YCbCr conversion.
func lumaReference(img image.Image) plane {
	if m, ok := img.(*image.NYCbCrA); ok {
		img = &m.YCbCr
	}
	m, ok := img.(*image.YCbCr)
	if !ok {
		return luma(img)
	}
	b := m.Bounds()
	p := plane{w: b.Dx(), h: b.Dy(), pix: make([]float32, b.Dx()*b.Dy())}
	lumaYCbCrReference(m, p)
	return p
}

// downsampleReference blurs the plane with the reference's tent filter and keeps
// 64×64 samples of it. The filter is two rounds of a box filter along rows
// then along columns, each box 1/128 of the dimension (rounded up), so that
// the two rounds together average over about one sixty-fourth of the image,
// the area one output pixel stands for; the samples are taken at the
// centres of a 64×64 grid. The first round is run over the whole plane;
// the second is computed only where the samples need it, which gives the
// same values for a fraction of the work. It overwrites p.pix.
func downsampleReference(p plane) (out [64][64]float64) {
	winRows := (p.w + 127) / 128 // window along a row: a fraction of the width
	winCols := (p.h + 127) / 128
	tmp := make([]float32, len(p.pix))
	for y := range p.h {
		boxRowReference(p.pix[y*p.w:(y+1)*p.w], tmp[y*p.w:(y+1)*p.w], winRows)
	}
	boxColsReference(tmp, p.pix, p.w, p.h, winCols, make([]float64, p.w))

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

// lumaYCbCrReference fills p from a YCbCr image (what JPEG and lossy WebP decode
// to), through RGB as the reference does, a row at a time.
func lumaYCbCrReference(m *image.YCbCr, p plane) {
	var hs, vs int // chroma subsampling shifts
	switch m.SubsampleRatio {
	case image.YCbCrSubsampleRatio422:
		hs = 1
	case image.YCbCrSubsampleRatio420:
		hs, vs = 1, 1
	case image.YCbCrSubsampleRatio440:
		vs = 1
	case image.YCbCrSubsampleRatio411:
		hs = 2
	case image.YCbCrSubsampleRatio410:
		hs, vs = 2, 1
	}
	x0, y0 := m.Rect.Min.X, m.Rect.Min.Y
	for y := range p.h {
		yrow := m.Y[(y0+y-m.Rect.Min.Y)*m.YStride:]
		crow := ((y0+y)>>vs - m.Rect.Min.Y>>vs) * m.CStride
		cb, cr := m.Cb[crow:], m.Cr[crow:]
		row := p.pix[y*p.w : (y+1)*p.w]
		for x := range row {
			ci := (x0+x)>>hs - x0>>hs
			yy := int32(yrow[x]) * 0x10101
			r := clampShift(yy + ycc.r[cr[ci]])
			g := clampShift(yy + ycc.gb[cb[ci]] + ycc.gr[cr[ci]])
			b := clampShift(yy + ycc.b[cb[ci]])
			row[x] = ycc.lr[r] + ycc.lg[g] + ycc.lb[b]
		}
	}
}

// boxRowReference writes into out the mean of in over a window around each place,
// the window cut short at the ends (and the mean taken over what is left).
func boxRowReference(in, out []float32, win int) {
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

// boxColsReference is boxRowReference down the columns, done a row at a time so that memory
// is read in order.
func boxColsReference(in, out []float32, w, h, win int, colSum []float64) {
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
