package crmcsv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "deals.csv")
	rows := [][]string{
		{"1", "Renewal, 2026", JoinList([]string{"a@x.example", "b@x.example"})},
		{"2", `Say "hi"`, ""},
	}
	if err := WriteFile(path, []string{"id", "name", "contacts"}, rows); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "id,name,contacts\n1,\"Renewal, 2026\",a@x.example;b@x.example\n2,\"Say \"\"hi\"\"\",\n"
	if string(data) != want {
		t.Errorf("file =\n%s\nwant\n%s", data, want)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*.tmp"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestWriteRejectsRaggedRows(t *testing.T) {
	var b strings.Builder
	if err := Write(&b, []string{"a", "b"}, [][]string{{"1"}}); err == nil {
		t.Error("a row with too few cells was written")
	}
}

func TestWrittenCompaniesReadBack(t *testing.T) {
	var b strings.Builder
	if err := Write(&b, []string{"domain", "name"}, [][]string{{"acme.com", "Acme, Inc."}}); err != nil {
		t.Fatal(err)
	}
	got, err := ReadCompanies(strings.NewReader(b.String()), "companies.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Domain != "acme.com" || got[0].Name != "Acme, Inc." {
		t.Errorf("read back %+v", got)
	}
}
