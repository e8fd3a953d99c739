package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

const validReport = `{"category":"fraud.scam","description":"Faux site de vente","urls":["https://boutique.example.fr/p"]}`

func TestAPIReportLifecycle(t *testing.T) {
	forEachStore(t, func(t *testing.T, storeArgs []string) {
		srv := startServer(t, storeArgs)
		tok := srv.token("acme")

		payload := `{"category":"fraud.scam","description":"<script>alert(1)</script> faux site","urls":["hxxps://arnaque[.]example.fr/x"],
			"seen_on":"Facebook","occurred_at":"2026-11-01","urgent":true,
			"reporter":{"name":"Camille","email":"camille@example.fr","is_victim":true},
			"loss":{"amount":"1250,50","currency":"EUR","payment_means":"transfer"},"lang":"en"}`
		res := srv.do("POST", "/api/v1/reports", "application/json", strings.NewReader(payload), bearer(tok))
		if res.status != http.StatusCreated {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		ack := res.json(t)
		for _, k := range []string{"id", "receipt", "follow_up_secret", "status"} {
			if s, _ := ack[k].(string); s == "" {
				t.Errorf("answer lacks %s: %s", k, res.body)
			}
		}
		if !strings.HasPrefix(ack["receipt"].(string), "VG-") || ack["status"] != "received" {
			t.Errorf("ack = %s", res.body)
		}

		follow := func(receipt, secret string) response {
			b, _ := json.Marshal(map[string]string{"receipt": receipt, "secret": secret})
			return srv.do("POST", "/api/v1/follow-up", "application/json", bytes.NewReader(b), nil)
		}
		res = follow(ack["receipt"].(string), ack["follow_up_secret"].(string))
		if res.status != 200 || res.json(t)["status"] != "received" {
			t.Errorf("follow-up: %d %s", res.status, res.body)
		}
		// Receipts typed by hand: lower case, no dashes.
		res = follow(strings.ToLower(strings.ReplaceAll(ack["receipt"].(string), "-", "")), ack["follow_up_secret"].(string))
		if res.status != 200 {
			t.Errorf("follow-up with a hand-typed receipt: %d %s", res.status, res.body)
		}
		if res := follow(ack["receipt"].(string), "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF"); res.status != 404 {
			t.Errorf("wrong secret: %d %s", res.status, res.body)
		}
		if res := follow("VG-0000-0000", ack["follow_up_secret"].(string)); res.status != 404 {
			t.Errorf("wrong receipt: %d %s", res.status, res.body)
		}
		if strings.Contains(string(follow(ack["receipt"].(string), ack["follow_up_secret"].(string)).body), "Camille") {
			t.Error("follow-up leaks report content")
		}
	})
}

func TestAPIIdempotency(t *testing.T) {
	forEachStore(t, func(t *testing.T, storeArgs []string) {
		srv := startServer(t, storeArgs)
		tok := srv.token("acme")
		h := bearer(tok)
		h["Idempotency-Key"] = "ticket-123"
		first := srv.do("POST", "/api/v1/reports", "application/json", strings.NewReader(validReport), h)
		again := srv.do("POST", "/api/v1/reports", "application/json", strings.NewReader(validReport), h)
		if first.status != 201 || again.status != 201 {
			t.Fatalf("statuses %d %d: %s %s", first.status, again.status, first.body, again.body)
		}
		if string(first.body) != string(again.body) {
			t.Errorf("retry answered differently:\n%s\n%s", first.body, again.body)
		}
		if again.header.Get("Idempotent-Replayed") != "true" {
			t.Error("replay not flagged")
		}
		other := srv.do("POST", "/api/v1/reports", "application/json", strings.NewReader(strings.Replace(validReport, "Faux", "Vrai", 1)), h)
		if other.status != http.StatusUnprocessableEntity || other.json(t)["error"].(map[string]any)["code"] != "idempotency_key_reused" {
			t.Errorf("same key, other body: %d %s", other.status, other.body)
		}
	})
}

func TestAPIBatch(t *testing.T) {
	forEachStore(t, func(t *testing.T, storeArgs []string) {
		srv := startServer(t, storeArgs)
		tok := srv.token("hotline")
		body := `{"reports":[` + validReport + `,{"category":"nope","description":"x"},{"category":"other","description":"y","colour":"red"},` + validReport + `]}`
		h := bearer(tok)
		h["Idempotency-Key"] = "batch-1"
		res := srv.do("POST", "/api/v1/reports/batch", "application/json", strings.NewReader(body), h)
		if res.status != 200 {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		var out struct {
			Results []struct {
				Index   int
				Status  int
				ID      string
				Receipt string
				Error   *struct {
					Code   string
					Fields map[string]string
				}
			}
		}
		json.Unmarshal(res.body, &out)
		if len(out.Results) != 4 {
			t.Fatalf("results: %s", res.body)
		}
		want := []int{201, 400, 400, 201}
		for i, r := range out.Results {
			if r.Index != i || r.Status != want[i] {
				t.Errorf("result %d = %+v, want status %d", i, r, want[i])
			}
		}
		if out.Results[1].Error == nil || out.Results[1].Error.Fields["category"] == "" {
			t.Errorf("bad category not named: %s", res.body)
		}
		if out.Results[2].Error == nil || out.Results[2].Error.Fields["colour"] == "" {
			t.Errorf("unknown field not named: %s", res.body)
		}
		if out.Results[0].ID == out.Results[3].ID || out.Results[0].ID == "" {
			t.Errorf("two reports, one id: %s", res.body)
		}
		again := srv.do("POST", "/api/v1/reports/batch", "application/json", strings.NewReader(body), h)
		if !strings.Contains(string(again.body), out.Results[3].Receipt) {
			t.Errorf("batch retry did not return the same reports: %s", again.body)
		}
	})
}

func multipartReport(t *testing.T, doc string, files map[string][]byte) (string, *bytes.Buffer) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="report"`)
	h.Set("Content-Type", "application/json")
	p, _ := mw.CreatePart(h)
	p.Write([]byte(doc))
	for name, content := range files {
		fw, err := mw.CreateFormFile("attachment", name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(content)
	}
	mw.Close()
	return mw.FormDataContentType(), &buf
}

func TestAPIAttachments(t *testing.T) {
	forEachStore(t, func(t *testing.T, storeArgs []string) {
		srv := startServer(t, storeArgs)
		tok := srv.token("acme")
		png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 100)...)
		ct, body := multipartReport(t, validReport, map[string][]byte{"../../etc/capture.png": png})
		res := srv.do("POST", "/api/v1/reports", ct, body, bearer(tok))
		if res.status != 201 {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		// Attachments are never served back to the public: no route knows them.
		for _, path := range []string{"/blobs/", "/attachments/", "/static/../blobs", "/api/v1/attachments"} {
			if r := srv.do("GET", path, "", nil, nil); r.status != 404 {
				t.Errorf("GET %s = %d", path, r.status)
			}
		}
	})
}

func TestAPIStoresAttachmentBySniffedType(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, []string{"--data", dir})
	tok := srv.token("acme")
	ct, body := multipartReport(t, validReport, map[string][]byte{"facture.pdf.exe": []byte("<html><script>x</script></html>")})
	res := srv.do("POST", "/api/v1/reports", ct, body, bearer(tok))
	if res.status != 201 {
		t.Fatalf("status %d: %s", res.status, res.body)
	}
	id := res.json(t)["id"].(string)
	srv.stop()
	db, r := storedReport(t, dir, id)
	if len(r.Attachments) != 1 {
		t.Fatalf("%+v", r)
	}
	a := r.Attachments[0]
	if a.ContentType != "text/html; charset=utf-8" || a.Filename != "facture.pdf.exe" || len(a.SHA256) != 64 {
		t.Errorf("attachment = %+v", a)
	}
	if content, err := db.GetBlob(context.Background(), a.SHA256); err != nil || !strings.Contains(string(content), "<script>") {
		t.Errorf("content kept as sent: %q %v", content, err)
	}
}

// Every bad input gets a clear refusal naming what is wrong, and stores nothing.
func TestAPIBadInput(t *testing.T) {
	srv := startServer(t, []string{"--data", t.TempDir()})
	tok := srv.token("acme")
	limited := srv.token("slow", "--rate", "1")
	noScope := srv.token("readonly", "--scopes", "")
	revoked := srv.token("gone")
	vigie(t, append([]string{"token", "revoke", "--name", "gone"}, srv.storeArgs...)...)

	longDesc := strings.Repeat("a", 20001)
	manyURLs, _ := json.Marshal(make([]string, 21))
	for i := range 21 {
		manyURLs = bytes.Replace(manyURLs, []byte(`""`), []byte(fmt.Sprintf(`"https://e%d.example.fr"`, i)), 1)
	}
	bigAttachment := bytes.Repeat([]byte("A"), 10<<20+1)
	attCT, attBody := multipartReport(t, validReport, map[string][]byte{"big.bin": bigAttachment})
	minorsCT, minorsBody := multipartReport(t, `{"category":"minors.abuse-material","description":"lien","urls":["https://x.example"]}`, map[string][]byte{"a.jpg": []byte("\xff\xd8\xff")})
	batchTooMany := `{"reports":[` + strings.TrimSuffix(strings.Repeat(validReport+",", 1001), ",") + `]}`

	cases := []struct {
		name        string
		path        string
		contentType string
		body        string
		rawBody     *bytes.Buffer
		token       string
		headers     map[string]string
		status      int
		code        string
		fields      []string // fields the error must name
	}{
		{name: "missing category and description", body: `{}`, status: 400, code: "invalid", fields: []string{"category", "description"}},
		{name: "unknown category", body: `{"category":"fraud.nope","description":"x"}`, status: 400, code: "invalid", fields: []string{"category"}},
		{name: "javascript URL", body: `{"category":"other","description":"x","urls":["https://ok.example.fr","javascript:alert(1)"]}`, status: 400, code: "invalid", fields: []string{"urls[1]"}},
		{name: "plain word as URL", body: `{"category":"other","description":"x","urls":["bonjour"]}`, status: 400, code: "invalid", fields: []string{"urls[0]"}},
		{name: "too many URLs", body: `{"category":"other","description":"x","urls":` + string(manyURLs) + `}`, status: 400, code: "invalid", fields: []string{"urls"}},
		{name: "description too long", body: `{"category":"other","description":"` + longDesc + `"}`, status: 400, code: "invalid", fields: []string{"description"}},
		{name: "control characters", body: `{"category":"other","description":"x","seen_on":"a\u0007b"}`, status: 400, code: "invalid", fields: []string{"seen_on"}},
		{name: "bad email and no name", body: `{"category":"other","description":"x","reporter":{"email":"not-an-email"}}`, status: 400, code: "invalid", fields: []string{"reporter.name", "reporter.email"}},
		{name: "no contact", body: `{"category":"other","description":"x","reporter":{"name":"A"}}`, status: 400, code: "invalid", fields: []string{"reporter.email"}},
		{name: "bad phone", body: `{"category":"other","description":"x","reporter":{"name":"A","phone":"12"}}`, status: 400, code: "invalid", fields: []string{"reporter.phone"}},
		{name: "future date", body: `{"category":"other","description":"x","occurred_at":"2999-01-01"}`, status: 400, code: "invalid", fields: []string{"occurred_at"}},
		{name: "bad date", body: `{"category":"other","description":"x","occurred_at":"hier"}`, status: 400, code: "invalid", fields: []string{"occurred_at"}},
		{name: "bad amount", body: `{"category":"fraud.scam","description":"x","loss":{"amount":"-5","payment_means":"gold"}}`, status: 400, code: "invalid", fields: []string{"loss.amount", "loss.payment_means"}},
		{name: "bad currency", body: `{"category":"fraud.scam","description":"x","loss":{"amount":5,"currency":"euros"}}`, status: 400, code: "invalid", fields: []string{"loss.currency"}},
		{name: "unknown field", body: `{"category":"other","description":"x","colour":"red"}`, status: 400, code: "invalid", fields: []string{"colour"}},
		{name: "wrong type", body: `{"category":"other","description":"x","urgent":"yes"}`, status: 400, code: "invalid", fields: []string{"urgent"}},
		{name: "malformed JSON", body: `{"category":`, status: 400, code: "invalid", fields: []string{"body"}},
		{name: "trailing data", body: `{"category":"other","description":"x"} {}`, status: 400, code: "invalid", fields: []string{"body"}},
		{name: "invalid UTF-8", body: "{\"category\":\"other\",\"description\":\"\xff\xfe\"}", status: 400, code: "invalid", fields: []string{"body"}},
		{name: "deep nesting", body: strings.Repeat("[", 10000) + strings.Repeat("]", 10000), status: 400, code: "invalid", fields: []string{"body"}},
		{name: "body over 1 MiB", body: `{"category":"other","description":"` + strings.Repeat("a", 1<<20) + `"}`, status: 413, code: "too_large"},
		{name: "attachment over 10 MB", contentType: attCT, rawBody: attBody, status: 413, code: "too_large", fields: []string{"attachments[0]"}},
		{name: "attachment for minors", contentType: minorsCT, rawBody: minorsBody, status: 400, code: "invalid", fields: []string{"attachments"}},
		{name: "batch over 1000", path: "/api/v1/reports/batch", body: batchTooMany, status: 413, code: "too_large", fields: []string{"reports"}},
		{name: "empty batch", path: "/api/v1/reports/batch", body: `{"reports":[]}`, status: 400, code: "invalid", fields: []string{"reports"}},
		{name: "wrong content type", contentType: "text/plain", body: validReport, status: 415, code: "unsupported_media_type"},
		{name: "no content type", contentType: "-", body: validReport, status: 415, code: "unsupported_media_type"},
		{name: "no token", token: "-", body: validReport, status: 401, code: "unauthorized"},
		{name: "garbage token", token: "hello", body: validReport, status: 401, code: "unauthorized"},
		{name: "unknown token", token: "vgt_" + strings.Repeat("a", 52), body: validReport, status: 401, code: "unauthorized"},
		{name: "revoked token", token: revoked, body: validReport, status: 401, code: "unauthorized"},
		{name: "token without scope", token: noScope, body: validReport, status: 403, code: "forbidden"},
		{name: "idempotency key too long", headers: map[string]string{"Idempotency-Key": strings.Repeat("k", 201)}, body: validReport, status: 400, code: "invalid", fields: []string{"Idempotency-Key"}},
		{name: "follow-up missing fields", path: "/api/v1/follow-up", token: "-", body: `{}`, status: 400, code: "invalid", fields: []string{"receipt", "secret"}},
		{name: "follow-up wrong type", path: "/api/v1/follow-up", token: "-", contentType: "text/plain", body: `{}`, status: 415, code: "unsupported_media_type"},
		{name: "unknown API route", path: "/api/v1/nothing", body: `{}`, status: 404, code: "not_found"},
	}
	before := countReports(t, srv)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path
			if path == "" {
				path = "/api/v1/reports"
			}
			ct := tc.contentType
			switch ct {
			case "":
				ct = "application/json"
			case "-":
				ct = ""
			}
			h := map[string]string{}
			switch tc.token {
			case "":
				h = bearer(tok)
			case "-":
			default:
				h = bearer(tc.token)
			}
			for k, v := range tc.headers {
				h[k] = v
			}
			var body = tc.rawBody
			if body == nil {
				body = bytes.NewBufferString(tc.body)
			}
			res := srv.do("POST", path, ct, body, h)
			if res.status != tc.status {
				t.Fatalf("status %d, want %d: %.300s", res.status, tc.status, res.body)
			}
			var e struct {
				Error struct {
					Code    string
					Message string
					Fields  map[string]string
				}
			}
			if err := json.Unmarshal(res.body, &e); err != nil {
				t.Fatalf("error body is not JSON: %.300s", res.body)
			}
			if e.Error.Code != tc.code || e.Error.Message == "" {
				t.Errorf("error = %+v, want code %s", e.Error, tc.code)
			}
			for _, f := range tc.fields {
				if e.Error.Fields[f] == "" {
					t.Errorf("error does not name field %s: %s", f, res.body)
				}
			}
			if tc.status == 401 && res.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
	if after := countReports(t, srv); after != before {
		t.Errorf("bad input stored %d reports", after-before)
	}

	t.Run("rate limit per token", func(t *testing.T) {
		var last response
		for range 5 {
			last = srv.do("POST", "/api/v1/reports", "application/json", strings.NewReader(validReport), bearer(limited))
			if last.status == http.StatusTooManyRequests {
				break
			}
		}
		if last.status != http.StatusTooManyRequests || last.header.Get("Retry-After") == "" {
			t.Fatalf("no 429 with Retry-After: %d %v", last.status, last.header)
		}
		if ok := srv.do("POST", "/api/v1/reports", "application/json", strings.NewReader(validReport), bearer(tok)); ok.status != 201 {
			t.Errorf("another token was limited too: %d", ok.status)
		}
	})
}

// countReports reads the count through the metrics of reports created, which
// never counts refusals.
func countReports(t *testing.T, srv *instance) int {
	res := srv.do("GET", "/metrics", "", nil, bearer(testMetricsToken))
	n := 0
	for _, line := range strings.Split(string(res.body), "\n") {
		if strings.HasPrefix(line, "vigie_reports_created_total{") {
			var v int
			fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v)
			n += v
		}
	}
	return n
}

func TestOperations(t *testing.T) {
	srv := startServer(t, []string{"--data", t.TempDir()})
	if r := srv.do("GET", "/healthz", "", nil, nil); r.status != 200 {
		t.Errorf("healthz %d", r.status)
	}
	if r := srv.do("GET", "/readyz", "", nil, nil); r.status != 200 {
		t.Errorf("readyz %d", r.status)
	}
	// /metrics shows the workspace's live activity: only to its token.
	if r := srv.do("GET", "/metrics", "", nil, nil); r.status != http.StatusUnauthorized || strings.Contains(string(r.body), "vigie_http_requests_total") {
		t.Errorf("metrics without the token: %d", r.status)
	}
	if r := srv.do("GET", "/metrics", "", nil, bearer("not-the-token")); r.status != http.StatusUnauthorized {
		t.Errorf("metrics with another token: %d", r.status)
	}
	m := srv.do("GET", "/metrics", "", nil, bearer(testMetricsToken))
	for _, want := range []string{"vigie_http_requests_total", "process_resident_memory_bytes", "go_goroutines"} {
		if !strings.Contains(string(m.body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	ch := srv.do("GET", "/api/v1/altcha/challenge", "", nil, nil)
	if c := ch.json(t); ch.status != 200 || c["algorithm"] != "SHA-256" || c["signature"] == "" || !strings.Contains(c["salt"].(string), "expires=") {
		t.Errorf("challenge: %d %s", ch.status, ch.body)
	}
	spec := srv.do("GET", "/api/openapi.json", "", nil, nil)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(spec.body, &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi: %v %s", err, spec.body[:100])
	}
	for _, route := range []string{"post /api/v1/reports", "post /api/v1/reports/batch", "post /api/v1/follow-up", "get /api/v1/altcha/challenge", "get /api/openapi.json",
		"get /api/v1/indicators/{type}", "get /api/v1/indicators/{type}/{value}", "get /api/v1/reports/{id}/related"} {
		method, path, _ := strings.Cut(route, " ")
		if _, ok := doc.Paths[path][method]; !ok {
			t.Errorf("OpenAPI document lacks %s", route)
		}
	}
	// Logs are JSON, one object a line.
	srv.stop()
	for line := range strings.SplitSeq(strings.TrimSpace(srv.logs.String()), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("log line is not JSON: %s", line)
		}
	}
}

func TestReadyzFailsWhenDatabaseGone(t *testing.T) {
	srv := startServer(t, pgStoreArgs(t, pgURLOrSkip(t)))
	if r := srv.do("GET", "/readyz", "", nil, nil); r.status != 200 {
		t.Fatalf("readyz %d", r.status)
	}
	dropDatabase(t, srv.storeArgs[1])
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if r := srv.do("GET", "/readyz", "", nil, nil); r.status == 503 {
			res := srv.do("POST", "/api/v1/follow-up", "application/json", strings.NewReader(`{"receipt":"VG-0000-0000","secret":"x"}`), nil)
			if res.status != 503 || res.header.Get("Retry-After") == "" {
				t.Errorf("store gone: follow-up answered %d %s", res.status, res.body)
			}
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("readyz stayed 200 with the database gone")
}
