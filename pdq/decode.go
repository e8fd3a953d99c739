package pdq

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"

	"golang.org/x/image/webp"
)

// Defaults of Options: a 12-megapixel phone photo is a quarter of
// DefaultMaxPixels, and attachments are at most 10 MiB.
const (
	DefaultMaxPixels = 50_000_000
	DefaultMaxBytes  = 64 << 20
)

// Options bound what a file may cost to hash. Zero fields take the defaults.
type Options struct {
	// MaxPixels is the largest width×height decoded. A decompression
	// bomb (a small file that decodes to a huge image) is refused from
	// its header, before any pixel is decoded.
	MaxPixels int64
	// MaxBytes is the largest file read.
	MaxBytes int64
	// IgnoreOrientation hashes the pixels as stored, as the reference
	// hasher does, instead of as EXIF says to show them.
	IgnoreOrientation bool
}

func (o Options) maxPixels() int64 {
	if o.MaxPixels > 0 {
		return o.MaxPixels
	}
	return DefaultMaxPixels
}

func (o Options) maxBytes() int64 {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return DefaultMaxBytes
}

// Errors of decoding, to be told apart with errors.Is.
var (
	ErrFormat   = errors.New("pdq: not a JPEG, PNG, GIF or WebP image")
	ErrTooLarge = errors.New("pdq: image too large")
)

// Format is an image file format this package decodes.
type Format string

// The formats decoded.
const (
	JPEG Format = "jpeg"
	PNG  Format = "png"
	GIF  Format = "gif"
	WebP Format = "webp"
)

// sniff names the format from the file's first bytes.
func sniff(b []byte) (Format, error) {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return JPEG, nil
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return PNG, nil
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return GIF, nil
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return WebP, nil
	}
	return "", ErrFormat
}

// Decode decodes an image file: JPEG, PNG, GIF (its first frame) or WebP.
// Its dimensions are checked against opts.MaxPixels before decoding. It
// returns the image as stored and the EXIF orientation (1 to 8; 1 when
// there is none) that says how to show it.
func Decode(b []byte, opts Options) (image.Image, int, error) {
	f, err := sniff(b)
	if err != nil {
		return nil, 0, err
	}
	var decodeConfig func(io.Reader) (image.Config, error)
	var decode func(io.Reader) (image.Image, error)
	switch f {
	case JPEG:
		decodeConfig, decode = jpeg.DecodeConfig, jpeg.Decode
	case PNG:
		decodeConfig, decode = png.DecodeConfig, png.Decode
	case GIF:
		// gif.Decode stops after the first frame; frames cannot be
		// larger than the logical screen the header gives.
		decodeConfig, decode = gif.DecodeConfig, gif.Decode
	case WebP:
		decodeConfig, decode = webp.DecodeConfig, webp.Decode
	}
	cfg, err := decodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, 0, fmt.Errorf("pdq: reading the %s header: %w", f, err)
	}
	if err := checkSize(cfg.Width, cfg.Height, opts.maxPixels()); err != nil {
		return nil, 0, err
	}
	img, err := decode(bytes.NewReader(b))
	if err != nil {
		return nil, 0, fmt.Errorf("pdq: decoding the %s image: %w", f, err)
	}
	// The header was checked, but the decoded size is what is used: a
	// decoder that disagreed with its own header must not get past.
	if err := checkSize(img.Bounds().Dx(), img.Bounds().Dy(), opts.maxPixels()); err != nil {
		return nil, 0, err
	}
	orientation := 1
	if f == JPEG && !opts.IgnoreOrientation {
		orientation = JPEGOrientation(b)
	}
	return img, orientation, nil
}

func checkSize(w, h int, limit int64) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("pdq: image has no pixels (%d×%d)", w, h)
	}
	if int64(w)*int64(h) > limit {
		return fmt.Errorf("%w: %d×%d is %d pixels, over the limit of %d pixels", ErrTooLarge, w, h, int64(w)*int64(h), limit)
	}
	return nil
}

// HashBytes decodes an image file and hashes it as it is shown (its EXIF
// orientation applied).
func HashBytes(b []byte, opts Options) (Result, error) {
	src, err := rowsFromBytes(b, opts)
	if err != nil {
		return Result{}, err
	}
	return hashRows(src), nil
}

// DihedralBytes decodes an image file and gives its eight hashes.
func DihedralBytes(b []byte, opts Options) (Dihedral, error) {
	src, err := rowsFromBytes(b, opts)
	if err != nil {
		return Dihedral{}, err
	}
	return dihedralRows(src), nil
}

