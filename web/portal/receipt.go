package portal

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/boombuler/barcode/qr"
	"github.com/go-pdf/fpdf"
	"github.com/vigie-platform/vigie/indicator"
	"github.com/vigie-platform/vigie/report"
	"github.com/vigie-platform/vigie/web"
)

// receiptView is what a reporter may keep of their report: what the
// confirmation page, the follow-up page and the PDF show. It is built from
// the stored report and holds nothing of its attachments, nor of the
// reporter's own details.
type receiptView struct {
	Receipt string
	// Secret is shown on the confirmation page and carried (hidden) to
	// the PDF form; the PDF prints it only when asked.
	Secret      string
	Category    string
	Sent        string
	Status      report.Status
	URLs        []string
	Identifiers []identifierView
	Steps       []string
	// News is true when the reporter asked for news by e-mail.
	News bool
}

type identifierView struct{ Kind, Value string }

// receiptKinds are the identifiers a receipt lists, in order: the URLs
// are listed as given, and hosts repeat the domains.
var receiptKinds = []indicator.Type{indicator.Domain, indicator.IP, indicator.Email, indicator.Phone, indicator.IBAN,
	indicator.BIC, indicator.BTC, indicator.ETH, indicator.TRX, indicator.Handle}

// maxReceiptIdentifiers bounds the list on a page and in the PDF.
const maxReceiptIdentifiers = 40

func (s *server) receiptOf(r report.Report, secret string, t web.Translator, lang string) receiptView {
	v := receiptView{Receipt: r.Receipt, Secret: secret, Category: web.CategoryLabel(s.Intake.Taxonomy(), r.Category, lang),
		Sent: t.DateTime(r.CreatedAt), Status: r.Status, URLs: r.URLs, Steps: s.nextSteps().For(r.Category).In(lang)}
	// The identifiers are found again from the text, not read from the
	// index: the linker may not have run yet when the page is shown.
	found := indicator.FromReport(indicator.Fields{Description: r.Description, URLs: r.URLs, SeenOn: r.SeenOn}, indicator.DefaultOptions)
	for _, kind := range receiptKinds {
		for _, ind := range found {
			if ind.Type == kind && len(v.Identifiers) < maxReceiptIdentifiers {
				v.Identifiers = append(v.Identifiers, identifierView{Kind: t.T("receipt.ind." + string(kind)), Value: ind.Value})
			}
		}
	}
	return v
}

