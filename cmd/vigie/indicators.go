package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"github.com/vigie-platform/vigie/indicator"
)

// runIndicators reads standard input. Without --type it extracts every
// identifier from free text; with --type it normalises each line as one
// value of that type. One JSON object per output line either way.
func runIndicators(ctx context.Context, e env, args []string) error {
	fs := flag.NewFlagSet("indicators", flag.ContinueOnError)
	typ := fs.String("type", "", "treat each input line as one value of this type: url, host, domain, ip, email, phone, iban, bic, btc, eth, trx, handle, sha256")
	region := fs.String("region", "FR", "country assumed for phone numbers written without international prefix")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	opts := indicator.Options{Region: strings.ToUpper(*region)}
	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	in := bufio.NewScanner(e.stdin)
	in.Buffer(make([]byte, 64<<10), 16<<20)

	if *typ == "" {
		var text strings.Builder
		for in.Scan() {
			text.WriteString(in.Text())
			text.WriteByte('\n')
		}
		if err := in.Err(); err != nil {
			return fmt.Errorf("read input: %w", err)
		}
		for _, ind := range indicator.Extract(text.String(), opts) {
			if err := enc.Encode(ind); err != nil {
				return err
			}
		}
		return nil
	}
	t, err := indicator.ParseType(*typ)
	if err != nil {
		return err
	}
	for in.Scan() {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		raw := in.Text()
		if strings.TrimSpace(raw) == "" {
			continue
		}
		v, err := indicator.Normalise(t, raw, opts)
		if err != nil {
			enc.Encode(map[string]string{"type": string(t), "raw": raw, "error": err.Error()})
			continue
		}
		enc.Encode(indicator.Indicator{Type: t, Value: v, Raw: raw})
	}
	return in.Err()
}