// HashReader reads an image file (at most opts.MaxBytes) and hashes it.
func HashReader(r io.Reader, opts Options) (Result, error) {
	b, err := readBounded(r, opts.maxBytes())
	if err != nil {
		return Result{}, err
	}
	return HashBytes(b, opts)
}

// HashFile hashes the image file at path.
func HashFile(path string, opts Options) (Result, error) {
	b, err := readFile(path, opts.maxBytes())
	if err != nil {
		return Result{}, err
	}
	return HashBytes(b, opts)
}

// DihedralFile gives the eight hashes of the image file at path.
func DihedralFile(path string, opts Options) (Dihedral, error) {
	b, err := readFile(path, opts.maxBytes())
	if err != nil {
		return Dihedral{}, err
	}
	return DihedralBytes(b, opts)
}

// HashImage hashes a decoded image as it is.
func HashImage(img image.Image) Result {
	return hashRows(lumaRows(img))
}

// DihedralImage gives the eight hashes of a decoded image.
func DihedralImage(img image.Image) Dihedral {
	return dihedralRows(lumaRows(img))
}

func readFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := readBounded(f, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

func readBounded(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("pdq: reading the image: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: the file is over the limit of %d bytes", ErrTooLarge, limit)
	}
	return b, nil
}

// rowsFromBytes decodes an image file and gives its luminance as shown.
// An image shown as stored (the usual case) is read from the decoded image
// a row at a time; a turned one is converted to a plane and turned.
func rowsFromBytes(b []byte, opts Options) (rows, error) {
	img, orientation, err := Decode(b, opts)
	if err != nil {
		return rows{}, err
	}
	if t := orientationTransform(orientation); t != Original {
		return transformPlane(luma(img), t).rows(), nil
	}
	return lumaRows(img), nil
}

// orientationTransform gives the transform that shows an image stored with
// the EXIF orientation o the right way up.
func orientationTransform(o int) Transform {
	switch o {
	case 2:
		return FlipY
	case 3:
		return Rotate180
	case 4:
		return FlipX
	case 5:
		return FlipPlus1
	case 6:
		return Rotate270 // the stored image is turned a quarter clockwise to be shown
	case 7:
		return FlipMinus1
	case 8:
		return Rotate90
	}
	return Original
}

// Luminance weights of the reference (ITU-R BT.601).
const (
	lumaR = 0.299
	lumaG = 0.587
	lumaB = 0.114
)

// ycc holds, in tables, the standard library's YCbCr to RGB conversion
// (color.YCbCrToRGB: JFIF's formulas in 16.16 fixed point, with its
// rounding, which agrees best with the reference's decoder) and the
// luminance weights, so that the loop over pixels makes no calls. Computed
// once, never written after.
//
// wr, wg and wb fold the clamping to 0–255 into the weight lookup: entry
// i is the weighted value of channel value i-256 clamped, so that a
// channel's 16.16 value v biased by yccBias gives its term at
// uint32(v)>>16&1023 with no branch (v>>16 lies between -228 and 484).
var ycc = func() (t struct {
	r, gb, gr, b [256]int32
	lr, lg, lb   [256]float32
	wr, wg, wb   [1024]float32
}) {
	for i := range 256 {
		c := int32(i) - 128
		t.r[i] = 91881 * c
		t.gb[i] = -22554 * c
		t.gr[i] = -46802 * c
		t.b[i] = 116130 * c
		t.lr[i] = lumaR * float32(i)
		t.lg[i] = lumaG * float32(i)
		t.lb[i] = lumaB * float32(i)
	}
	for i := range 1024 {
		c := min(255, max(0, i-256))
		t.wr[i], t.wg[i], t.wb[i] = t.lr[c], t.lg[c], t.lb[c]
	}
	return t
}()

// yccBias moves the 16.16 channel values to the wr, wg, wb indexes.
const yccBias = 256 << 16

func clampShift(v int32) uint8 {
	if uint32(v)&0xff000000 == 0 {
		return uint8(v >> 16)
	}
	if v < 0 {
		return 0
	}
	return 255
}

