// Package installation holds what one deployment of Vigie says about
// itself on the pages a public service must publish: who publishes and
// hosts it, who answers for the data and how to reach them, where it
// stands on accessibility, which sites may frame its entry point, and
// which categories the home page puts first.
//
// It is configuration: the binary embeds a default (default.json) whose
// installation-specific values are empty, and `vigie serve --installation
// FILE` replaces it. Pages show an empty value with a visible marker, so
// that an installation sees at a glance what it has not filled in.
package installation

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/vigie-platform/vigie/taxonomy"
)

//go:embed default.json
var defaultFile []byte

// Text is said in French and English.
type Text = taxonomy.Text

// Party is an organisation or a person named on the legal pages.
type Party struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Phone   string `json:"phone"`
	Email   string `json:"email"`
	// Web is a page of theirs (a contact form, their site).
	Web string `json:"web"`
	// ID is a registration number (SIRET, company number).
	ID string `json:"id"`
}

// Accessibility is the statement RGAA asks for.
type Accessibility struct {
	// Status: "full", "partial" or "none" (RGAA: without an audit, a
	// service is not conformant).
	Status string `json:"status"`
	// Rate is the share of RGAA criteria met, as the audit says it ("87 %").
	Rate      string `json:"rate"`
	AuditDate string `json:"audit_date"`
	Auditor   string `json:"auditor"`
	// StatementDate is when this statement was made or last updated.
	StatementDate string `json:"statement_date"`
	NonAccessible []Text `json:"non_accessible"`
	Derogations   []Text `json:"derogations"`
	// Contact is who to ask for an accessible alternative.
	Contact Party `json:"contact"`
	// Schema is the multi-year accessibility plan, if published.
	Schema string `json:"schema_url"`
}

// Statuses of the accessibility statement.
var Statuses = []string{"full", "partial", "none"}

// Info is an installation's configuration.
type Info struct {
	Publisher Party `json:"publisher"`
	// Director is the director of publication (name and title).
	Director   string `json:"director"`
	Host       Party  `json:"host"`
	Controller Party  `json:"controller"`
	DPO        Party  `json:"dpo"`
	Purposes   Text   `json:"purposes"`
	LegalBasis Text   `json:"legal_basis"`
	Recipients Text   `json:"recipients"`
	// Authority is where a person may complain about their data (CNIL).
	Authority     Party         `json:"authority"`
	Contact       Party         `json:"contact"`
	ContactHours  Text          `json:"contact_hours"`
	Accessibility Accessibility `json:"accessibility"`
	// FrameAncestors are the origins allowed to show the embeddable entry
	// point (/embed) in a frame; empty, no site may.
	FrameAncestors []string `json:"frame_ancestors"`
	// HomeFirst are the categories the home page lists first, in this
	// order; the others follow in the taxonomy's order.
	HomeFirst []string `json:"home_first"`
}

// Default is the embedded configuration.
func Default() *Info {
	i, err := Parse(defaultFile, nil)
	if err != nil {
		panic("installation: embedded default is invalid: " + err.Error())
	}
	return i
}

// known keeps the categories of tax (all of them when tax is nil): the
// default's home order names the embedded taxonomy's, which an
// installation with its own categories may lack.
func known(codes []string, tax *taxonomy.Taxonomy) []string {
	if tax == nil {
		return codes
	}
	var out []string
	for _, c := range codes {
		if _, ok := tax.Lookup(c); ok {
			out = append(out, c)
		}
	}
	return out
}

// Load reads a configuration file; an empty path means the embedded
// default. Categories a file lists in home_first must be in tax.
func Load(path string, tax *taxonomy.Taxonomy) (*Info, error) {
	if path == "" {
		i := Default()
		i.HomeFirst = known(i.HomeFirst, tax)
		return i, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("installation: %w", err)
	}
	i, err := Parse(b, tax)
	if err != nil {
		return nil, fmt.Errorf("installation %s: %w", path, err)
	}
	return i, nil
}

// Parse decodes and checks a configuration; a nil tax skips the check of
// categories. The file is read over the embedded default, so that an
// installation writes only what it fills in or changes.
func Parse(b []byte, tax *taxonomy.Taxonomy) (*Info, error) {
	var doc struct {
		Version int `json:"version"`
		Info
	}
	if !bytes.Equal(b, defaultFile) {
		doc.Info = *Default()
		doc.HomeFirst = known(doc.HomeFirst, tax)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if dec.More() {
		return nil, errors.New("decode: data after the document")
	}
	if doc.Version != 1 {
		return nil, fmt.Errorf("unsupported version %d (want 1)", doc.Version)
	}
	i := &doc.Info
	if s := i.Accessibility.Status; s != "" && !slices.Contains(Statuses, s) {
		return nil, fmt.Errorf("accessibility.status %q is not one of %s", s, strings.Join(Statuses, ", "))
	}
	for name, p := range map[string]Party{"publisher": i.Publisher, "host": i.Host, "controller": i.Controller, "dpo": i.DPO,
		"authority": i.Authority, "contact": i.Contact, "accessibility.contact": i.Accessibility.Contact} {
		if p.Email != "" {
			if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != p.Email {
				return nil, fmt.Errorf("%s.email %q is not a bare e-mail address", name, p.Email)
			}
		}
		if p.Web != "" && !strings.HasPrefix(p.Web, "https://") && !strings.HasPrefix(p.Web, "http://") {
			return nil, fmt.Errorf("%s.web %q must be an http(s) address", name, p.Web)
		}
	}
	for _, o := range i.FrameAncestors {
		if err := CheckOrigin(o); err != nil {
			return nil, fmt.Errorf("frame_ancestors: %w", err)
		}
	}
	seen := map[string]bool{}
	for _, code := range i.HomeFirst {
		if seen[code] {
			return nil, fmt.Errorf("home_first: %q listed twice", code)
		}
		seen[code] = true
		if tax != nil {
			if _, ok := tax.Lookup(code); !ok {
				return nil, fmt.Errorf("home_first: category %q is not in the taxonomy", code)
			}
		}
	}
	return i, nil
}

// origin is what a frame-ancestors source may be here: https (http for
// localhost only, for tests), a host name whose first label may be "*"
// (any sub-domain), an optional port (or * for any); no path, no quotes, no spaces, so
// that nothing can be added to the policy.
var origin = regexp.MustCompile(`^(https://(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+|http://(localhost|127\.0\.0\.1))(:([0-9]{1,5}|\*))?$`)

// CheckOrigin accepts an origin that may frame the entry point.
func CheckOrigin(o string) error {
	if !origin.MatchString(o) {
		return fmt.Errorf("%q is not an origin (https://host[:port], the host's first label may be *; http only for localhost)", o)
	}
	return nil
}

// FrameAncestors is the CSP directive of the embeddable page.
func (i *Info) FrameDirective() string {
	if len(i.FrameAncestors) == 0 {
		return "frame-ancestors 'none'"
	}
	return "frame-ancestors " + strings.Join(i.FrameAncestors, " ")
}

// Order puts the categories of HomeFirst first, in their order, then the
// others in the taxonomy's.
func (i *Info) Order(cats []taxonomy.Category) []taxonomy.Category {
	rank := func(code string) int {
		if k := slices.Index(i.HomeFirst, code); k >= 0 {
			return k
		}
		return len(i.HomeFirst)
	}
	out := slices.Clone(cats)
	slices.SortStableFunc(out, func(a, b taxonomy.Category) int { return rank(a.Code) - rank(b.Code) })
	return out
}
