package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/vigie-platform/vigie/audit"
	"github.com/vigie-platform/vigie/sqlite"
)

// The bank commands on one store: import, list, disable, withdraw,
// export in each format, every change audited.
func TestBankCommands(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/liste.csv"
	pdqValue := strings.Repeat("3c", 32)
	md5Value := strings.Repeat("e1", 16)
	if err := os.WriteFile(file, []byte("type,value,label,category\npdq,"+pdqValue+",faux RIB,forged-document\nmd5,"+md5Value+",,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	do := func(stdin string, args ...string) string {
		t.Helper()
		out, errOut, err := runHashCmd(t, stdin, append(args[:2:2], append([]string{"--data", dir}, args[2:]...)...)...)
		if err != nil {
			t.Fatalf("vigie %s: %v\n%s", strings.Join(args, " "), err, errOut)
		}
		return out
	}
	if out := do("", "bank", "import", "--name", "arnaques", "--source", "Hotline X", "--file", file); !strings.Contains(out, "arnaques: 2 entries imported") {
		t.Errorf("import: %q", out)
	}
	if out := do("", "bank", "list"); !strings.Contains(out, "arnaques") || !strings.Contains(out, "Hotline X") || !strings.Contains(out, "enabled") {
		t.Errorf("list: %q", out)
	}
	do("", "bank", "disable", "--name", "arnaques")
	if out := do("", "bank", "list"); !strings.Contains(out, "disabled") {
		t.Errorf("list after disable: %q", out)
	}
	do("", "bank", "enable", "--name", "arnaques")
	if out := do("md5:"+md5Value+"\n", "bank", "withdraw", "--name", "arnaques"); !strings.Contains(out, "1 entries withdrawn") {
		t.Errorf("withdraw: %q", out)
	}
	for format, want := range map[string]string{
		"csv":    "type,value,label,category,added_at,withdrawn_at\r\npdq," + pdqValue + ",faux RIB,forged-document,",
		"json":   `"name": "arnaques"`,
		"te-csv": "signal_type,signal_value,category,tags\r\npdq," + pdqValue + ",forged-document,faux RIB arnaques\r\n",
		"stix":   `"x_pdq": "` + pdqValue + `"`,
	} {
		if out := do("", "bank", "export", "--format", format, "--name", "arnaques"); !strings.Contains(out, want) {
			t.Errorf("export %s:\n%s", format, out)
		}
	}
	if _, _, err := runHashCmd(t, "", "bank", "enable", "--data", dir, "--name", "nulle-part"); err == nil || !strings.Contains(err.Error(), "no list named") {
		t.Errorf("unknown list: %v", err)
	}
	db, err := sqlite.Open(context.Background(), dir, folderKeys(t, dir)...)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, action := range []string{"bank.import", "bank.disable", "bank.enable", "bank.withdraw", "bank.export"} {
		got, err := db.FindAudit(context.Background(), audit.Filter{Action: action})
		if err != nil || len(got) == 0 || got[0].Source != "cli" || !strings.HasPrefix(got[0].Actor, "cli") {
			t.Errorf("%s audited: %+v %v", action, got, err)
		}
	}
}
