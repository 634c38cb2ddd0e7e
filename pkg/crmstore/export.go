package crmstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/email"
	"github.com/poller-crm/poller/pkg/ingest"
)

// Export is everything in the store, as plain values: what "poller
// export" writes. Lists are sorted (companies by domain, contacts by
// address, the rest by id) and never nil.
type Export struct {
	Companies []CompanyRecord
	Contacts  []ContactRecord
	Deals     []DealRecord
	Emails    []EmailRecord
	Intake    []IntakeRecord
}

// CompanyRecord, ContactRecord and DealRecord are the CRM's own records:
// one declaration of each entity's fields, shared by import and export.
type (
	// CompanyRecord is a company.
	CompanyRecord = crm.Company
	// ContactRecord is a contact.
	ContactRecord = crm.Person
	// DealRecord is a deal with its contacts (addresses, sorted).
	DealRecord = crm.Deal
)

// EmailRecord is a logged email with its associations and attachments.
type EmailRecord struct {
	ID                int64
	Kind              string // bcc or forward
	MessageID         string
	OriginalMessageID string // forwards: the original's, when known
	Subject           string
	Date              time.Time // with the message's own offset; zero when unknown
	From              email.Address
	To, Cc            []email.Address
	AttributedUser    string // the user's primary address
	ThreadID          int64
	Note              string
	AttachmentNote    string
	// BodyText and BodyHTML are loaded by ExportWithBodies only.
	BodyText, BodyHTML string
	Contacts           []string // addresses, sorted
	Companies          []string // domains, sorted
	Deals              []int64  // ids, sorted
	Attachments        []AttachmentRecord
	// Private is set for an email logged through log+private@: the web app
	// shows it to its user and admins only.
	Private bool
}

// AttachmentRecord is the metadata of an attachment of a logged email (the
// content is a blob, by its SHA-256).
type AttachmentRecord struct {
	EmailID     int64
	Name        string
	ContentType string
	Size        int64
	SHA256      string
}

// IntakeRecord is one row of the intake log: what happened to a message
// and where it came from.
type IntakeRecord struct {
	ID          int64
	Outcome     string // logged, rejected, duplicate or failed
	Reason      string // rejections: the reason code
	Detail      string
	MessageID   string
	EmailID     int64 // 0 when no email was logged
	Origin      ingest.Origin
	ProcessedAt time.Time
}

// Export reads everything in the store but the emails' bodies, from one
// consistent snapshot.
func (s *Store) Export(ctx context.Context) (*Export, error) {
	return s.export(ctx, false)
}

// ExportWithBodies is Export with the emails' text and HTML bodies.
func (s *Store) ExportWithBodies(ctx context.Context) (*Export, error) {
	return s.export(ctx, true)
}

// Querier is what a snapshot reads through.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) export(ctx context.Context, bodies bool) (*Export, error) {
	var x *Export
	err := s.Snapshot(ctx, func(q Querier) error {
		var err error
		x, err = readExport(ctx, q, bodies)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("export: %w", s.describe(err))
	}
	return x, nil
}

