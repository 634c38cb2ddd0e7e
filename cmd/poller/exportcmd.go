package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/poller-crm/poller/pkg/crmcsv"
	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/email"
)

// runExport implements "poller export [--config FILE] [--db PATH] [--format
// json|csv] [--out DIR] [--bodies]": the whole store as one JSON document on
// stdout, or one file per entity in DIR.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	format := fs.String("format", "", "json or csv (default: json on stdout; csv with --out)")
	out := fs.String("out", "", "write one file per entity into this folder instead of stdout")
	bodies := fs.Bool("bodies", false, "include the emails' text and HTML bodies")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("export: unexpected argument %q", pos[0])
	}
	switch *format {
	case "":
		*format = "json"
		if *out != "" {
			*format = "csv"
		}
	case "json", "csv":
	default:
		return usagef("export: --format %q: want json or csv", *format)
	}
	if *format == "csv" && *out == "" {
		return usagef("export: --format csv writes one file per entity (companies.csv, contacts.csv, ...): give the folder with --out DIR")
	}
	store, err := openReadOnly(ctx, sf)
	if err != nil {
		return err
	}
	defer store.Close()
	var x *crmstore.Export
	if *bodies {
		x, err = store.ExportWithBodies(ctx)
	} else {
		x, err = store.Export(ctx)
	}
	if err != nil {
		return err
	}
	doc := newExportDoc(x, *bodies)
	if *out == "" {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			return fmt.Errorf("export: write: %w", err)
		}
		return nil
	}
	if err := os.MkdirAll(*out, 0o750); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	var files []string
	if *format == "csv" {
		files, err = writeExportCSV(*out, x, *bodies)
	} else {
		files, err = writeExportJSON(*out, doc)
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	fmt.Fprintf(stdout, "exported %s, %s, %s, %s and %s to %s (%s)\n",
		countOf(len(x.Companies), "company", "companies"), countOf(len(x.Contacts), "contact", "contacts"),
		countOf(len(x.Deals), "deal", "deals"), countOf(len(x.Emails), "email", "emails"),
		countOf(len(x.Intake), "intake row", "intake rows"), *out, strings.Join(files, ", "))
	return nil
}

// openReadOnly opens the store of --db, else of the config's store,
// for reading only: export works while the daemon holds the write lock,
// and changes nothing (not even the users table).
func openReadOnly(ctx context.Context, sf storeFlags) (*crmstore.Store, error) {
	if sf.config == "" && sf.db == "" {
		return nil, usagef("--config FILE is required")
	}
	target := dbTarget(sf.db)
	if sf.db == "" {
		cfg, _, err := loadConfig(sf.config)
		if err != nil {
			return nil, err
		}
		if target, err = cfg.storeTarget(); err != nil {
			return nil, err
		}
	}
	if !target.postgres() {
		if _, err := os.Stat(target.path); err != nil {
			return nil, fmt.Errorf("no database at %s (give --db, or --config whose store.path names it): %w", target.path, err)
		}
	}
	return openStoreReadOnly(ctx, target, crmstore.Options{})
}

// exportDoc is the JSON contract of "poller export": every list is [],
// never null; optional fields are omitted when empty.
type exportDoc struct {
	Companies []exportCompany `json:"companies"`
	Contacts  []exportContact `json:"contacts"`
	Deals     []exportDeal    `json:"deals"`
	Emails    []exportEmail   `json:"emails"`
	Intake    []exportIntake  `json:"intake"`
}

// exportCompany, exportContact and exportDeal have the keys of
// crmcsv's columns, in their order (TestExportJSONKeysAreTheColumns):
// "poller import json" reads them back through the CSV readers.
type exportCompany struct {
	Domain string `json:"domain"`
	Name   string `json:"name"`
}

type exportContact struct {
	Address   string `json:"address"`
	Name      string `json:"name"`
	Company   string `json:"company"`
	Owner     string `json:"owner"`
	Source    string `json:"source"`
	CreatedAt string `json:"created_at"`
}

type exportDeal struct {
	ID         int64    `json:"id"`
	ExternalID string   `json:"external_id,omitempty"`
	Name       string   `json:"name"`
	Stage      string   `json:"stage"`
	Status     string   `json:"status"`
	Amount     *float64 `json:"amount,omitempty"`
	Company    string   `json:"company"`
	Contacts   []string `json:"contacts"`
	CreatedAt  string   `json:"created_at"`
	UpdatedAt  string   `json:"updated_at"`
}

type exportAddress struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

type exportAttachment struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