// followUpLink is the follow-up page's address for a receipt: it carries
// the receipt, never the secret, so that a QR code of it leaks nothing.
func (s *server) followUpLink(r *http.Request, receipt, lang string) string {
	base := strings.TrimRight(s.PublicURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	q := url.Values{"receipt": {receipt}}
	if lang == "en" {
		q.Set("lang", "en")
	}
	return base + "/follow-up?" + q.Encode()
}

// handleReceiptPDF answers POST /follow-up/receipt.pdf: the receipt of the
// report that receipt and secret name, as a PDF to download. It is the
// follow-up form under another name: the same rate limit, the same answer
// to a wrong receipt or secret. The secret is printed only when the
// include_secret box was ticked.
func (s *server) handleReceiptPDF(w http.ResponseWriter, r *http.Request) {
	rep, secret, p, ok := s.followUpLookup(w, r, "receipt pdf")
	if !ok {
		return
	}
	v := s.receiptOf(rep, "", p.Translator, p.Lang)
	if r.PostForm.Get("include_secret") != "" {
		v.Secret = secret
	}
	v.News = s.subscribed(r, rep.Receipt)
	var buf bytes.Buffer
	if err := writeReceiptPDF(&buf, v, p.Translator, s.followUpLink(r, rep.Receipt, p.Lang), time.Now()); err != nil {
		s.Logger.Error("receipt pdf", "err", err)
		p.General = p.T("form.unavailable")
		s.render(w, http.StatusInternalServerError, "followup", p)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", `attachment; filename="vigie-`+rep.Receipt+`.pdf"`)
	// Nothing of it is kept by the browser's cache or a proxy.
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", fmt.Sprint(buf.Len()))
	w.Write(buf.Bytes())
}

// subscribed tells whether the report has news coming; a store that
// cannot say is taken as no, the page being more useful than the detail.
func (s *server) subscribed(r *http.Request, receipt string) bool {
	if s.News == nil {
		return false
	}
	ok, err := s.News.Store.Subscribed(r.Context(), receipt)
	if err != nil {
		s.Logger.Warn("news subscription", "err", err)
	}
	return ok
}

// cp1252 maps the characters of Windows-1252 above 0x7F that are not
// Latin-1 to their byte: the PDF's standard fonts (Helvetica) speak that
// code page, which holds every letter of French.
var cp1252 = map[rune]byte{
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, 'ˆ': 0x88, '‰': 0x89, 'Š': 0x8A,
	'‹': 0x8B, 'Œ': 0x8C, 'Ž': 0x8E, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97,
	'˜': 0x98, '™': 0x99, 'š': 0x9A, '›': 0x9B, 'œ': 0x9C, 'ž': 0x9E, 'Ÿ': 0x9F,
	'\u202f': 0xA0, // French thin no-break space, before « ; : ! ? »
}

// pdfText turns UTF-8 into the fonts' code page. A character it cannot
// hold becomes "?" in text; in a URL (escape) its bytes are written
// percent-encoded, so that the address stays exact and usable.
func pdfText(s string, escape bool) string {
	var b strings.Builder
	for _, r := range s {
		switch c, ok := cp1252[r]; {
		case r < 0x20 || r == 0x7f:
			b.WriteByte(' ')
		case r < 0x80:
			b.WriteByte(byte(r))
		case ok:
			b.WriteByte(c)
		case r >= 0xA0 && r <= 0xFF:
			b.WriteByte(byte(r))
		case escape:
			var u [utf8.UTFMax]byte
			for _, x := range u[:utf8.EncodeRune(u[:], r)] {
				fmt.Fprintf(&b, "%%%02X", x)
			}
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

// writeReceiptPDF writes the receipt as a one- or two-page A4 PDF, with
// Helvetica (no font embedded: it stays small) and a QR code of the
// follow-up link, which holds no secret.
func writeReceiptPDF(w io.Writer, v receiptView, t web.Translator, followURL string, now time.Time) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(20, 20, 20)
	pdf.SetAutoPageBreak(true, 20)
	pdf.SetTitle(pdfText(t.T("receipt.pdf.title")+" "+v.Receipt, false), false)
	pdf.SetCreator("Vigie", false)
	pdf.SetCreationDate(now)
	pdf.SetModificationDate(now)
	pdf.SetFooterFunc(func() {
		pdf.SetY(-14)
		pdf.SetFont("Helvetica", "", 8)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(0, 5, pdfText(t.T("receipt.pdf.footer", v.Receipt, pdf.PageNo()), false), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	width, _ := pdf.GetPageSize()
	text := width - 40

	pdf.SetFont("Helvetica", "B", 16)
	pdf.MultiCell(text-40, 8, pdfText(t.T("site.name"), false), "", "L", false)
	pdf.SetFont("Helvetica", "", 12)
	pdf.MultiCell(text-40, 6, pdfText(t.T("receipt.pdf.title"), false), "", "L", false)
	// The QR code, top right: the follow-up page, receipt filled in.
	if code, err := qr.Encode(followURL, qr.M, qr.Auto); err == nil {
		n := code.Bounds().Dx()
		side := 34.0
		cell := side / float64(n)
		x0, y0 := width-20-side, 18.0
		pdf.SetFillColor(0, 0, 0)
		for y := range n {
			for x := range n {
				if r, _, _, _ := code.At(x, y).RGBA(); r == 0 {
					pdf.Rect(x0+float64(x)*cell, y0+float64(y)*cell, cell, cell, "F")
				}
			}
		}
	}
	pdf.SetY(56)

	heading := func(s string) {
		pdf.Ln(3)
		pdf.SetFont("Helvetica", "B", 12)
		pdf.MultiCell(text, 7, pdfText(s, false), "", "L", false)
		pdf.SetFont("Helvetica", "", 11)
	}
	field := func(label, value string, escape bool) {
		pdf.SetFont("Helvetica", "B", 11)
		pdf.CellFormat(55, 6, pdfText(label, false), "", 0, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 11)
		pdf.MultiCell(text-55, 6, pdfText(value, escape), "", "L", false)
	}
	field(t.T("done.receipt"), v.Receipt, false)
	field(t.T("receipt.sent"), v.Sent, false)
	field(t.T("form.category"), v.Category, false)
	if v.Status != "" {
		field(t.T("follow.status"), t.T("status."+string(v.Status)), false)
	}
	if v.Secret != "" {
		field(t.T("done.secret"), v.Secret, false)
	} else {
		pdf.SetFont("Helvetica", "I", 10)
		pdf.MultiCell(text, 5, pdfText(t.T("receipt.pdf.no_secret"), false), "", "L", false)
	}
	if v.News {
		pdf.SetFont("Helvetica", "", 10)
		pdf.MultiCell(text, 5, pdfText(t.T("receipt.news.on"), false), "", "L", false)
	}

	heading(t.T("receipt.urls"))
	if len(v.URLs) == 0 {
		pdf.MultiCell(text, 6, pdfText(t.T("receipt.none"), false), "", "L", false)
	}
	for _, u := range v.URLs {
		pdf.MultiCell(text, 6, pdfText(u, true), "", "L", false)
	}
	heading(t.T("receipt.identifiers"))
	if len(v.Identifiers) == 0 {
		pdf.MultiCell(text, 6, pdfText(t.T("receipt.none"), false), "", "L", false)
	}
	for _, id := range v.Identifiers {
		field(id.Kind, id.Value, true)
	}
	heading(t.T("receipt.next"))
	for _, step := range v.Steps {
		pdf.CellFormat(5, 6, pdfText("•", false), "", 0, "L", false, 0, "")
		pdf.MultiCell(text-5, 6, pdfText(step, false), "", "L", false)
	}
	heading(t.T("receipt.follow"))
	pdf.MultiCell(text, 6, pdfText(t.T("receipt.pdf.follow"), false), "", "L", false)
	pdf.MultiCell(text, 6, pdfText(followURL, true), "", "L", false)
	return pdf.Output(w)
}
