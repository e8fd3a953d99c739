package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func runWithInput(t *testing.T, input string, args ...string) []map[string]string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), args, strings.NewReader(input), &out, &errOut, noEnv); err != nil {
		t.Fatalf("vigie %v: %v\n%s", args, err, errOut.String())
	}
	var rows []map[string]string
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if line == "" {
			continue
		}
		var row map[string]string
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatalf("not one JSON object per line: %q", line)
		}
		rows = append(rows, row)
	}
	return rows
}

func TestIndicatorsCommand(t *testing.T) {
	rows := runWithInput(t, "Virement sur FR76 3000 6000 0112 3456 7890 189\nappeler le 06 12 34 56 78\n", "indicators")
	want := map[string]string{"iban": "FR7630006000011234567890189", "phone": "+33612345678"}
	if len(rows) != 2 {
		t.Fatalf("rows = %v", rows)
	}
	for _, r := range rows {
		if want[r["type"]] != r["value"] || r["raw"] == "" {
			t.Errorf("row %v", r)
		}
	}
	if rows[0]["raw"] != "FR76 3000 6000 0112 3456 7890 189" {
		t.Errorf("raw = %q", rows[0]["raw"])
	}

	rows = runWithInput(t, "FR76 3000 6000 0112 3456 7890 189\nFR76 3000 6000 0112 3456 7890 188\n\n", "indicators", "--type", "iban")
	if len(rows) != 2 || rows[0]["value"] != "FR7630006000011234567890189" || rows[1]["error"] == "" || rows[1]["raw"] == "" {
		t.Errorf("typed rows = %v", rows)
	}

	rows = runWithInput(t, "020 7946 0958\n", "indicators", "--type", "phone", "--region", "GB")
	if len(rows) != 1 || rows[0]["value"] != "+442079460958" {
		t.Errorf("region GB: %v", rows)
	}
	if err := run(context.Background(), []string{"indicators", "--type", "colour"}, strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, noEnv); err == nil {
		t.Error("unknown type accepted")
	}
}