type exportEmail struct {
	ID                int64              `json:"id"`
	Kind              string             `json:"kind"`
	MessageID         string             `json:"message_id"`
	OriginalMessageID string             `json:"original_message_id,omitempty"`
	Subject           string             `json:"subject"`
	Date              string             `json:"date"`
	From              exportAddress      `json:"from"`
	To                []exportAddress    `json:"to"`
	Cc                []exportAddress    `json:"cc"`
	AttributedUser    string             `json:"attributed_user"`
	Private           bool               `json:"private"` // log+private@: the web app shows it to its user and admins only
	ThreadID          int64              `json:"thread_id"`
	Note              string             `json:"note,omitempty"`
	AttachmentNote    string             `json:"attachment_note,omitempty"`
	BodyText          *string            `json:"body_text,omitempty"` // with --bodies only
	BodyHTML          *string            `json:"body_html,omitempty"`
	Contacts          []string           `json:"contacts"`
	Companies         []string           `json:"companies"`
	Deals             []int64            `json:"deals"`
	Attachments       []exportAttachment `json:"attachments"`
}

type exportIntake struct {
	ID          int64  `json:"id"`
	Outcome     string `json:"outcome"`
	Reason      string `json:"reason,omitempty"`
	Detail      string `json:"detail"`
	MessageID   string `json:"message_id"`
	EmailID     *int64 `json:"email_id,omitempty"`
	Origin      any    `json:"origin"` // exportFileOrigin or exportIMAPOrigin
	ProcessedAt string `json:"processed_at"`
}

type exportFileOrigin struct {
	Path string `json:"path"`
}

type exportIMAPOrigin struct {
	Mailbox     string `json:"mailbox"`
	UIDValidity uint32 `json:"uidvalidity"`
	UID         uint32 `json:"uid"`
}

func newExportDoc(x *crmstore.Export, bodies bool) exportDoc {
	doc := exportDoc{
		Companies: make([]exportCompany, 0, len(x.Companies)),
		Contacts:  make([]exportContact, 0, len(x.Contacts)),
		Deals:     make([]exportDeal, 0, len(x.Deals)),
		Emails:    make([]exportEmail, 0, len(x.Emails)),
		Intake:    make([]exportIntake, 0, len(x.Intake)),
	}
	for _, c := range x.Companies {
		doc.Companies = append(doc.Companies, exportCompany{Domain: c.Domain, Name: c.Name})
	}
	for _, c := range x.Contacts {
		doc.Contacts = append(doc.Contacts, exportContact{Address: c.Address, Name: c.Name, Company: c.Company,
			Owner: c.Owner, Source: c.Source, CreatedAt: exportTime(c.CreatedAt)})
	}
	for _, d := range x.Deals {
		doc.Deals = append(doc.Deals, exportDeal{ID: d.ID, ExternalID: d.ExternalID, Name: d.Name, Stage: d.Stage,
			Status: d.Status, Amount: d.Amount, Company: d.Company, Contacts: nonNil(d.Contacts),
			CreatedAt: exportTime(d.CreatedAt), UpdatedAt: exportTime(d.UpdatedAt)})
	}
	for _, m := range x.Emails {
		e := exportEmail{ID: m.ID, Kind: m.Kind, MessageID: m.MessageID, OriginalMessageID: m.OriginalMessageID,
			Subject: m.Subject, Date: emailDate(m.Date), From: exportAddress{Name: m.From.Name, Address: m.From.Address},
			To: exportAddresses(m.To), Cc: exportAddresses(m.Cc), AttributedUser: m.AttributedUser, Private: m.Private, ThreadID: m.ThreadID,
			Note: m.Note, AttachmentNote: m.AttachmentNote,
			Contacts: nonNil(m.Contacts), Companies: nonNil(m.Companies), Deals: nonNil(m.Deals),
			Attachments: make([]exportAttachment, 0, len(m.Attachments))}
		if bodies {
			text, html := m.BodyText, m.BodyHTML
			e.BodyText, e.BodyHTML = &text, &html
		}
		for _, a := range m.Attachments {
			e.Attachments = append(e.Attachments, exportAttachment{Name: a.Name, Type: a.ContentType, Size: a.Size, SHA256: a.SHA256})
		}
		doc.Emails = append(doc.Emails, e)
	}
	for _, r := range x.Intake {
		in := exportIntake{ID: r.ID, Outcome: r.Outcome, Reason: r.Reason, Detail: r.Detail, MessageID: r.MessageID,
			ProcessedAt: exportTime(r.ProcessedAt)}
		if r.EmailID != 0 {
			id := r.EmailID
			in.EmailID = &id
		}
		if r.Origin.Mailbox != "" {
			in.Origin = exportIMAPOrigin{Mailbox: r.Origin.Mailbox, UIDValidity: r.Origin.UIDValidity, UID: r.Origin.UID}
		} else {
			in.Origin = exportFileOrigin{Path: r.Origin.Path}
		}
		doc.Intake = append(doc.Intake, in)
	}
	return doc
}

func exportAddresses(list []email.Address) []exportAddress {
	out := make([]exportAddress, len(list))
	for i, a := range list {
		out[i] = exportAddress{Name: a.Name, Address: a.Address}
	}
	return out
}

