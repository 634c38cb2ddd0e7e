package crmstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/poller-crm/poller/pkg/email"
	"github.com/poller-crm/poller/pkg/view"
)

// ErrNotFound is returned, wrapped with what was looked for, when the store
// holds no such record (or the viewer may not see it). It is
// view.ErrNotFound, so that callers may test for either.
var ErrNotFound = view.ErrNotFound

// ContactView is one contact as "poller show contact" presents it: the
// contact, its company, its open deals and its emails.
type ContactView struct {
	Contact   ContactRecord
	OwnerName string         // the owner's display name
	Company   *CompanyRecord // nil when the contact has none
	// OpenDeals are the contact's open deals, most recently updated first.
	OpenDeals []DealRecord
	// Emails are the emails logged on the contact, newest first.
	Emails []TimelineEntry
}

// TimelineEntry is one email on a contact's timeline.
type TimelineEntry struct {
	ID int64
	// Date is the email's date in UTC; when the message had none, when it
	// was logged.
	Date           time.Time
	Kind           string // bcc or forward
	Subject        string
	From           email.Address
	AttributedUser string // the user's primary address
}

// ShowContact returns the contact with the address (compared
// case-insensitively), all its emails included: what "poller show
// contact" prints. An unknown address is an error wrapping ErrNotFound.
func (s *Store) ShowContact(ctx context.Context, address string) (*ContactView, error) {
	addr := strings.ToLower(strings.TrimSpace(address))
	var v *ContactView
	err := s.Snapshot(ctx, func(q Querier) error {
		var err error
		v, err = readContactView(ctx, q, addr)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("contact %s: %w", addr, s.describe(err))
	}
	return v, nil
}

func readContactView(ctx context.Context, q Querier, addr string) (*ContactView, error) {
	var v *ContactView
	var id int64
	err := each(ctx, q, `SELECT c.id, c.address, c.name, c.source, c.created_at, COALESCE(u.email, ''), COALESCE(u.name, ''),
		co.domain, co.name
		FROM contacts c LEFT JOIN companies co ON co.id = c.company_id LEFT JOIN users u ON u.id = c.owner_user_id
		WHERE c.address = ?`, func(rows *sql.Rows) error {
		v = &ContactView{}
		var created string
		var domain, name sql.NullString
		if err := rows.Scan(&id, &v.Contact.Address, &v.Contact.Name, &v.Contact.Source, &created,
			&v.Contact.Owner, &v.OwnerName, &domain, &name); err != nil {
			return err
		}
		var err error
		if v.Contact.CreatedAt, err = parseStoreTime(created); err != nil {
			return err
		}
		if domain.Valid {
			v.Company = &CompanyRecord{Domain: domain.String, Name: name.String}
			v.Contact.Company = domain.String
		}
		return nil
	}, addr)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, ErrNotFound
	}
	v.OpenDeals, err = readDeals(ctx, q, `WHERE d.status = 'open' AND d.id IN (SELECT deal_id FROM deal_contacts WHERE contact_id = ?)`, id)
	if err != nil {
		return nil, err
	}
	v.Emails = []TimelineEntry{}
	err = each(ctx, q, `SELECT e.id, COALESCE(NULLIF(e.date_utc, ''), e.created_at), e.kind, e.subject, e.from_name, e.from_address,
		COALESCE(u.email, '')
		FROM email_contacts ec JOIN emails e ON e.id = ec.email_id LEFT JOIN users u ON u.id = e.user_id
		WHERE ec.contact_id = ?
		ORDER BY COALESCE(NULLIF(e.date_utc, ''), e.created_at) DESC, e.id DESC`, func(rows *sql.Rows) error {
		var t TimelineEntry
		var date string
		if err := rows.Scan(&t.ID, &date, &t.Kind, &t.Subject, &t.From.Name, &t.From.Address, &t.AttributedUser); err != nil {
			return err
		}
		var err error
		if t.Date, err = parseStoreTime(date); err != nil {
			return fmt.Errorf("email %d: %w", t.ID, err)
		}
		v.Emails = append(v.Emails, t)
		return nil
	}, id)
	if err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	return v, nil
}

// ContactAddresses returns the address of every contact, so that an import
// can check the contacts it names before writing anything.
func (s *Store) ContactAddresses(ctx context.Context) (map[string]bool, error) {
	out := map[string]bool{}
	err := each(ctx, s.db, `SELECT address FROM contacts`, func(rows *sql.Rows) error {
		var a string
		if err := rows.Scan(&a); err != nil {
			return err
		}
		out[a] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list contacts: %w", s.describe(err))
	}
	return out, nil
}