// ycbcrRows reads a YCbCr image (what JPEG and lossy WebP decode to) a
// row at a time, converting through RGB as the reference does.
func ycbcrRows(m *image.YCbCr) func(y int, dst []float32) {
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
	return func(y int, row []float32) {
		yrow := m.Y[y*m.YStride:]
		crow := ((y0+y)>>vs - y0>>vs) * m.CStride
		cb, cr := m.Cb[crow:], m.Cr[crow:]
		x := 0
		if hs == 1 && x0%2 == 0 {
			// Two pixels share each chroma sample (4:2:0 and 4:2:2, what
			// cameras and most encoders write): its terms are looked up
			// once for both.
			for ; x+1 < len(row); x += 2 {
				c := x >> 1
				rc := ycc.r[cr[c]] + yccBias
				gc := ycc.gb[cb[c]] + ycc.gr[cr[c]] + yccBias
				bc := ycc.b[cb[c]] + yccBias
				ya := int32(yrow[x]) * 0x10101
				yb := int32(yrow[x+1]) * 0x10101
				row[x] = ycc.wr[uint32(ya+rc)>>16&1023] + ycc.wg[uint32(ya+gc)>>16&1023] + ycc.wb[uint32(ya+bc)>>16&1023]
				row[x+1] = ycc.wr[uint32(yb+rc)>>16&1023] + ycc.wg[uint32(yb+gc)>>16&1023] + ycc.wb[uint32(yb+bc)>>16&1023]
			}
		}
		for ; x < len(row); x++ {
			ci := (x0+x)>>hs - x0>>hs
			yy := int32(yrow[x]) * 0x10101
			r := yy + ycc.r[cr[ci]] + yccBias
			g := yy + ycc.gb[cb[ci]] + ycc.gr[cr[ci]] + yccBias
			b := yy + ycc.b[cb[ci]] + yccBias
			row[x] = ycc.wr[uint32(r)>>16&1023] + ycc.wg[uint32(g)>>16&1023] + ycc.wb[uint32(b)>>16&1023]
		}
	}
}

func lumaOf(r, g, b uint8) float32 {
	return lumaR*float32(r) + lumaG*float32(g) + lumaB*float32(b)
}

// luma converts an image to a luminance plane.
func luma(img image.Image) plane {
	src := lumaRows(img)
	p := plane{w: src.w, h: src.h, pix: make([]float32, src.w*src.h)}
	for y := range p.h {
		src.row(y, p.pix[y*p.w:(y+1)*p.w])
	}
	return p
}

// lumaRows reads an image's luminance a row at a time, through 8-bit RGB,
// as the reference does; alpha is dropped, not blended, as the reference's
// RGB conversion does.
func lumaRows(img image.Image) rows {
	bounds := img.Bounds()
	w, h := bounds.Dx(), bounds.Dy()
	x0, y0 := bounds.Min.X, bounds.Min.Y
	if m, ok := img.(*image.NYCbCrA); ok {
		img = &m.YCbCr
	}
	var read func(y int, row []float32)
	switch m := img.(type) {
	case *image.YCbCr:
		read = ycbcrRows(m)
	case *image.Gray:
		read = func(y int, row []float32) {
			src := m.Pix[m.PixOffset(x0, y0+y):]
			for x := range row {
				v := src[x]
				row[x] = lumaOf(v, v, v)
			}
		}
	case *image.RGBA:
		read = func(y int, row []float32) {
			src := m.Pix[m.PixOffset(x0, y0+y):]
			for x := range row {
				row[x] = lumaOf(src[4*x], src[4*x+1], src[4*x+2])
			}
		}
	case *image.NRGBA:
		read = func(y int, row []float32) {
			src := m.Pix[m.PixOffset(x0, y0+y):]
			for x := range row {
				row[x] = lumaOf(src[4*x], src[4*x+1], src[4*x+2])
			}
		}
	case *image.CMYK:
		read = func(y int, row []float32) {
			src := m.Pix[m.PixOffset(x0, y0+y):]
			for x := range row {
				r, g, b := color.CMYKToRGB(src[4*x], src[4*x+1], src[4*x+2], src[4*x+3])
				row[x] = lumaOf(r, g, b)
			}
		}
	case *image.Paletted:
		var pal [256]float32
		for i, c := range m.Palette {
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			pal[i] = lumaOf(n.R, n.G, n.B)
		}
		read = func(y int, row []float32) {
			src := m.Pix[m.PixOffset(x0, y0+y):]
			for x := range row {
				row[x] = pal[src[x]]
			}
		}
	default:
		read = func(y int, row []float32) {
			for x := range row {
				n := color.NRGBAModel.Convert(img.At(x0+x, y0+y)).(color.NRGBA)
				row[x] = lumaOf(n.R, n.G, n.B)
			}
		}
	}
	return rows{w: w, h: h, row: read}
}