// Snapshot runs fn in a read transaction on one connection, which sees
// one consistent state of the store. It begins with the dialect's
// BeginSnapshot rather than BeginTx (which SQLite's DSN makes BEGIN
// IMMEDIATE): a reader must not take the write lock from the worker.
func (s *Store) Snapshot(ctx context.Context, fn func(q Querier) error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, s.dialect.BeginSnapshot); err != nil {
		return err
	}
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`); err != nil {
			// Never hand a connection inside a transaction back to the pool.
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return fn(conn)
}

func readExport(ctx context.Context, q Querier, bodies bool) (*Export, error) {
	x := &Export{Companies: []CompanyRecord{}, Contacts: []ContactRecord{}, Deals: []DealRecord{}, Emails: []EmailRecord{}, Intake: []IntakeRecord{}}
	err := each(ctx, q, `SELECT domain, name FROM companies ORDER BY domain`, func(rows *sql.Rows) error {
		var c CompanyRecord
		if err := rows.Scan(&c.Domain, &c.Name); err != nil {
			return err
		}
		x.Companies = append(x.Companies, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("companies: %w", err)
	}
	if x.Contacts, err = readContacts(ctx, q); err != nil {
		return nil, err
	}
	if x.Deals, err = readDeals(ctx, q, ``); err != nil {
		return nil, err
	}
	if x.Emails, err = readEmails(ctx, q, bodies); err != nil {
		return nil, err
	}
	if x.Intake, err = readIntake(ctx, q); err != nil {
		return nil, err
	}
	return x, nil
}

// readContacts reads every contact, by address.
func readContacts(ctx context.Context, q Querier) ([]ContactRecord, error) {
	out := []ContactRecord{}
	err := each(ctx, q, `SELECT c.address, c.name, COALESCE(co.domain, ''), COALESCE(u.email, ''), c.source, c.created_at
		FROM contacts c LEFT JOIN companies co ON co.id = c.company_id LEFT JOIN users u ON u.id = c.owner_user_id
		ORDER BY c.address`, func(rows *sql.Rows) error {
		var c ContactRecord
		var created string
		if err := rows.Scan(&c.Address, &c.Name, &c.Company, &c.Owner, &c.Source, &created); err != nil {
			return err
		}
		var err error
		if c.CreatedAt, err = parseStoreTime(created); err != nil {
			return fmt.Errorf("contact %s: %w", c.Address, err)
		}
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("contacts: %w", err)
	}
	return out, nil
}

// readDeals reads deals with their contacts: all by id, or those matching
// where (a WHERE clause on deals d alone) by last update, newest first.
func readDeals(ctx context.Context, q Querier, where string, args ...any) ([]DealRecord, error) {
	order := ` ORDER BY d.id`
	if where != `` {
		order = ` ORDER BY d.updated_at DESC, d.id DESC`
	}
	out := []DealRecord{}
	index := map[int64]int{}
	err := each(ctx, q, `SELECT d.id, COALESCE(d.external_id, ''), d.name, d.stage, d.status, d.amount,
		COALESCE(co.domain, ''), d.created_at, d.updated_at
		FROM deals d LEFT JOIN companies co ON co.id = d.company_id `+where+order, func(rows *sql.Rows) error {
		var d DealRecord
		var amount sql.NullFloat64
		var created, updated string
		if err := rows.Scan(&d.ID, &d.ExternalID, &d.Name, &d.Stage, &d.Status, &amount, &d.Company, &created, &updated); err != nil {
			return err
		}
		if amount.Valid {
			d.Amount = &amount.Float64
		}
		var err error
		if d.CreatedAt, err = parseStoreTime(created); err != nil {
			return fmt.Errorf("deal %d: %w", d.ID, err)
		}
		if d.UpdatedAt, err = parseStoreTime(updated); err != nil {
			return fmt.Errorf("deal %d: %w", d.ID, err)
		}
		d.Contacts = []string{}
		index[d.ID] = len(out)
		out = append(out, d)
		return nil
	}, args...)
	if err != nil {
		return nil, fmt.Errorf("deals: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	// One query for the deals' contacts, grouped here.
	filter := ``
	if where != `` {
		filter = `WHERE dc.deal_id IN (SELECT d.id FROM deals d ` + where + `)`
	}
	err = each(ctx, q, `SELECT dc.deal_id, c.address FROM deal_contacts dc JOIN contacts c ON c.id = dc.contact_id
		`+filter+` ORDER BY dc.deal_id, c.address`, func(rows *sql.Rows) error {
		var id int64
		var addr string
		if err := rows.Scan(&id, &addr); err != nil {
			return err
		}
		if i, ok := index[id]; ok {
			out[i].Contacts = append(out[i].Contacts, addr)
		}
		return nil
	}, args...)
	if err != nil {
		return nil, fmt.Errorf("deal contacts: %w", err)
	}
	return out, nil
}

// readEmails reads every email and, with one query per association table,
// its contacts, companies, deals and attachments.
func readEmails(ctx context.Context, q Querier, bodies bool) ([]EmailRecord, error) {
	out := []EmailRecord{}
	index := map[int64]int{}
	bodyCols := `'', '', 0, ''`
	if bodies {
		bodyCols = `e.body_text, e.body_html, e.html_in_raw, COALESCE(e.raw_sha256, '')`
	}
	type rawHTMLOf struct {
		at     int // in out
		rawSum string
	}
	var htmlInRaw []rawHTMLOf
	err := each(ctx, q, `SELECT e.id, e.kind, e.message_id, e.original_message_id, e.subject, e.date,
		e.from_name, e.from_address, e.to_json, e.cc_json, COALESCE(u.email, ''), COALESCE(e.thread_id, e.id),
		e.note, e.attachment_note, e.private, `+bodyCols+`
		FROM emails e LEFT JOIN users u ON u.id = e.user_id ORDER BY e.id`, func(rows *sql.Rows) error {
		var e EmailRecord
		var date, to, cc, rawSum string
		var inRaw bool
		if err := rows.Scan(&e.ID, &e.Kind, &e.MessageID, &e.OriginalMessageID, &e.Subject, &date,
			&e.From.Name, &e.From.Address, &to, &cc, &e.AttributedUser, &e.ThreadID,
			&e.Note, &e.AttachmentNote, &e.Private, &e.BodyText, &e.BodyHTML, &inRaw, &rawSum); err != nil {
			return err
		}
		if inRaw {
			htmlInRaw = append(htmlInRaw, rawHTMLOf{len(out), rawSum})
		}
		var err error
		if e.Date, err = parseEmailDate(date); err != nil {
			return fmt.Errorf("email %d: %w", e.ID, err)
		}
		if e.To, err = parseAddressesJSON(to); err != nil {
			return fmt.Errorf("email %d: to: %w", e.ID, err)
		}
		if e.Cc, err = parseAddressesJSON(cc); err != nil {
			return fmt.Errorf("email %d: cc: %w", e.ID, err)
		}
		e.Contacts, e.Companies, e.Deals, e.Attachments = []string{}, []string{}, []int64{}, []AttachmentRecord{}
		index[e.ID] = len(out)
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("emails: %w", err)
	}
	// After the rows are closed: PostgreSQL runs one query at a time on a
	// transaction's connection.
	for _, h := range htmlInRaw {
		if out[h.at].BodyHTML, err = rawHTML(ctx, q, h.rawSum); err != nil {
			return nil, fmt.Errorf("email %d: %w", out[h.at].ID, err)
		}
	}
	if len(out) == 0 {
		return out, nil
	}
	at := func(id int64) *EmailRecord {
		if i, ok := index[id]; ok {
			return &out[i]
		}
		return nil // an association added after the emails were read: not in this snapshot
	}
	err = each(ctx, q, `SELECT ec.email_id, c.address FROM email_contacts ec JOIN contacts c ON c.id = ec.contact_id
		ORDER BY ec.email_id, c.address`, func(rows *sql.Rows) error {
		var id int64
		var addr string
		if err := rows.Scan(&id, &addr); err != nil {
			return err
		}
		if e := at(id); e != nil {
			e.Contacts = append(e.Contacts, addr)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("email contacts: %w", err)
	}
	err = each(ctx, q, `SELECT ec.email_id, co.domain FROM email_companies ec JOIN companies co ON co.id = ec.company_id
		ORDER BY ec.email_id, co.domain`, func(rows *sql.Rows) error {
		var id int64
		var domain string
		if err := rows.Scan(&id, &domain); err != nil {
			return err
		}
		if e := at(id); e != nil {
			e.Companies = append(e.Companies, domain)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("email companies: %w", err)
	}
	err = each(ctx, q, `SELECT email_id, deal_id FROM email_deals ORDER BY email_id, deal_id`, func(rows *sql.Rows) error {
		var id, deal int64
		if err := rows.Scan(&id, &deal); err != nil {
			return err
		}
		if e := at(id); e != nil {
			e.Deals = append(e.Deals, deal)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("email deals: %w", err)
	}
	err = each(ctx, q, `SELECT email_id, name, content_type, size, sha256 FROM attachments ORDER BY email_id, id`, func(rows *sql.Rows) error {
		var a AttachmentRecord
		if err := rows.Scan(&a.EmailID, &a.Name, &a.ContentType, &a.Size, &a.SHA256); err != nil {
			return err
		}
		if e := at(a.EmailID); e != nil {
			e.Attachments = append(e.Attachments, a)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("attachments: %w", err)
	}
	return out, nil
}

func readIntake(ctx context.Context, q Querier) ([]IntakeRecord, error) {
	out := []IntakeRecord{}
	err := each(ctx, q, `SELECT id, outcome, reason, detail, message_id, COALESCE(email_id, 0),
		origin_path, mailbox, uidvalidity, uid, processed_at FROM intake ORDER BY id`, func(rows *sql.Rows) error {
		var r IntakeRecord
		var processed string
		if err := rows.Scan(&r.ID, &r.Outcome, &r.Reason, &r.Detail, &r.MessageID, &r.EmailID,
			&r.Origin.Path, &r.Origin.Mailbox, &r.Origin.UIDValidity, &r.Origin.UID, &processed); err != nil {
			return err
		}
		var err error
		if r.ProcessedAt, err = parseStoreTime(processed); err != nil {
			return fmt.Errorf("intake %d: %w", r.ID, err)
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("intake: %w", err)
	}
	return out, nil
}

// each runs query and calls fn for every row.
func each(ctx context.Context, q Querier, query string, fn func(*sql.Rows) error, args ...any) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// parseStoreTime reads a time the store wrote (timeLayout, UTC).
func parseStoreTime(v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q in the database: %w", v, err)
	}
	return t.UTC(), nil
}

// parseEmailDate reads an email's date: RFC 3339 with the message's
// offset, "" when the message had none.
func parseEmailDate(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("date %q in the database: %w", v, err)
	}
	return t, nil
}

// parseAddressesJSON reads a to_json or cc_json column.
func parseAddressesJSON(v string) ([]email.Address, error) {
	var list []mailboxJSON
	if v != "" {
		if err := json.Unmarshal([]byte(v), &list); err != nil {
			return nil, fmt.Errorf("addresses %q in the database: %w", v, err)
		}
	}
	out := make([]email.Address, len(list))
	for i, m := range list {
		out[i] = email.Address{Name: m.Name, Address: m.Address}
	}
	return out, nil
}
