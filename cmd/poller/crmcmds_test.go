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
	"slices"
	"strings"
	"testing"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/ingest"
	"github.com/poller-crm/poller/pkg/sqlite"
)

// crmSetup is a store in a temporary folder, used with the example config.
type crmSetup struct {
	dir, config, db string
}

func newCRMSetup(t *testing.T) crmSetup {
	t.Helper()
	config, err := filepath.Abs("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	return crmSetup{dir: dir, config: config, db: filepath.Join(dir, "data", "poller.db")}
}

// file writes a file into the setup's folder and returns its path.
func (s crmSetup) file(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(s.dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

type crmCommand func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// run runs a subcommand with --config and --db and returns its output.
func (s crmSetup) run(t *testing.T, cmd crmCommand, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	args = append(args, "--config", s.config, "--db", s.db)
	err := cmd(context.Background(), args, &stdout, &stderr)
	if stderr.Len() > 0 {
		t.Logf("stderr: %s", stderr.String())
	}
	return stdout.String(), err
}

func (s crmSetup) mustRun(t *testing.T, cmd crmCommand, args ...string) string {
	t.Helper()
	out, err := s.run(t, cmd, args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return out
}

// count counts rows in the store with a query of its own.
func (s crmSetup) count(t *testing.T, query string) int {
	t.Helper()
	st, err := sqlite.Open(context.Background(), s.db, crmstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var n int
	if err := st.DB().QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// record processes raw messages with the example config's rules and
// records them, as the worker does.
func (s crmSetup) record(t *testing.T, raws ...string) {
	t.Helper()
	ctx := context.Background()
	cfg, rules, err := loadConfig(s.config)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, s.db, crmstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.SyncUsers(ctx, cfg.crmUsers()); err != nil {
		t.Fatal(err)
	}
	items := make([]ingest.Item, len(raws))
	for i, raw := range raws {
		items[i] = ingest.Process(rules, ingest.Origin{Path: fmt.Sprintf("m%d.eml", i)}, []byte(raw))
	}
	res, err := st.Record(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Outcome == ingest.OutcomeFailed {
			t.Fatalf("message %d failed: %v", i, r.Err)
		}
	}
}

// crmMessage is a message alice BCCs to the log address.
func crmMessage(to, subject, date, id string) string {
	return "From: Alice Rossi <alice@example.com>\r\nTo: " + to + "\r\nBcc: log@crm.example.com\r\nSubject: " + subject +
		"\r\nDate: " + date + "\r\nMessage-ID: <" + id + ">\r\n\r\nbody of " + subject + "\r\n"
}

const (
	crmCompaniesCSV = "\uFEFFDomain,Name\r\nprospect.example,\"Prospect, Inc.\"\r\nglobex.example,Globex\r\n"
	crmContactsCSV  = "email,name,company,owner\n" +
		"dana@prospect.example,Dana Scully,prospect.example,alice@example.com\n" +
		"fox@prospect.example,Fox Mulder,,bob@example.com\n" +
		"hank@globex.example,Hank Scorpio,globex.example,\n"
)

// crmDealsCSV is seven deals for dana (and one also for fox), with stage
// for every deal set to stage.
func crmDealsCSV(stage string) string {
	var b strings.Builder
	b.WriteString("id,name,stage,status,amount,company,contacts,created_at,updated_at\n")
	for i := 1; i <= 7; i++ {
		contacts := "dana@prospect.example"
		if i == 7 {
			contacts += ";fox@prospect.example"
		}
		status := "open"
		if i == 6 {
			status = "won"
		}
		fmt.Fprintf(&b, "D-%d,Deal %d,%s,%s,%d.50,prospect.example,%s,2026-01-0%d,2026-02-0%d 10:00\n", i, i, stage, status, i*100, contacts, i, i)
	}
	return b.String()
}

func TestImportCompaniesContactsDeals(t *testing.T) {
	s := newCRMSetup(t)
	companies := s.file(t, "companies.csv", crmCompaniesCSV)
	if got, want := s.mustRun(t, runImport, "companies", companies), "imported 2 companies from "+companies+"\n"; got != want {
		t.Errorf("import companies printed %q, want %q", got, want)
	}
	contacts := s.file(t, "contacts.csv", crmContactsCSV)
	if got, want := s.mustRun(t, runImport, "contacts", contacts), "imported 3 contacts from "+contacts+"\n"; got != want {
		t.Errorf("import contacts printed %q, want %q", got, want)
	}
	if n := s.count(t, `SELECT count(*) FROM contacts c JOIN users u ON u.id = c.owner_user_id
		WHERE c.address = 'dana@prospect.example' AND u.email = 'alice@example.com' AND c.source = 'import'`); n != 1 {
		t.Errorf("dana is not owned by alice")
	}
	if n := s.count(t, `SELECT count(*) FROM companies WHERE domain = 'prospect.example' AND name = 'Prospect, Inc.'`); n != 1 {
		t.Errorf("the company's quoted name was not imported")
	}

	deals := s.file(t, "deals.csv", crmDealsCSV("proposal"))
	if got, want := s.mustRun(t, runImport, "deals", deals), "imported 7 deals from "+deals+"\n"; got != want {
		t.Errorf("import deals printed %q, want %q", got, want)
	}
	if n := s.count(t, `SELECT count(*) FROM deal_contacts dc JOIN contacts c ON c.id = dc.contact_id WHERE c.address = 'dana@prospect.example'`); n != 7 {
		t.Errorf("dana has %d deals, want 7", n)
	}
	// Re-importing the same ids updates the deals instead of adding them.
	again := s.file(t, "deals2.csv", crmDealsCSV("negotiation"))
	s.mustRun(t, runImport, "deals", again)
	if n := s.count(t, `SELECT count(*) FROM deals`); n != 7 {
		t.Errorf("after a re-import there are %d deals, want 7", n)
	}
	if n := s.count(t, `SELECT count(*) FROM deals WHERE stage = 'negotiation'`); n != 7 {
		t.Errorf("the re-import updated %d deals' stage, want 7", n)
	}
	if n := s.count(t, `SELECT count(*) FROM deals WHERE external_id = 'D-6' AND status = 'won' AND amount = 600.5`); n != 1 {
		t.Errorf("deal D-6 lost its status or amount")
	}
	if n := s.count(t, `SELECT count(*) FROM deal_contacts`); n != 8 {
		t.Errorf("deal_contacts = %d rows, want 8", n)
	}

	// A header-only file imports nothing, and says so.
	empty := s.file(t, "none.csv", "domain,name\r\n")
	if got, want := s.mustRun(t, runImport, "companies", empty), "imported 0 companies from "+empty+"\n"; got != want {
		t.Errorf("header-only import printed %q, want %q", got, want)
	}
}

func TestImportBadFileLeavesTheStoreUnchanged(t *testing.T) {
	s := newCRMSetup(t)
	s.mustRun(t, runImport, "contacts", s.file(t, "contacts.csv", crmContactsCSV))
	s.mustRun(t, runImport, "deals", s.file(t, "deals.csv", crmDealsCSV("proposal")))
	tables := []string{"companies", "contacts", "deals", "deal_contacts"}
	before := map[string]int{}
	for _, tb := range tables {
		before[tb] = s.count(t, "SELECT count(*) FROM "+tb)
	}

	tests := []struct {
		kind, name, content string
		want                []string
	}{
		{"contacts", "contacts-bad.csv",
			"email,name,owner\nnew1@prospect.example,New,alice@example.com\nnew2@prospect.example,,\n" +
				"new3@prospect.example,,\nnew4@prospect.example,,\nnew5@prospect.example,,\nbob@,,\nnew6@x.example,,mallory@example.com\n",
			[]string{`contacts-bad.csv line 7: email "bob@" is not an address`,
				`contacts-bad.csv line 8: owner "mallory@example.com" is not a user`}},
		{"deals", "deals-bad.csv",
			"id,name,status,amount,contacts\nD-1,Changed,open,5,dana@prospect.example\nD-99,New,maybe,5,\nD-98,New,open,\"1,5\",\nD-97,New,open,,ghost@prospect.example\n",
			[]string{`deals-bad.csv line 3: status "maybe" is not open, won or lost`,
				`deals-bad.csv line 4: amount "1,5" is not a number`,
				`deals-bad.csv line 5: contacts: no contact ghost@prospect.example`}},
		{"deals", "deals-date.csv", "name,created_at\nX,yesterday\n", []string{`deals-date.csv line 2: created_at "yesterday" is not a date`}},
		{"companies", "companies-col.csv", "domain,name,industry\na.example,A,saas\n", []string{`companies-col.csv line 1: unknown column "industry"`}},
		{"contacts", "contacts-req.csv", "name,company\nX,a.example\n", []string{`contacts-req.csv line 1: required column "address" (or "email") is missing`}},
		{"companies", "empty.csv", "", []string{"empty.csv: the file is empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := s.file(t, tt.name, tt.content)
			out, err := s.run(t, runImport, tt.kind, path)
			if err == nil {
				t.Fatalf("import of a bad file succeeded: %q", out)
			}
			if out != "" {
				t.Errorf("a failed import printed %q", out)
			}
			msg := strings.ReplaceAll(err.Error(), s.dir+string(filepath.Separator), "")
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error =\n%s\nwant it to contain %q", msg, w)
				}
			}
			if !strings.Contains(msg, "nothing imported") {
				t.Errorf("error does not say that nothing was imported: %s", msg)
			}
			for _, tb := range tables {
				if n := s.count(t, "SELECT count(*) FROM "+tb); n != before[tb] {
					t.Errorf("%s: %d rows after the failed import, %d before", tb, n, before[tb])
				}
			}
		})
	}
	if n := s.count(t, `SELECT count(*) FROM deals WHERE name = 'Changed'`); n != 0 {
		t.Errorf("a good row of a bad file was imported")
	}
}

func TestImportUsage(t *testing.T) {
	s := newCRMSetup(t)
	csv := s.file(t, "c.csv", "domain\na.example\n")
	for _, args := range [][]string{
		{},
		{"people", csv},
		{"companies"},
		{"companies", csv, csv},
	} {
		_, err := s.run(t, runImport, args...)
		var u usageError
		if !errors.As(err, &u) {
			t.Errorf("import %v: error %v, want a usage error", args, err)
		}
	}
	_, err := s.run(t, runImport, "companies", filepath.Join(s.dir, "missing.csv"))
	if err == nil || !strings.Contains(err.Error(), "missing.csv") {
		t.Errorf("import of a missing file: %v", err)
	}
}

// exportKeys are the documented keys of each kind of exported object.
var exportKeys = map[string][]string{
	"companies": {"domain", "name"},
	"contacts":  {"address", "company", "created_at", "name", "owner", "source"},
	"deals":     {"company", "contacts", "created_at", "id", "name", "stage", "status", "updated_at"}, // + external_id, amount
	"emails": {"attachments", "attributed_user", "cc", "companies", "contacts", "date", "deals", "from", "id", "kind",
		"message_id", "private", "subject", "thread_id", "to"}, // + original_message_id, note, attachment_note, body_text, body_html
	"intake": {"detail", "id", "message_id", "origin", "outcome", "processed_at"}, // + reason, email_id
}

var exportOptional = map[string][]string{
	"deals":  {"external_id", "amount"},
	"emails": {"original_message_id", "note", "attachment_note", "body_text", "body_html"},
	"intake": {"reason", "email_id"},
}

func checkExportKeys(t *testing.T, entity string, obj map[string]any) {
	t.Helper()
	var keys []string
	for k := range obj {
		if !slices.Contains(exportOptional[entity], k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if !slices.Equal(keys, exportKeys[entity]) {
		t.Errorf("%s keys = %v, want %v (optional: %v)", entity, keys, exportKeys[entity], exportOptional[entity])
	}
}

func TestExportEmptyStoreJSON(t *testing.T) {
	s := newCRMSetup(t)
	store, err := sqlite.Open(context.Background(), s.db, crmstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	out := s.mustRun(t, runExport)
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("export is not one JSON document: %v\n%s", err, out)
	}
	for _, k := range []string{"companies", "contacts", "deals", "emails", "intake"} {
		if got := string(doc[k]); got != "[]" {
			t.Errorf("%s = %s, want []", k, got)
		}
	}
	if len(doc) != 5 {
		t.Errorf("export has keys %v, want the five lists", doc)
	}
}

func TestExportJSON(t *testing.T) {
	s := newCRMSetup(t)
	s.mustRun(t, runImport, "contacts", s.file(t, "contacts.csv", crmContactsCSV))
	s.mustRun(t, runImport, "deals", s.file(t, "deals.csv", crmDealsCSV("proposal")))
	s.record(t,
		crmMessage("Dana <dana@prospect.example>", "Pricing", "Tue, 3 Mar 2026 10:00:00 +0100", "p1@example.com"),
		"From: dana@prospect.example\r\nTo: log@crm.example.com\r\nSubject: hi\r\n\r\nhello\r\n")

	out := s.mustRun(t, runExport, "--format", "json")
	if strings.Contains(out, "null") {
		t.Errorf("export contains null:\n%s", out)
	}
	var doc map[string][]map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("export is not one JSON document: %v", err)
	}
	for entity, objs := range doc {
		for _, o := range objs {
			checkExportKeys(t, entity, o)
		}
	}
	if n := len(doc["deals"]); n != 7 {
		t.Errorf("deals = %d, want 7", n)
	}
	if d := doc["deals"][0]; d["external_id"] != "D-1" || d["amount"] != 100.5 || d["created_at"] != "2026-01-01T00:00:00Z" {
		t.Errorf("deal = %v", d)
	}
	if len(doc["emails"]) != 1 {
		t.Fatalf("emails = %v", doc["emails"])
	}
	e := doc["emails"][0]
	if e["date"] != "2026-03-03T10:00:00+01:00" || e["subject"] != "Pricing" || e["attributed_user"] != "alice@example.com" {
		t.Errorf("email = %v", e)
	}
	if from, _ := e["from"].(map[string]any); from["address"] != "alice@example.com" || from["name"] != "Alice Rossi" {
		t.Errorf("email from = %v", e["from"])
	}
	if got := fmt.Sprint(e["contacts"], e["companies"], len(e["deals"].([]any))); got != "[dana@prospect.example] [prospect.example] 5" {
		t.Errorf("email associations = %s, want dana, her company and her five most recent open deals", got)
	}
	if _, ok := e["body_text"]; ok {
		t.Errorf("bodies exported without --bodies")
	}
	var origins []string
	for _, in := range doc["intake"] {
		origins = append(origins, fmt.Sprintf("%v %v %v", in["outcome"], in["origin"], in["email_id"] != nil))
	}
	if got, want := strings.Join(origins, "; "), "logged map[path:m0.eml] true; rejected map[path:m1.eml] false"; got != want {
		t.Errorf("intake = %s, want %s", got, want)
	}

	out = s.mustRun(t, runExport, "--bodies")
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if body, _ := doc["emails"][0]["body_text"].(string); !strings.Contains(body, "body of Pricing") {
		t.Errorf("--bodies body_text = %q", body)
	}
	if _, ok := doc["emails"][0]["body_html"]; !ok {
		t.Errorf("--bodies has no body_html key")
	}
}

func TestExportFiles(t *testing.T) {
	s := newCRMSetup(t)
	s.mustRun(t, runImport, "contacts", s.file(t, "contacts.csv", crmContactsCSV))
	s.mustRun(t, runImport, "deals", s.file(t, "deals.csv", crmDealsCSV("proposal")))
	s.record(t, "From: alice@example.com\r\nTo: dana@prospect.example\r\nBcc: log@crm.example.com\r\nMessage-ID: <f1@example.com>\r\n"+
		"Subject: files\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"+
		"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=quote.pdf\r\n\r\n%PDF-1.4\r\n--b--\r\n")

	dir := filepath.Join(s.dir, "out")
	out := s.mustRun(t, runExport, "--out", dir)
	if want := "exported 2 companies, 3 contacts, 7 deals, 1 email and 1 intake row to " + dir; !strings.HasPrefix(out, want) {
		t.Errorf("export printed %q", out)
	}
	headers := map[string]string{
		"companies.csv":   "domain,name",
		"contacts.csv":    "address,name,company,owner,source,created_at",
		"deals.csv":       "id,external_id,name,stage,status,amount,company,contacts,created_at,updated_at",
		"emails.csv":      "id,kind,message_id,original_message_id,subject,date,from_name,from_address,to,cc,attributed_user,thread_id,note,attachment_note,contacts,companies,deals,private",
		"intake.csv":      "id,outcome,reason,detail,message_id,email_id,path,mailbox,uidvalidity,uid,processed_at",
		"attachments.csv": "email_id,name,type,size,sha256",
	}
	rows := map[string]int{"companies.csv": 3, "contacts.csv": 4, "deals.csv": 8, "emails.csv": 2, "intake.csv": 2, "attachments.csv": 2}
	for name, header := range headers {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		if lines[0] != header {
			t.Errorf("%s header = %s, want %s", name, lines[0], header)
		}
		if len(lines) != rows[name] {
			t.Errorf("%s has %d lines, want %d", name, len(lines), rows[name])
		}
		if st, err := os.Stat(filepath.Join(dir, name)); err == nil && st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v, want 0600: an export holds personal data", name, st.Mode().Perm())
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	deals, _ := os.ReadFile(filepath.Join(dir, "deals.csv"))
	if !strings.Contains(string(deals), ",D-7,Deal 7,proposal,open,700.5,prospect.example,dana@prospect.example;fox@prospect.example,2026-01-07T00:00:00Z,") {
		t.Errorf("deals.csv =\n%s", deals)
	}

	jdir := filepath.Join(s.dir, "json")
	s.mustRun(t, runExport, "--format", "json", "--out", jdir)
	for _, name := range []string{"companies", "contacts", "deals", "emails", "intake"} {
		data, err := os.ReadFile(filepath.Join(jdir, name+".json"))
		if err != nil {
			t.Errorf("%s.json: %v", name, err)
			continue
		}
		var list []map[string]any
		if err := json.Unmarshal(data, &list); err != nil {
			t.Errorf("%s.json is not a JSON list: %v", name, err)
		}
	}
}

func TestExportUsage(t *testing.T) {
	s := newCRMSetup(t)
	for _, args := range [][]string{
		{"--format", "csv"},
		{"--format", "xml"},
		{"contacts"},
	} {
		_, err := s.run(t, runExport, args...)
		var u usageError
		if !errors.As(err, &u) {
			t.Errorf("export %v: error %v, want a usage error", args, err)
		}
	}
	_, err := s.run(t, runExport, "--format", "csv")
	if err == nil || !strings.Contains(err.Error(), "--out DIR") {
		t.Errorf("--format csv without --out: %v, want it to explain --out", err)
	}
}

func TestShowContact(t *testing.T) {
	s := newCRMSetup(t)
	s.mustRun(t, runImport, "companies", s.file(t, "companies.csv", crmCompaniesCSV))
	s.mustRun(t, runImport, "contacts", s.file(t, "contacts.csv", crmContactsCSV))
	s.mustRun(t, runImport, "deals", s.file(t, "deals.csv", crmDealsCSV("proposal")))
	s.record(t,
		crmMessage("dana@prospect.example", "Older\tsubject", "Mon, 2 Mar 2026 09:00:00 +0000", "s1@example.com"),
		crmMessage("dana@prospect.example", "Newest subject", "Wed, 4 Mar 2026 09:00:00 +0000", "s3@example.com"),
		crmMessage("dana@prospect.example", "Middle subject", "Tue, 3 Mar 2026 09:00:00 +0000", "s2@example.com"),
		crmMessage("fox@prospect.example", "Fox only", "Thu, 5 Mar 2026 09:00:00 +0000", "s4@example.com"))

	out := s.mustRun(t, runShow, "contact", "Dana@Prospect.example")
	for _, want := range []string{
		"Dana Scully <dana@prospect.example>",
		"company:  prospect.example (Prospect, Inc.)",
		"owner:    alice@example.com (Alice Rossi)",
		"source:   import, since ",
		"open deals (6, most recently updated first):",
		"emails (3, newest first):",
		"2026-03-04 10:00 CET  bcc   Newest subject  alice@example.com", // the config's time zone
		"Older subject",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show contact output lacks %q:\n%s", want, out)
		}
	}
	newest, middle, older := strings.Index(out, "Newest subject"), strings.Index(out, "Middle subject"), strings.Index(out, "Older subject")
	if !(newest < middle && middle < older) {
		t.Errorf("timeline is not newest first:\n%s", out)
	}
	if strings.Contains(out, "Fox only") || strings.Contains(out, "Deal 6 ") {
		t.Errorf("show contact shows another contact's email or a won deal:\n%s", out)
	}
	deal7, deal1 := strings.Index(out, "Deal 7"), strings.Index(out, "Deal 1")
	if !(deal7 >= 0 && deal7 < deal1) || !strings.Contains(out, "700.50") {
		t.Errorf("open deals are not most recently updated first, with amounts:\n%s", out)
	}

	_, err := s.run(t, runShow, "contact", "nobody@prospect.example")
	if err == nil || err.Error() != "no contact nobody@prospect.example in "+s.db {
		t.Errorf("show of an unknown contact: %v", err)
	}
	var u usageError
	for _, args := range [][]string{{}, {"deal", "x"}, {"contact"}} {
		if _, err := s.run(t, runShow, args...); !errors.As(err, &u) {
			t.Errorf("show %v: error %v, want a usage error", args, err)
		}
	}
}

func TestExportAndShowRefuseAMissingDatabase(t *testing.T) {
	s := newCRMSetup(t)
	for _, cmd := range []struct {
		run  crmCommand
		args []string
	}{{runExport, nil}, {runShow, []string{"contact", "x@y.example"}}} {
		if _, err := s.run(t, cmd.run, cmd.args...); err == nil || !strings.Contains(err.Error(), "no database at") {
			t.Errorf("error = %v, want a missing database reported", err)
		}
	}
	if _, err := os.Stat(s.db); err == nil {
		t.Error("a read-only command created the database")
	}
}
