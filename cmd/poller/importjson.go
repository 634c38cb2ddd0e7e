package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/poller-crm/poller/pkg/crmcsv"
)

// jsonImport is what "poller import json" reads from an export: its
// companies, contacts and deals, each record a JSON object whose keys are
// crmcsv's columns. Emails and intake rows are not imported: they come
// from mail, and poller logs them itself.
type jsonImport struct {
	Companies []map[string]json.RawMessage `json:"companies"`
	Contacts  []map[string]json.RawMessage `json:"contacts"`
	Deals     []map[string]json.RawMessage `json:"deals"`
}

// readJSONImport reads the JSON document of "poller export", or the
// folder of "poller export --format json --out DIR" (companies.json,
// contacts.json, deals.json; a missing file is an empty list).
func readJSONImport(path string) (*jsonImport, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	doc := &jsonImport{}
	if !st.IsDir() {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(data, doc); err != nil {
			return nil, fmt.Errorf("%s: not the JSON document of poller export: %w", path, err)
		}
		return doc, nil
	}
	found := 0
	for _, part := range []struct {
		name string
		list *[]map[string]json.RawMessage
	}{{"companies.json", &doc.Companies}, {"contacts.json", &doc.Contacts}, {"deals.json", &doc.Deals}} {
		data, err := os.ReadFile(filepath.Join(path, part.name))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		found++
		if err := json.Unmarshal(data, part.list); err != nil {
			return nil, fmt.Errorf("%s: not a list of records: %w", filepath.Join(path, part.name), err)
		}
	}
	if found == 0 {
		return nil, fmt.Errorf("%s holds none of companies.json, contacts.json and deals.json (written by poller export --format json --out DIR)", path)
	}
	return doc, nil
}

// asCSV turns records into the CSV file of columns, so that a JSON
// export is checked by the very readers of the CSV files. The first
// record is line 2, as in a CSV file.
func asCSV(what string, columns []string, records []map[string]json.RawMessage) ([]byte, error) {
	known := map[string]bool{}
	for _, c := range columns {
		known[c] = true
	}
	rows := make([][]string, 0, len(records))
	for i, rec := range records {
		row := make([]string, len(columns))
		for k := range rec {
			if !known[k] {
				return nil, fmt.Errorf("%s record %d: unknown key %q (%s keys: %s)", what, i+1, k, what, strings.Join(columns, ", "))
			}
		}
		for j, c := range columns {
			cell, err := jsonCell(rec[c])
			if err != nil {
				return nil, fmt.Errorf("%s record %d: %s: %w", what, i+1, c, err)
			}
			row[j] = cell
		}
		rows = append(rows, row)
	}
	var buf bytes.Buffer
	if err := crmcsv.Write(&buf, columns, rows); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// jsonCell writes a JSON value as a CSV cell: a string as it is, a number
// as written, a list of strings joined with crmcsv.ListSeparator.
func jsonCell(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	switch raw[0] {
	case '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case '[':
		var list []string
		if err := json.Unmarshal(raw, &list); err != nil {
			return "", errors.New("want a list of strings")
		}
		return crmcsv.JoinList(list), nil
	case '{':
		return "", errors.New("want a string, a number or a list")
	}
	var n json.Number
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&n); err != nil {
		return "", errors.New("want a string, a number or a list")
	}
	return n.String(), nil
}

// asRecords rewrites the line errors of a list read as CSV (asCSV) to name
// the record: line 2 of the CSV is record 1 of the list.
func asRecords(err error, what string) error {
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		list := joined.Unwrap()
		out := make([]error, len(list))
		for i, e := range list {
			out[i] = asRecords(e, what)
		}
		return errors.Join(out...)
	}
	if le, ok := err.(*crmcsv.LineError); ok && le.Line > 1 {
		return fmt.Errorf("%s %s record %d: %w", le.File, what, le.Line-1, le.Err)
	}
	return err
}

// importJSON imports the companies, contacts and deals of an export in
// one transaction: all or nothing.
func importJSON(ctx context.Context, e *env, doc *jsonImport, file string, stdout io.Writer) error {
	parts := map[string][]byte{}
	for _, p := range []struct {
		what    string
		columns []string
		records []map[string]json.RawMessage
	}{{"companies", crmcsv.CompanyColumns(), doc.Companies}, {"contacts", crmcsv.ContactColumns(), doc.Contacts},
		{"deals", crmcsv.DealColumns(), doc.Deals}} {
		data, err := asCSV(p.what, p.columns, p.records)
		if err != nil {
			return fmt.Errorf("import json: nothing imported: %s: %w", file, err)
		}
		parts[p.what] = data
	}
	companies, err := crmcsv.ReadCompanies(bytes.NewReader(parts["companies"]), file)
	if err != nil {
		return badImport("json", asRecords(err, "companies"))
	}
	people, err := crmcsv.ReadContacts(bytes.NewReader(parts["contacts"]), file, userChecks(e))
	if err != nil {
		return badImport("json", asRecords(err, "contacts"))
	}
	known, err := e.store.ContactAddresses(ctx)
	if err != nil {
		return fmt.Errorf("import json: %w", err)
	}
	for _, p := range people {
		known[p.Address] = true
	}
	deals, err := crmcsv.ReadDeals(bytes.NewReader(parts["deals"]), file, crmcsv.Checks{IsContact: func(a string) bool { return known[a] }})
	if err != nil {
		return badImport("json", asRecords(err, "deals"))
	}
	if err := e.store.ImportAll(ctx, companies, people, deals); err != nil {
		return fmt.Errorf("%s: nothing imported: %w", file, err)
	}
	fmt.Fprintf(stdout, "imported %s, %s and %s from %s (emails and intake rows are not imported: poller logs them from mail)\n",
		countOf(len(companies), "company", "companies"), countOf(len(people), "contact", "contacts"),
		countOf(len(deals), "deal", "deals"), file)
	return nil
}
