package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// taggedMessage is crmMessage sent to the log address with a plus-part.
func taggedMessage(plus, subject, id string) string {
	return strings.Replace(crmMessage("Dana <dana@prospect.example>", subject, "Tue, 3 Mar 2026 10:00:00 +0100", id),
		"Bcc: log@crm.example.com", "Bcc: log+"+plus+"@crm.example.com", 1)
}

func TestExportKeepsAndMarksPrivateEmails(t *testing.T) {
	s := newCRMSetup(t)
	s.mustRun(t, runImport, "contacts", s.file(t, "contacts.csv", crmContactsCSV))
	s.mustRun(t, runImport, "deals", s.file(t, "deals.csv", crmDealsCSV("proposal")))
	s.record(t, taggedMessage("private+deal-d-3", "Secret", "s1@example.com"), crmMessage("Dana <dana@prospect.example>", "Open", "Tue, 3 Mar 2026 11:00:00 +0100", "o1@example.com"))

	var doc struct {
		Emails []struct {
			Subject string  `json:"subject"`
			Private *bool   `json:"private"`
			Deals   []int64 `json:"deals"`
		} `json:"emails"`
		Deals []struct {
			ID         int64  `json:"id"`
			ExternalID string `json:"external_id"`
		} `json:"deals"`
	}
	if err := json.Unmarshal([]byte(s.mustRun(t, runExport)), &doc); err != nil {
		t.Fatal(err)
	}
	var d3 int64
	for _, d := range doc.Deals {
		if d.ExternalID == "D-3" {
			d3 = d.ID
		}
	}
	if len(doc.Emails) != 2 {
		t.Fatalf("export: %d emails, want both", len(doc.Emails))
	}
	for _, e := range doc.Emails {
		want := e.Subject == "Secret"
		if e.Private == nil || *e.Private != want {
			t.Errorf("export: %q private = %v, want %v", e.Subject, e.Private, want)
		}
		if want && (len(e.Deals) != 1 || e.Deals[0] != d3) {
			t.Errorf("export: %q deals = %v, want deal D-3 (%d) alone", e.Subject, e.Deals, d3)
		}
	}

	dir := filepath.Join(s.dir, "out")
	s.mustRun(t, runExport, "--out", dir)
	data, err := os.ReadFile(filepath.Join(dir, "emails.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("emails.csv = %q, %v", data, err)
	}
	col := -1
	for i, h := range rows[0] {
		if h == "private" {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("emails.csv has no private column: %v", rows[0])
	}
	for _, r := range rows[1:] {
		if want := map[bool]string{true: "true", false: "false"}[r[4] == "Secret"]; r[col] != want {
			t.Errorf("emails.csv: %q private = %q, want %q", r[4], r[col], want)
		}
	}
}

func TestExplainShowsTags(t *testing.T) {
	s := newCRMSetup(t)
	for _, tc := range []struct {
		plus string
		want string // the tags object; "" for none
	}{
		{"private+deal-D-42+acme", `{"deal":"D-42","private":true,"unknown":["acme"]}`},
		{"deal-7", `{"deal":"7"}`},
		{"", ``},
	} {
		msg := taggedMessage(tc.plus, "Hello", "e1@example.com")
		if tc.plus == "" {
			msg = crmMessage("Dana <dana@prospect.example>", "Hello", "Tue, 3 Mar 2026 10:00:00 +0100", "e1@example.com")
		}
		path := s.file(t, "m.eml", msg)
		var stdout, stderr bytes.Buffer
		if err := runExplain(context.Background(), []string{"--config", s.config, "--json", path}, &stdout, &stderr); err != nil {
			t.Fatalf("explain: %v\n%s", err, stderr.String())
		}
		var out map[string]json.RawMessage
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		if got := string(out["tags"]); got != tc.want {
			t.Errorf("explain log+%s@: tags = %s, want %s", tc.plus, got, tc.want)
		}
		stdout.Reset()
		if err := runExplain(context.Background(), []string{"--config", s.config, path}, &stdout, &stderr); err != nil {
			t.Fatal(err)
		}
		if has := strings.Contains(stdout.String(), "  tags: "); has != (tc.want != "") {
			t.Errorf("explain log+%s@ summary:\n%s", tc.plus, stdout.String())
		}
	}
}
