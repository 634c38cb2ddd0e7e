package crmcsv

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/poller-crm/poller/pkg/crm"
)

// TestExportedRowsReadBack: what DealRow and ContactRow write under
// DealColumns and ContactColumns reads back as the same records.
func TestExportedRowsReadBack(t *testing.T) {
	amount := 1200.5
	created := time.Date(2026, 1, 2, 3, 4, 5, 600000000, time.UTC)
	deals := []crm.Deal{
		{ID: 3, ExternalID: "D-1", Name: "With id", Stage: "pilot", Status: crm.DealWon, Amount: &amount, Company: "a.example",
			Contacts: []string{"x@a.example", "y@a.example"}, CreatedAt: created, UpdatedAt: created.Add(time.Hour)},
		{ID: 4, Name: "=Without external id", Status: crm.DealOpen, CreatedAt: created, UpdatedAt: created},
	}
	var buf bytes.Buffer
	rows := [][]string{DealRow(deals[0]), DealRow(deals[1])}
	if err := Write(&buf, DealColumns(), rows); err != nil {
		t.Fatal(err)
	}
	got, err := ReadDeals(&buf, "deals.csv", Checks{})
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range got {
		if strings.Join(DealRow(d), "|") != strings.Join(rows[i], "|") {
			t.Errorf("deal %d read back as %q, want %q", i, DealRow(d), rows[i])
		}
	}
	if got[1].ExternalID != "" || got[1].ID != 4 {
		t.Errorf("a deal without external id read back with ID %d, external id %q; want 4 and none", got[1].ID, got[1].ExternalID)
	}

	people := []crm.Person{{Address: "x@a.example", Name: "X", Company: "a.example", Owner: "alice@example.com", Source: "bcc", CreatedAt: created}}
	buf.Reset()
	if err := Write(&buf, ContactColumns(), [][]string{ContactRow(people[0])}); err != nil {
		t.Fatal(err)
	}
	back, err := ReadContacts(&buf, "contacts.csv", Checks{})
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 1 || back[0] != people[0] {
		t.Errorf("contact read back as %+v, want %+v", back, people)
	}
}

// TestReadDealsIDs: without an external_id column, id is the deal's own
// id (kept as external id); with one, id must be a store id.
func TestReadDealsIDs(t *testing.T) {
	d, err := ReadDeals(strings.NewReader("id,name\nD-9,Other tool\n"), "x.csv", Checks{})
	if err != nil || d[0].ExternalID != "D-9" || d[0].ID != 0 {
		t.Errorf("another tool's id: %+v, %v", d, err)
	}
	_, err = ReadDeals(strings.NewReader("id,external_id,name\nD-9,,Export\n"), "x.csv", Checks{})
	if err == nil || !strings.Contains(err.Error(), `x.csv line 2: id "D-9" is not a store id`) {
		t.Errorf("an export-shaped file with a non-numeric id: %v", err)
	}
	_, err = ReadContacts(strings.NewReader("address,source\na@x.example,web\n"), "x.csv", Checks{})
	if err == nil || !strings.Contains(err.Error(), `source "web" is not bcc, forward or import`) {
		t.Errorf("an unknown source: %v", err)
	}
}
