package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/poller-crm/poller/pkg/crm"
)

// associate links email id to contact c (creating the contact when new),
// to the contact's company and, unless the email is pinned to a deal
// (log+deal-ID@), to its most recently updated open deals.
func (s *Store) associate(ctx context.Context, tx *sql.Tx, emailID int64, c crm.Contact, ownerID any, kind crm.Kind, pinned bool, now string) error {
	contactID, companyID, err := s.ensureContact(ctx, tx, c, ownerID, string(kind), now)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO email_contacts (email_id, contact_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, emailID, contactID); err != nil {
		return fmt.Errorf("associate contact: %w", err)
	}
	if companyID.Valid {
		if _, err := tx.ExecContext(ctx, `INSERT INTO email_companies (email_id, company_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, emailID, companyID.Int64); err != nil {
			return fmt.Errorf("associate company: %w", err)
		}
	}
	if pinned {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO email_deals (email_id, deal_id)
		SELECT ?, d.id FROM deal_contacts dc CROSS JOIN deals d ON d.id = dc.deal_id
		WHERE dc.contact_id = ? AND d.status = 'open'
		ORDER BY d.updated_at DESC, d.id DESC LIMIT ?
		ON CONFLICT DO NOTHING`, emailID, contactID, maxOpenDeals); err != nil {
		return fmt.Errorf("associate deals: %w", err)
	}
	return nil
}

// ensureContact finds or creates the contact for c and returns it with its
// company (SPEC "Associations": the contact's company, else the company
// with the contact's domain, else a new company for that domain unless it
// is a free-mail provider or opted out).
func (s *Store) ensureContact(ctx context.Context, tx *sql.Tx, c crm.Contact, ownerID any, source, now string) (int64, sql.NullInt64, error) {
	addr := strings.ToLower(c.Address)
	var id int64
	var companyID sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT id, company_id FROM contacts WHERE address = ?`, addr).Scan(&id, &companyID)
	switch {
	case err == sql.ErrNoRows:
		companyID, err = s.companyFor(ctx, tx, addr, now)
		if err != nil {
			return 0, companyID, err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO contacts (address, name, company_id, owner_user_id, source, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			addr, c.Name, companyID, ownerID, source, now)
		if err != nil {
			return 0, companyID, fmt.Errorf("create contact %s: %w", addr, err)
		}
		id, err = res.LastInsertId()
		return id, companyID, err
	case err != nil:
		return 0, companyID, fmt.Errorf("look up contact %s: %w", addr, err)
	case !companyID.Valid:
		companyID, err = s.companyFor(ctx, tx, addr, now)
		if err != nil || !companyID.Valid {
			return id, companyID, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE contacts SET company_id = ? WHERE id = ?`, companyID, id); err != nil {
			return id, companyID, fmt.Errorf("set company of %s: %w", addr, err)
		}
	}
	return id, companyID, nil
}

// companyFor finds or creates the company of an address's domain; none for
// free-mail and opted-out domains.
func (s *Store) companyFor(ctx context.Context, tx *sql.Tx, addr, now string) (sql.NullInt64, error) {
	domain := CompanyDomain(addr)
	if domain == "" || crm.IsFreeMail(domain) || s.noCo[domain] || crm.IsFreeMail(domainOf(addr)) || s.noCo[domainOf(addr)] {
		return sql.NullInt64{}, nil
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO companies (domain, name, created_at) VALUES (?, ?, ?)
		ON CONFLICT (domain) DO UPDATE SET domain = excluded.domain RETURNING id`, domain, companyName(domain), now).Scan(&id)
	if err != nil {
		return sql.NullInt64{}, fmt.Errorf("find or create company %s: %w", domain, err)
	}
	return sql.NullInt64{Int64: id, Valid: true}, nil
}

// CompanyDomain is the domain a company is keyed by for an address: its
// registrable domain ("eu.mail.acme.co.uk" gives "acme.co.uk").
func CompanyDomain(addr string) string {
	d := domainOf(addr)
	if d == "" {
		return ""
	}
	if reg, err := publicsuffix.EffectiveTLDPlusOne(d); err == nil {
		return reg
	}
	return d
}

func domainOf(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return strings.ToLower(addr)
	}
	return strings.ToLower(addr[at+1:])
}

// companyName makes a readable name from a domain: "acme-robotics.example"
// gives "Acme Robotics".
func companyName(domain string) string {
	label, _, _ := strings.Cut(domain, ".")
	words := strings.FieldsFunc(label, func(r rune) bool { return r == '-' || r == '_' })
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}
