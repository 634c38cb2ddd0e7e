package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/poller-crm/poller/pkg/crmcsv"
)

// roundTripSetup is a store with imported and logged contacts (sources
// import and bcc), deals with and without an external id, and companies.
func roundTripSetup(t *testing.T) crmSetup {
	t.Helper()
	s := newCRMSetup(t)
	s.mustRun(t, runImport, "companies", s.file(t, "companies.csv", crmCompaniesCSV))
	s.mustRun(t, runImport, "contacts", s.file(t, "contacts.csv", crmContactsCSV))
	s.mustRun(t, runImport, "deals", s.file(t, "deals.csv", crmDealsCSV("proposal")))
	// A deal of another tool's file without an id: no external id.
	s.mustRun(t, runImport, "deals", s.file(t, "deals-noid.csv", "name,stage,contacts\n=Formula deal,pilot,hank@globex.example\n"))
	s.record(t, crmMessage("Wanda <wanda@initech.example>", "hello", "Mon, 02 Mar 2026 10:00:00 +0100", "rt1@example.com"))
	return s
}

// exportCSV exports s's store as CSV files into a new folder.
func exportCSV(t *testing.T, s crmSetup, name string) string {
	t.Helper()
	dir := filepath.Join(s.dir, name)
	s.mustRun(t, runExport, "--out", dir)
	return dir
}

// sameCRMFiles fails unless companies.csv, contacts.csv and deals.csv are
// the same in both folders.
func sameCRMFiles(t *testing.T, a, b string) {
	t.Helper()
	for _, name := range []string{"companies.csv", "contacts.csv", "deals.csv"} {
		x, err := os.ReadFile(filepath.Join(a, name))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, name))
		if err != nil {
			t.Fatal(err)
		}
		if string(x) != string(y) {
			t.Errorf("%s after export -> import -> export differs:\nfirst:\n%s\nsecond:\n%s", name, x, y)
		}
	}
}

// TestExportImportRoundTripCSV: the CSV files of an export import into a
// fresh store, whose export gives the same files.
func TestExportImportRoundTripCSV(t *testing.T) {
	s := roundTripSetup(t)
	first := exportCSV(t, s, "first")
	contacts, _ := os.ReadFile(filepath.Join(first, "contacts.csv"))
	if !strings.Contains(string(contacts), "wanda@initech.example,Wanda,initech.example,alice@example.com,bcc,") {
		t.Fatalf("the first export has no bcc contact:\n%s", contacts)
	}
	deals, _ := os.ReadFile(filepath.Join(first, "deals.csv"))
	if !strings.Contains(string(deals), "\n8,,'=Formula deal,pilot,") {
		t.Fatalf("the first export has no deal without an external id (formula neutralised):\n%s", deals)
	}

	fresh := newCRMSetup(t)
	for _, kind := range []string{"companies", "contacts", "deals"} {
		fresh.mustRun(t, runImport, kind, filepath.Join(first, kind+".csv"))
	}
	second := exportCSV(t, fresh, "second")
	sameCRMFiles(t, first, second)
	if n := fresh.count(t, `SELECT count(*) FROM deals WHERE external_id = CAST(id AS TEXT)`); n != 0 {
		t.Errorf("%d deals got their store id as external id", n)
	}
	if n := fresh.count(t, `SELECT count(*) FROM contacts WHERE source = 'bcc'`); n != 1 {
		t.Errorf("%d bcc contacts after the import, want 1 (the export's source kept)", n)
	}

	// Importing the export into the store that wrote it changes nothing.
	for _, kind := range []string{"companies", "contacts", "deals"} {
		s.mustRun(t, runImport, kind, filepath.Join(first, kind+".csv"))
	}
	sameCRMFiles(t, first, exportCSV(t, s, "again"))
}

