package main

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vigie-platform/vigie/pdq"
	"github.com/vigie-platform/vigie/sqlite"
	"github.com/vigie-platform/vigie/storetest"
)

// TestBrowserBanks runs e2e/banks.mjs: a supervisor sees the hash lists
// and a report whose image matched a classified entry. The pages are saved
// as PNGs in $VIGIE_SCREENSHOTS (a temporary folder by default).
func TestBrowserBanks(t *testing.T) {
	e2e, chromium := browserPrerequisites(t)
	data := t.TempDir()
	known := storetest.TestImage(t, 31, false)
	res, err := pdq.HashBytes(known, pdq.Options{})
	if err != nil {
		t.Fatal(err)
	}
	list := t.TempDir() + "/liste.csv"
	if err := os.WriteFile(list, []byte("type,value,label,category\npdq,"+res.Hash.String()+",faux avis de colis,scam-screenshot\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	vigie(t, "bank", "import", "--data", data, "--name", "arnaques", "--source", "Hotline <b>X</b>", "--file", list)
	srv := startServer(t, []string{"--data", data})
	var out bytes.Buffer
	if err := run(context.Background(), []string{"user", "add", "--data", data, "--email", "sup@vigie.test", "--role", "supervisor", "--password-stdin"},
		strings.NewReader("correct horse battery staple\n"), &out, &bytes.Buffer{}, noEnv); err != nil {
		t.Fatal(err)
	}
	tok := srv.token("partner")
	submit := func(img []byte) string {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		part, _ := mw.CreateFormField("report")
		part.Write([]byte(`{"category":"fraud.phishing","description":"SMS « colis en attente » avec capture","urls":["https://colis-attente.example/suivi"]}`))
		file, _ := mw.CreateFormFile("attachment", "capture.png")
		file.Write(img)
		mw.Close()
		r := srv.do("POST", "/api/v1/reports", mw.FormDataContentType(), &body, bearer(tok))
		if r.status != 201 {
			t.Fatalf("report: %d %s", r.status, r.body)
		}
		return r.json(t)["id"].(string)
	}
	matched := submit(storetest.TestImage(t, 31, true))
	plain := submit(storetest.TestImage(t, 32, false))
	db, err := sqlite.Open(context.Background(), data, folderKeys(t, data)...)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if ms, err := db.ReportMatches(context.Background(), matched); err == nil && len(ms) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the report was not matched within 15 s")
		}
	}
	shots := os.Getenv("VIGIE_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	node(t, e2e, chromium, "banks.mjs", srv.base, "sup@vigie.test", "correct horse battery staple", strings.TrimSpace(out.String()), matched, plain, shots)
	fmt.Fprintln(os.Stderr, "screenshots in", shots)
}
