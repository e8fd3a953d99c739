package pdq

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// photoJPEG makes a w×h JPEG (quality 90) from the reference bridge photo
// when it is there (from a synthetic image otherwise), resampled to the
// size, with a little per-pixel noise so that it costs to decode about what
// a camera photo does.
func photoJPEG(b *testing.B, w, h int) []byte {
	b.Helper()
	var src image.Image = synthetic(800, 600, 3)
	dir := filepath.Join("testdata", "reference")
	if d := os.Getenv("VIGIE_PDQ_REFERENCE"); d != "" {
		dir = d
	}
	if raw, err := os.ReadFile(filepath.Join(dir, "bridge-mods", "aaa-orig.jpg")); err == nil {
		if img, err := jpeg.Decode(bytes.NewReader(raw)); err == nil {
			src = img
		}
	}
	sb := src.Bounds()
	rng := rand.New(rand.NewPCG(1, 1))
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			r, g, bl, _ := src.At(sb.Min.X+x*sb.Dx()/w, sb.Min.Y+y*sb.Dy()/h).RGBA()
			n := rng.IntN(17) - 8
			c := func(v uint32) uint8 { return uint8(max(0, min(255, int(v>>8)+n))) }
			dst.SetRGBA(x, y, color.RGBA{c(r), c(g), c(bl), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func benchmarkHashFile(b *testing.B, w, h int) {
	file := photoJPEG(b, w, h)
	b.SetBytes(int64(len(file)))
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		if _, err := HashBytes(file, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}

// cpuTime is the process's user and system CPU time. The machine the
// figures are taken on is shared, so wall time per operation (ns/op)
// includes waiting for a core; CPU time per operation (cpu-ms/op, the
// garbage collector's included) does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration) {
	if b.N > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N)/1e6, "cpu-ms/op")
	}
}

// BenchmarkHashJPEG1024x768 is one 1024×768 JPEG hashed, decoding included.
// Run it on one core: go test -bench HashJPEG -cpu 1 ./pdq/
func BenchmarkHashJPEG1024x768(b *testing.B) { benchmarkHashFile(b, 1024, 768) }

// BenchmarkHashJPEG12MP is a 12-megapixel (4000×3000) photo.
func BenchmarkHashJPEG12MP(b *testing.B) { benchmarkHashFile(b, 4000, 3000) }

// BenchmarkDecodeJPEG1024x768 is the decoding alone (the standard
// library's), for comparison.
func BenchmarkDecodeJPEG1024x768(b *testing.B) {
	file := photoJPEG(b, 1024, 768)
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		if _, err := jpeg.Decode(bytes.NewReader(file)); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}

// BenchmarkHashDecoded1024x768 is the hashing alone, without decoding.
func BenchmarkHashDecoded1024x768(b *testing.B) {
	img, err := jpeg.Decode(bytes.NewReader(photoJPEG(b, 1024, 768)))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		HashImage(img)
	}
	reportCPU(b, cpu)
}

// BenchmarkHashJPEG1024x768Reference is BenchmarkHashJPEG1024x768 through
// the former, straightforward path (reference_old_test.go), so that both
// are timed in one run on a shared machine: go test -run XXX -bench
// 'HashJPEG1024x768' -cpu 1 ./pdq/
func BenchmarkHashJPEG1024x768Reference(b *testing.B) {
	file := photoJPEG(b, 1024, 768)
	b.SetBytes(int64(len(file)))
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		hashBytesReference(b, file, Options{})
	}
	reportCPU(b, cpu)
}

// BenchmarkHashDecoded1024x768Reference is the hashing alone, through the
// former path.
func BenchmarkHashDecoded1024x768Reference(b *testing.B) {
	img, err := jpeg.Decode(bytes.NewReader(photoJPEG(b, 1024, 768)))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		hashImageReference(img)
	}
	reportCPU(b, cpu)
}

// BenchmarkHashJPEG12MPReference is BenchmarkHashJPEG12MP through the
// former path.
func BenchmarkHashJPEG12MPReference(b *testing.B) {
	file := photoJPEG(b, 4000, 3000)
	b.SetBytes(int64(len(file)))
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		hashBytesReference(b, file, Options{})
	}
	reportCPU(b, cpu)
}