// TestExportImportRoundTripJSON: "import json" takes the JSON document of
// an export, and the folder of "export --format json --out DIR".
func TestExportImportRoundTripJSON(t *testing.T) {
	s := roundTripSetup(t)
	first := exportCSV(t, s, "first")
	doc := s.file(t, "export.json", s.mustRun(t, runExport))
	jdir := filepath.Join(s.dir, "jsonout")
	s.mustRun(t, runExport, "--format", "json", "--out", jdir)
	for _, from := range []string{doc, jdir} {
		fresh := newCRMSetup(t)
		out := fresh.mustRun(t, runImport, "json", from)
		if want := "imported 3 companies, 4 contacts and 8 deals from " + from; !strings.HasPrefix(out, want) {
			t.Errorf("import json %s printed %q, want %q...", from, out, want)
		}
		sameCRMFiles(t, first, exportCSV(t, fresh, "second"))
	}
}

// TestImportJSONBadRecordImportsNothing: a bad record is reported with its
// list and position, and nothing of the document is imported.
func TestImportJSONBadRecordImportsNothing(t *testing.T) {
	s := newCRMSetup(t)
	doc := s.file(t, "bad.json", `{"companies":[{"domain":"a.example","name":"A"}],
		"contacts":[{"address":"ok@a.example"},{"address":"bob@"}],"deals":[]}`)
	_, err := s.run(t, runImport, "json", doc)
	if err == nil || !strings.Contains(err.Error(), "bad.json contacts record 2: address \"bob@\" is not an address") {
		t.Fatalf("import json of a bad contact: %v", err)
	}
	if n := s.count(t, `SELECT count(*) FROM companies`); n != 0 {
		t.Errorf("%d companies imported from a document with a bad contact", n)
	}
	doc = s.file(t, "two.json", `{"contacts":[{"address":"a@"},{"address":"ok@a.example"},{"address":"b@"}]}`)
	_, err = s.run(t, runImport, "json", doc)
	if err == nil || !strings.Contains(err.Error(), "two.json contacts record 1: address \"a@\"") || !strings.Contains(err.Error(), "two.json contacts record 3: address \"b@\"") {
		t.Errorf("import json of two bad contacts: %v", err)
	}
	doc = s.file(t, "unknown.json", `{"contacts":[{"address":"ok@a.example","phone":"1"}]}`)
	if _, err := s.run(t, runImport, "json", doc); err == nil || !strings.Contains(err.Error(), `contacts record 1: unknown key "phone"`) {
		t.Errorf("import json of an unknown key: %v", err)
	}
}

// TestExportJSONKeysAreTheColumns: the JSON export's companies, contacts
// and deals have the keys of the CSV columns, in order: one list.
func TestExportJSONKeysAreTheColumns(t *testing.T) {
	for _, c := range []struct {
		what    string
		v       any
		columns []string
	}{
		{"companies", exportCompany{}, crmcsv.CompanyColumns()},
		{"contacts", exportContact{}, crmcsv.ContactColumns()},
		{"deals", exportDeal{}, crmcsv.DealColumns()},
	} {
		got := jsonKeys(c.v)
		if strings.Join(got, ",") != strings.Join(c.columns, ",") {
			t.Errorf("%s: JSON keys %v, want the columns %v", c.what, got, c.columns)
		}
	}
}

// TestExportWhileAnotherProcessWrites: export opens the store read-only,
// so a writer holding the lock (BEGIN IMMEDIATE) does not stop it.
func TestExportWhileAnotherProcessWrites(t *testing.T) {
	s := roundTripSetup(t)
	db, err := sql.Open("sqlite3", "file:"+s.db+"?_busy_timeout=100")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(context.Background(), "ROLLBACK")
	var stdout, stderr strings.Builder
	// --db alone: no users to sync, nothing written.
	if err := runExport(context.Background(), []string{"--db", s.db}, &stdout, &stderr); err != nil {
		t.Fatalf("export while another connection holds the write lock: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), `"wanda@initech.example"`) {
		t.Errorf("export printed no contact:\n%s", stdout.String())
	}
	stdout.Reset()
	if err := runExport(context.Background(), []string{"--config", s.config, "--db", s.db, "--out", filepath.Join(s.dir, "locked")}, &stdout, &stderr); err != nil {
		t.Fatalf("export --config --out while another connection holds the write lock: %v", err)
	}
}

// jsonKeys are the keys a struct marshals to, in order.
func jsonKeys(v any) []string {
	var keys []string
	t := reflect.TypeOf(v)
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		keys = append(keys, name)
	}
	return keys
}
