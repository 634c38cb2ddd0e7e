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
