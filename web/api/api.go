package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vigie-platform/vigie/apitoken"
	"github.com/vigie-platform/vigie/export"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/web"
)

// apiError is the one shape of every API error body; Status is the HTTP
// status it goes with (a batch item carries it beside the error).
type apiError struct {
	Status  int               `json:"-"`
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

func writeAPIError(w http.ResponseWriter, status int, code, message string, fields map[string]string) {
	writeJSON(w, status, map[string]apiError{"error": {Code: code, Message: message, Fields: fields}})
}

func fieldsOf(inv *report.InvalidError) map[string]string {
	out := make(map[string]string, len(inv.Fields))
	for k, p := range inv.Fields {
		out[k] = p.Message("en")
	}
	return out
}

// submitError maps an intake error to the API's error, once: the answer
// to a single report and each failed item of a batch.
func (s *server) submitError(err error) apiError {
	var inv *report.InvalidError
	switch {
	case errors.As(err, &inv):
		status := http.StatusBadRequest
		if inv.TooLarge() {
			status = http.StatusRequestEntityTooLarge
		}
		return apiError{Status: status, Code: "invalid", Message: "The report has invalid fields; nothing was stored.", Fields: fieldsOf(inv)}
	case errors.Is(err, report.ErrIdempotencyMismatch):
		return apiError{Status: http.StatusUnprocessableEntity, Code: "idempotency_key_reused",
			Message: "This Idempotency-Key was already used with a different request."}
	default:
		s.Logger.Error("store report", "err", err)
		return apiError{Status: http.StatusServiceUnavailable, Code: "unavailable",
			Message: "The report could not be stored right now and nothing was recorded; retry with the same Idempotency-Key."}
	}
}

// writeSubmitError answers a request whose intake failed.
func (s *server) writeSubmitError(w http.ResponseWriter, err error) {
	e := s.submitError(err)
	if e.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	writeAPIError(w, e.Status, e.Code, e.Message, e.Fields)
}

// apiReport is the JSON shape of a report on the API.
type apiReport struct {
	Category    string   `json:"category"`
	Description string   `json:"description"`
	URLs        []string `json:"urls"`
	SeenOn      string   `json:"seen_on"`
	OccurredAt  string   `json:"occurred_at"`
	Urgent      bool     `json:"urgent"`
	Reporter    *struct {
		Anonymous bool   `json:"anonymous"`
		Name      string `json:"name"`
		Email     string `json:"email"`
		Phone     string `json:"phone"`
		IsVictim  bool   `json:"is_victim"`
	} `json:"reporter"`
	Loss *struct {
		Amount       json.RawMessage `json:"amount"`
		Currency     string          `json:"currency"`
		PaymentMeans string          `json:"payment_means"`
	} `json:"loss"`
	Lang string `json:"lang"`
	// Hashes are media hashes sent instead of the files (a platform
	// reporting child-abuse content sends PDQ, MD5 or SHA-256 values and
	// the URL, never the file): matched against the banks of known content.
	Hashes []struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"hashes"`
}

func (a apiReport) submission(tok apitoken.Token, key string) report.Submission {
	sub := report.Submission{
		Category: a.Category, Description: a.Description, URLs: a.URLs, SeenOn: a.SeenOn,
		OccurredAt: a.OccurredAt, Urgent: a.Urgent, Lang: a.Lang,
		Channel: report.ChannelAPI, TokenName: tok.Name, IdempotencyKey: key,
		Anonymous: true, // no reporter object: the sending organisation reports on its own behalf
	}
	if a.Reporter != nil {
		sub.Anonymous = a.Reporter.Anonymous
		sub.Name, sub.Email, sub.Phone = a.Reporter.Name, a.Reporter.Email, a.Reporter.Phone
		sub.IsVictim = a.Reporter.IsVictim
	}
	for _, h := range a.Hashes {
		sub.Hashes = append(sub.Hashes, report.HashInput{Kind: h.Type, Value: h.Value})
	}
	if a.Loss != nil {
		sub.Currency, sub.PaymentMeans = a.Loss.Currency, a.Loss.PaymentMeans
		raw := bytes.TrimSpace(a.Loss.Amount)
		var str string
		if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &str) == nil {
			sub.AmountLost = str
		} else if string(raw) != "null" {
			sub.AmountLost = string(raw)
		}
	}
	return sub
}

// decodeStrict decodes one JSON value, refusing invalid UTF-8 (which
// encoding/json would otherwise silently replace), unknown fields and
// trailing data, and names the culprit field.
func decodeStrict(body []byte, v any) (map[string]string, error) {
	if !utf8.Valid(body) {
		return map[string]string{"body": "The request body is not valid UTF-8."}, errors.New("invalid utf-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data after the JSON value")
	}
	if err == nil {
		return nil, nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return map[string]string{field: "Wrong type of value: expected " + typeErr.Type.String() + "."}, err
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return map[string]string{name: "Unknown field."}, err
	case errors.As(err, &syntaxErr):
		return map[string]string{"body": fmt.Sprintf("Malformed JSON at byte %d: %v", syntaxErr.Offset, syntaxErr)}, err
	default:
		return map[string]string{"body": "Malformed JSON: " + err.Error()}, err
	}
}

// readBody reads at most limit bytes; past that it answers 413 itself.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeAPIError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("The request body exceeds %d bytes.", limit), nil)
		return nil, false
	}
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, "bad_request", "The request body could not be read.", nil)
		return nil, false
	}
	return body, true
}

func unsupportedMedia(w http.ResponseWriter, want string) {
	writeAPIError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "Send Content-Type: "+want+".", nil)
}

// idempotencyKey reads what every report-writing route takes besides its
// token: a usable Idempotency-Key header, if one is sent.
func idempotencyKey(w http.ResponseWriter, r *http.Request) (string, bool) {
	key := r.Header.Get("Idempotency-Key")
	if len(key) > report.MaxIdempotencyKey || !utf8.ValidString(key) {
		writeAPIError(w, http.StatusBadRequest, "invalid", "The Idempotency-Key header is too long or not UTF-8.",
			map[string]string{"Idempotency-Key": fmt.Sprintf("At most %d characters.", report.MaxIdempotencyKey)})
		return "", false
	}
	return key, true
}

// handleAPICreateReport takes one report, as JSON or as multipart with
// attachments.
func (s *server) handleAPICreateReport(w http.ResponseWriter, r *http.Request, tok apitoken.Token) {
	key, ok := idempotencyKey(w, r)
	if !ok {
		return
	}
	var sub report.Submission
	switch web.MediaType(r) {
	case "application/json":
		body, ok := readBody(w, r, MaxJSONBody)
		if !ok {
			return
		}
		var in apiReport
		if fields, err := decodeStrict(body, &in); err != nil {
			writeAPIError(w, http.StatusBadRequest, "invalid", "The request body is not a valid report document.", fields)
			return
		}
		sub = in.submission(tok, key)
	case "multipart/form-data":
		var ok bool
		if sub, ok = s.readMultipartReport(w, r, tok, key); !ok {
			return
		}
	default:
		unsupportedMedia(w, "application/json, or multipart/form-data with attachments")
		return
	}
	ack, err := s.Intake.Submit(r.Context(), sub)
	if err != nil {
		s.writeSubmitError(w, err)
		return
	}
	if ack.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	} else {
		s.ReportsStored("api", 1)
	}
	writeJSON(w, http.StatusCreated, ack)
}

// readMultipartReport reads a "report" part (JSON) and "attachment" parts.
func (s *server) readMultipartReport(w http.ResponseWriter, r *http.Request, tok apitoken.Token, key string) (report.Submission, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, web.MaxMultipartBody)
	mr, err := r.MultipartReader()
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, "bad_request", "Malformed multipart body: "+err.Error(), nil)
		return report.Submission{}, false
	}
	var doc []byte
	var uploads []report.Upload
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if web.IsTooBig(err) {
				writeAPIError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("The request body exceeds %d bytes.", web.MaxMultipartBody), nil)
			} else {
				writeAPIError(w, http.StatusBadRequest, "bad_request", "Malformed multipart body: "+err.Error(), nil)
			}
			return report.Submission{}, false
		}
		switch part.FormName() {
		case "report":
			doc, err = io.ReadAll(io.LimitReader(part, MaxJSONBody+1))
			if err == nil && len(doc) > MaxJSONBody {
				writeAPIError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("The report part exceeds %d bytes.", MaxJSONBody), nil)
				return report.Submission{}, false
			}
		case "attachment":
			if len(uploads) == report.MaxAttachments {
				writeAPIError(w, http.StatusRequestEntityTooLarge, "too_large", "Too many attachments.",
					map[string]string{"attachments": fmt.Sprintf("At most %d files.", report.MaxAttachments)})
				return report.Submission{}, false
			}
			content, rerr := io.ReadAll(io.LimitReader(part, report.MaxAttachmentBytes+1))
			err = rerr
			if err == nil && len(content) > report.MaxAttachmentBytes {
				writeAPIError(w, http.StatusRequestEntityTooLarge, "too_large", "An attachment is too large.",
					map[string]string{fmt.Sprintf("attachments[%d]", len(uploads)): fmt.Sprintf("At most %d bytes.", report.MaxAttachmentBytes)})
				return report.Submission{}, false
			}
			uploads = append(uploads, report.Upload{Filename: part.FileName(), Content: content})
		default:
			writeAPIError(w, http.StatusBadRequest, "invalid", "Unknown multipart part.", map[string]string{part.FormName(): "Unknown part; use report and attachment."})
			return report.Submission{}, false
		}
		if err != nil {
			if web.IsTooBig(err) {
				writeAPIError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("The request body exceeds %d bytes.", web.MaxMultipartBody), nil)
			} else {
				writeAPIError(w, http.StatusBadRequest, "bad_request", "The request body could not be read.", nil)
			}
			return report.Submission{}, false
		}
	}
	if doc == nil {
		writeAPIError(w, http.StatusBadRequest, "invalid", "The multipart body has no report part.", map[string]string{"report": "This part is required."})
		return report.Submission{}, false
	}
	var in apiReport
	if fields, err := decodeStrict(doc, &in); err != nil {
		writeAPIError(w, http.StatusBadRequest, "invalid", "The report part is not a valid report document.", fields)
		return report.Submission{}, false
	}
	sub := in.submission(tok, key)
	sub.Attachments = uploads
	return sub, true
}

type batchResult struct {
	Index int `json:"index"`
	// Status is the HTTP status this report would have had on its own.
	Status int `json:"status"`
	*report.Acknowledgement
	Error *apiError `json:"error,omitempty"`
}

// handleAPICreateBatch takes up to MaxBatchReports reports at once and
// answers for each.
func (s *server) handleAPICreateBatch(w http.ResponseWriter, r *http.Request, tok apitoken.Token) {
	key, ok := idempotencyKey(w, r)
	if !ok {
		return
	}
	if web.MediaType(r) != "application/json" {
		unsupportedMedia(w, "application/json")
		return
	}
	body, ok := readBody(w, r, MaxBatchBody)
	if !ok {
		return
	}
	var in struct {
		Reports []json.RawMessage `json:"reports"`
	}
	if fields, err := decodeStrict(body, &in); err != nil {
		writeAPIError(w, http.StatusBadRequest, "invalid", "The request body is not a valid batch document.", fields)
		return
	}
	if len(in.Reports) == 0 {
		writeAPIError(w, http.StatusBadRequest, "invalid", "The batch is empty.", map[string]string{"reports": "At least one report is required."})
		return
	}
	if len(in.Reports) > MaxBatchReports {
		writeAPIError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("A batch holds at most %d reports.", MaxBatchReports),
			map[string]string{"reports": fmt.Sprintf("At most %d reports.", MaxBatchReports)})
		return
	}
	// The token's rate counts reports: the request took one, the batch's
	// other reports are charged now (issue 13, finding 14).
	s.Charge("token", tok.Name, tokenLimit(tok), len(in.Reports)-1)
	results := make([]batchResult, len(in.Reports))
	var subs []report.Submission
	var positions []int
	for i, raw := range in.Reports {
		results[i].Index = i
		var one apiReport
		if fields, err := decodeStrict(raw, &one); err != nil {
			results[i].Status = http.StatusBadRequest
			results[i].Error = &apiError{Code: "invalid", Message: "Not a valid report document.", Fields: fields}
			continue
		}
		itemKey := ""
		if key != "" {
			itemKey = key + "#" + strconv.Itoa(i)
		}
		subs = append(subs, one.submission(tok, itemKey))
		positions = append(positions, i)
	}
	outcomes, err := s.Intake.SubmitBatch(r.Context(), subs)
	if err != nil {
		s.writeSubmitError(w, err)
		return
	}
	stored := 0
	for k, out := range outcomes {
		res := &results[positions[k]]
		if out.Err != nil {
			e := s.submitError(out.Err)
			res.Status, res.Error = e.Status, &e
			continue
		}
		ack := out.Ack
		res.Status, res.Acknowledgement = http.StatusCreated, &ack
		if !ack.Replayed {
			stored++
		}
	}
	s.ReportsStored("api", stored)
	writeJSON(w, http.StatusOK, map[string]any{"results": results})
}

func (s *server) handleAPIFollowUp(w http.ResponseWriter, r *http.Request) {
	if !s.Allow(w, "follow-up", s.ClientIP(r), s.Limits.FollowUp) {
		writeAPIError(w, http.StatusTooManyRequests, "rate_limited", "Too many follow-up requests; retry after the delay in Retry-After.", nil)
		return
	}
	if web.MediaType(r) != "application/json" {
		unsupportedMedia(w, "application/json")
		return
	}
	body, ok := readBody(w, r, 4096)
	if !ok {
		return
	}
	var in struct {
		Receipt string `json:"receipt"`
		Secret  string `json:"secret"`
	}
	if fields, err := decodeStrict(body, &in); err != nil {
		writeAPIError(w, http.StatusBadRequest, "invalid", "The request body is not a valid follow-up document.", fields)
		return
	}
	fields := map[string]string{}
	if in.Receipt == "" {
		fields["receipt"] = "This field is required."
	}
	if in.Secret == "" {
		fields["secret"] = "This field is required."
	}
	if len(fields) > 0 {
		writeAPIError(w, http.StatusBadRequest, "invalid", "Receipt and secret are required.", fields)
		return
	}
	status, err := s.Intake.FollowUp(r.Context(), in.Receipt, in.Secret)
	if errors.Is(err, report.ErrNotFound) {
		writeAPIError(w, http.StatusNotFound, "not_found", "No report matches this receipt and secret.", nil)
		return
	}
	if err != nil {
		s.Logger.Error("follow-up", "err", err)
		w.Header().Set("Retry-After", "5")
		writeAPIError(w, http.StatusServiceUnavailable, "unavailable", "Follow-up is unavailable right now; retry.", nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]report.Status{"status": status})
}

func (s *server) handleAPIAltchaChallenge(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Altcha.NewChallenge())
}

func (s *server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPI)
}

// handleSTIXExtensionSchema serves the JSON schema of the STIX extension
// that carries the identifiers STIX has no object for: the URL every
// extension-definition object of this installation's exports names.
func (s *server) handleSTIXExtensionSchema(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/schema+json")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(export.ExtensionSchema)
}

func (s *server) handleAPINotFound(w http.ResponseWriter, r *http.Request) {
	writeAPIError(w, http.StatusNotFound, "not_found", "No such API route; see /api/openapi.json.", nil)
}
