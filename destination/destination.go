// Package destination is the registry of services a case can be sent to:
// police, gendarmerie, customs, specialised offices, Interpol, foreign
// hotlines and hosting providers, each with its jurisdiction, delivery
// channel and acknowledgement deadline. The registry is a JSON file,
// embedded by default and replaceable without recompiling.
package destination

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/vigie-platform/vigie/taxonomy"
)

//go:embed destinations.json
var defaultFile []byte

// Kinds of destination.
var Kinds = []string{"police", "gendarmerie", "customs", "specialised-office", "interpol", "foreign-hotline", "hosting-provider"}

// Channels a case can be delivered by.
var Channels = []string{"inbox", "webhook", "email", "file"}

// Jurisdiction says where a destination is competent.
type Jurisdiction struct {
	Scope        string   `json:"scope"` // national, departements, countries
	Departements []string `json:"departements,omitempty"`
	Countries    []string `json:"countries,omitempty"` // ISO 3166 alpha-2, or "*"
}

// Channel says how cases reach a destination.
type Channel struct {
	Type string `json:"type"`
	URL  string `json:"url,omitempty"` // webhook
	To   string `json:"to,omitempty"`  // email
	Dir  string `json:"dir,omitempty"` // file export
	// SecretEnv names the environment variable holding the webhook's
	// signing secret ("whsec_" + base64), so the file holds no secret.
	SecretEnv string `json:"secret_env,omitempty"`
}

// Destination is one service.
type Destination struct {
	Code         string        `json:"code"`
	Kind         string        `json:"kind"`
	Name         taxonomy.Text `json:"name"`
	Jurisdiction Jurisdiction  `json:"jurisdiction"`
	Channel      Channel       `json:"channel"`
	// AcknowledgeWithin is how long the destination has to acknowledge a
	// referral before it is flagged overdue.
	AcknowledgeWithin time.Duration `json:"-"`
	Within            string        `json:"acknowledge_within"`
}

// Abroad tells a destination outside the French services.
func (d Destination) Abroad() bool { return d.Kind == "interpol" || d.Kind == "foreign-hotline" }

// Registry is the set of destinations.
type Registry struct {
	list   []Destination
	byCode map[string]int
}

// Departements lists the French départements, for local services.
var Departements = func() []string {
	var out []string
	for i := 1; i <= 95; i++ {
		if i == 20 {
			out = append(out, "2A", "2B")
			continue
		}
		out = append(out, fmt.Sprintf("%02d", i))
	}
	return append(out, "971", "972", "973", "974", "976")
}()

var codePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.:-]{0,63}$`)

// Default is the embedded registry (the defaults of domain.md).
func Default() *Registry {
	r, err := Parse(defaultFile)
	if err != nil {
		panic("embedded destinations: " + err.Error())
	}
	return r
}

// Load reads a registry file, or returns the default for "".
func Load(path string) (*Registry, error) {
	if path == "" {
		return Default(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("destinations: %w", err)
	}
	r, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("destinations %s: %w", path, err)
	}
	return r, nil
}

// Parse checks a registry. An entry whose code holds {dept} stands for one
// destination per département.
func Parse(b []byte) (*Registry, error) {
	var doc struct {
		Version      int           `json:"version"`
		Destinations []Destination `json:"destinations"`
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("not a destinations file: %w", err)
	}
	if doc.Version != 1 {
		return nil, fmt.Errorf("version %d, want 1", doc.Version)
	}
	r := &Registry{byCode: map[string]int{}}
	for i, d := range doc.Destinations {
		where := fmt.Sprintf("destination %d (%s)", i+1, d.Code)
		if !slices.Contains(Kinds, d.Kind) {
			return nil, fmt.Errorf("%s: unknown kind %q (want one of %s)", where, d.Kind, strings.Join(Kinds, ", "))
		}
		if !slices.Contains(Channels, d.Channel.Type) {
			return nil, fmt.Errorf("%s: unknown channel %q (want one of %s)", where, d.Channel.Type, strings.Join(Channels, ", "))
		}
		if d.Channel.Type == "webhook" && !strings.HasPrefix(d.Channel.URL, "https://") {
			return nil, fmt.Errorf("%s: a webhook needs an https:// url", where)
		}
		if d.Channel.Type == "webhook" && d.Channel.SecretEnv == "" {
			return nil, fmt.Errorf("%s: a webhook needs secret_env, the variable holding its signing secret", where)
		}
		if d.Channel.Type == "file" && d.Channel.Dir == "" {
			return nil, fmt.Errorf("%s: a file channel needs dir", where)
		}
		if d.Channel.Type == "email" && (!strings.Contains(d.Channel.To, "@") || strings.ContainsAny(d.Channel.To, " \r\n,;")) {
			return nil, fmt.Errorf("%s: an email channel needs one address in to", where)
		}
		if d.Name.In("fr") == "" {
			return nil, fmt.Errorf("%s: name is required", where)
		}
		within, err := time.ParseDuration(d.Within)
		if err != nil || within <= 0 {
			return nil, fmt.Errorf("%s: acknowledge_within %q is not a duration such as 24h", where, d.Within)
		}
		d.AcknowledgeWithin = within
		codes := []string{d.Code}
		if strings.Contains(d.Code, "{dept}") {
			codes = nil
			for _, dep := range Departements {
				codes = append(codes, strings.ReplaceAll(d.Code, "{dept}", strings.ToLower(dep)))
			}
		}
		for j, code := range codes {
			if !codePattern.MatchString(code) {
				return nil, fmt.Errorf("%s: code %q: lower-case letters, digits, '.', ':' and '-' only", where, code)
			}
			if _, dup := r.byCode[code]; dup {
				return nil, fmt.Errorf("%s: code %q appears twice", where, code)
			}
			e := d
			e.Code = code
			if len(codes) > 1 {
				dep := Departements[j]
				e.Name = taxonomy.Text{FR: strings.ReplaceAll(d.Name.FR, "{dept}", dep), EN: strings.ReplaceAll(d.Name.EN, "{dept}", dep)}
				e.Jurisdiction = Jurisdiction{Scope: "departements", Departements: []string{dep}}
			}
			r.byCode[code] = len(r.list)
			r.list = append(r.list, e)
		}
	}
	if len(r.list) == 0 {
		return nil, fmt.Errorf("no destination")
	}
	return r, nil
}

// Lookup finds a destination by code.
func (r *Registry) Lookup(code string) (Destination, bool) {
	i, ok := r.byCode[code]
	if !ok {
		return Destination{}, false
	}
	return r.list[i], true
}

// All lists the destinations in file order.
func (r *Registry) All() []Destination { return slices.Clone(r.list) }

// National lists the destinations that are not local services, for menus.
func (r *Registry) National() []Destination {
	var out []Destination
	for _, d := range r.list {
		if d.Jurisdiction.Scope != "departements" || len(d.Jurisdiction.Departements) > 1 {
			out = append(out, d)
		}
	}
	return out
}
