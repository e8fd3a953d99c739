package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"time"

	"github.com/vigie-platform/vigie/bank"
	"github.com/vigie-platform/vigie/contenthash"
	"github.com/vigie-platform/vigie/pdq"
)

// benchPool is how many distinct photographs the image benchmark sends;
// each request makes its copy unique (bytes after the end of the image),
// so that every attachment is stored and hashed anew.
const benchPool = 50

// benchImageBank draws the photographs and fills a bank with n random
// PDQ hashes and the hash of the first photograph, so that one report in
// benchPool matches.
func benchImageBank(ctx context.Context, db store, n int) ([][]byte, error) {
	rng := rand.New(rand.NewPCG(7, 11))
	pool := make([][]byte, benchPool)
	for i := range pool {
		pool[i] = benchPhoto(rng)
	}
	entries := make([]bank.Entry, 0, n+1)
	now := time.Now()
	res, err := pdq.HashBytes(pool[0], pdq.Options{})
	if err != nil {
		return nil, err
	}
	entries = append(entries, bank.Entry{Hash: contenthash.Hash{Kind: contenthash.PDQ, Value: res.Hash.String()}, Label: "bench", AddedAt: now})
	for range n {
		var h pdq.Hash
		for w := range h {
			h[w] = rng.Uint64()
		}
		entries = append(entries, bank.Entry{Hash: contenthash.Hash{Kind: contenthash.PDQ, Value: h.String()}, AddedAt: now})
	}
	if _, _, err := bank.NewService(db, db, nil).Import(cliCtx(ctx), cliActor(), bank.Import{Name: "bench", Source: "vigie bench", Entries: entries}); err != nil {
		return nil, fmt.Errorf("bench bank: %w", err)
	}
	return pool, nil
}

// benchPhoto draws a 1024x768 colour picture with soft shapes and grain,
// saved as a JPEG of quality 85 (about the size of a phone screenshot).
func benchPhoto(rng *rand.Rand) []byte {
	const w, h = 1024, 768
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	type disc struct{ x, y, r2 int }
	var discs [20]disc
	var colours [20]color.RGBA
	for i := range discs {
		r := 30 + rng.IntN(200)
		discs[i] = disc{rng.IntN(w), rng.IntN(h), r * r}
		colours[i] = color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{uint8(x / 4), uint8(y / 3), 128, 255}
			for i, d := range discs {
				if dx, dy := x-d.x, y-d.y; dx*dx+dy*dy < d.r2 {
					c = colours[i]
				}
			}
			g := uint8(rng.IntN(16))
			c.R, c.G, c.B = c.R^g, c.G^g, c.B^g
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85})
	return buf.Bytes()
}

// benchMultipart is report i with its photograph, as a multipart body.
func benchMultipart(i int, pool [][]byte) (io.Reader, string) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, _ := mw.CreateFormField("report")
	part.Write([]byte(benchBody(i)))
	file, _ := mw.CreateFormFile("attachment", fmt.Sprintf("capture-%d.jpg", i))
	file.Write(pool[i%len(pool)])
	fmt.Fprintf(file, "vigie-bench-%d", i) // after the image's end: a new file, the same picture
	mw.Close()
	return &body, mw.FormDataContentType()
}