func nonNil[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}

// exportTime writes a store time: RFC 3339, UTC.
func exportTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// emailDate writes an email's date with the offset the message gave; ""
// when it gave none.
func emailDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// writeExportJSON writes each list of doc to its own file in dir.
func writeExportJSON(dir string, doc exportDoc) ([]string, error) {
	parts := []struct {
		name string
		v    any
	}{
		{"companies.json", doc.Companies}, {"contacts.json", doc.Contacts}, {"deals.json", doc.Deals},
		{"emails.json", doc.Emails}, {"intake.json", doc.Intake},
	}
	var names []string
	for _, p := range parts {
		data, err := json.MarshalIndent(p.v, "", "  ")
		if err != nil {
			return names, fmt.Errorf("%s: %w", p.name, err)
		}
		data = append(data, '\n')
		if err := writeFileAtomic(filepath.Join(dir, p.name), func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
			return names, err
		}
		names = append(names, p.name)
	}
	return names, nil
}

// writeExportCSV writes one CSV file per entity in dir, attachments in
// their own file; list-valued cells are joined with ";".
func writeExportCSV(dir string, x *crmstore.Export, bodies bool) ([]string, error) {
	type table struct {
		name   string
		header []string
		rows   [][]string
	}
	// Companies, contacts and deals have the columns import reads back.
	companies := table{name: "companies.csv", header: crmcsv.CompanyColumns()}
	for _, c := range x.Companies {
		companies.rows = append(companies.rows, crmcsv.CompanyRow(c))
	}
	contacts := table{name: "contacts.csv", header: crmcsv.ContactColumns()}
	for _, c := range x.Contacts {
		contacts.rows = append(contacts.rows, crmcsv.ContactRow(c))
	}
	deals := table{name: "deals.csv", header: crmcsv.DealColumns()}
	for _, d := range x.Deals {
		deals.rows = append(deals.rows, crmcsv.DealRow(d))
	}
	emails := table{name: "emails.csv", header: []string{"id", "kind", "message_id", "original_message_id", "subject", "date",
		"from_name", "from_address", "to", "cc", "attributed_user", "thread_id", "note", "attachment_note",
		"contacts", "companies", "deals", "private"}}
	if bodies {
		emails.header = append(emails.header, "body_text", "body_html")
	}
	attachments := table{name: "attachments.csv", header: []string{"email_id", "name", "type", "size", "sha256"}}
	for _, e := range x.Emails {
		dealIDs := make([]string, len(e.Deals))
		for i, id := range e.Deals {
			dealIDs[i] = itoa(id)
		}
		row := []string{itoa(e.ID), e.Kind, e.MessageID, e.OriginalMessageID, e.Subject, emailDate(e.Date),
			e.From.Name, e.From.Address, joinAddresses(e.To), joinAddresses(e.Cc), e.AttributedUser, itoa(e.ThreadID),
			e.Note, e.AttachmentNote, crmcsv.JoinList(e.Contacts), crmcsv.JoinList(e.Companies), crmcsv.JoinList(dealIDs),
			strconv.FormatBool(e.Private)}
		if bodies {
			row = append(row, e.BodyText, e.BodyHTML)
		}
		emails.rows = append(emails.rows, row)
		for _, a := range e.Attachments {
			attachments.rows = append(attachments.rows, []string{itoa(a.EmailID), a.Name, a.ContentType, itoa(a.Size), a.SHA256})
		}
	}
	intake := table{name: "intake.csv", header: []string{"id", "outcome", "reason", "detail", "message_id", "email_id",
		"path", "mailbox", "uidvalidity", "uid", "processed_at"}}
	for _, r := range x.Intake {
		emailID, uidValidity, uid := "", "", ""
		if r.EmailID != 0 {
			emailID = itoa(r.EmailID)
		}
		if r.Origin.Mailbox != "" {
			uidValidity, uid = itoa(int64(r.Origin.UIDValidity)), itoa(int64(r.Origin.UID))
		}
		intake.rows = append(intake.rows, []string{itoa(r.ID), r.Outcome, r.Reason, r.Detail, r.MessageID, emailID,
			r.Origin.Path, r.Origin.Mailbox, uidValidity, uid, exportTime(r.ProcessedAt)})
	}
	var names []string
	for _, t := range []table{companies, contacts, deals, emails, intake, attachments} {
		if err := writeFileAtomic(filepath.Join(dir, t.name), func(w io.Writer) error { return crmcsv.Write(w, t.header, t.rows) }); err != nil {
			return names, err
		}
		names = append(names, t.name)
	}
	return names, nil
}

// countOf writes "1 deal" or "2 deals".
func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func joinAddresses(list []email.Address) string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.Address
	}
	return crmcsv.JoinList(out)
}

// writeFileAtomic writes path through a temporary file, so that a reader
// never sees half a file. The file is readable by its owner only: an
// export holds personal data.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
