package main

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"
)

// Abuse of the API gets a clear refusal, or is stored as inert data, and
// the server stays healthy.
func TestAbuseIsRefusedOrInert(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, []string{"--data", dir})
	tok := srv.token("acme")

	t.Run("100,000 fields", func(t *testing.T) {
		var b strings.Builder
		b.WriteString(`{"category":"other","description":"x"`)
		for i := range 100_000 {
			b.WriteString(`,"f`)
			b.WriteString(itoa(i))
			b.WriteString(`":1`)
		}
		b.WriteString(`}`)
		res := srv.do("POST", "/api/v1/reports", "application/json", strings.NewReader(b.String()), bearer(tok))
		if res.status != 413 && res.status != 400 {
			t.Fatalf("status %d", res.status)
		}
	})

	t.Run("zip bomb is stored, never expanded", func(t *testing.T) {
		var zipped bytes.Buffer
		zw := zip.NewWriter(&zipped)
		w, _ := zw.Create("bomb.txt")
		chunk := make([]byte, 1<<20)
		for range 200 { // 200 MiB of zeros in a few hundred KiB
			w.Write(chunk)
		}
		zw.Close()
		if zipped.Len() > 1<<20 {
			t.Fatalf("test zip too big: %d", zipped.Len())
		}
		ct, body := multipartReport(t, validReport, map[string][]byte{"../../facture.zip": zipped.Bytes()})
		res := srv.do("POST", "/api/v1/reports", ct, body, bearer(tok))
		if res.status != 201 {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		id := res.json(t)["id"].(string)
		if r := srv.do("GET", "/healthz", "", nil, nil); r.status != 200 {
			t.Fatal("server unhealthy after the upload")
		}
		srv.stop()
		_, r := storedReport(t, dir, id)
		if len(r.Attachments) != 1 {
			t.Fatalf("%+v", r)
		}
		a := r.Attachments[0]
		if a.Size != int64(zipped.Len()) || a.ContentType != "application/zip" || a.Filename != "facture.zip" {
			t.Errorf("attachment = %+v (uploaded %d bytes)", a, zipped.Len())
		}
	})
}
