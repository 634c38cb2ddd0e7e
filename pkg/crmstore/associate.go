package crmstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/poller-crm/poller/pkg/crm"
)

// associate links email id to contact c (creating the contact when new),
// to the contact's company and, unless the email is pinned to a deal
// (log+deal-ID@), to its most recent open deals (crm.RecentOpenDeals).
func (s *Store) associate(ctx context.Context, tx *sql.Tx, emailID int64, c crm.Contact, ownerID any, kind crm.Kind, pinned bool, now string) error {
	contactID, companyID, created, err := s.ensureContact(ctx, tx, c, ownerID, string(kind), now)
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
	if pinned || created { // a contact created just now has no deals yet
		return nil
	}
	var open []crm.OpenDeal
	err = each(ctx, tx, `SELECT d.id, d.updated_at FROM deal_contacts dc JOIN deals d ON d.id = dc.deal_id
		WHERE dc.contact_id = ? AND d.status = 'open'`, func(rows *sql.Rows) error {
		var d crm.OpenDeal
		if err := rows.Scan(&d.ID, &d.Updated); err != nil {
			return err
		}
		open = append(open, d)
		return nil
	}, contactID)
	if err != nil {
		return fmt.Errorf("open deals: %w", err)
	}
	for _, id := range crm.RecentOpenDeals(open) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO email_deals (email_id, deal_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, emailID, id); err != nil {
			return fmt.Errorf("associate deal: %w", err)
		}
	}
	return nil
}

// ensureContact finds or creates the contact for c and returns it with its
// company (SPEC "Associations": the contact's company, else the company
// of the contact's domain, created when new, as crm.CompanyPolicy says),
// and whether it was created now.
func (s *Store) ensureContact(ctx context.Context, tx *sql.Tx, c crm.Contact, ownerID any, source, now string) (int64, sql.NullInt64, bool, error) {
	addr := strings.ToLower(c.Address)
	var id int64
	var companyID sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT id, company_id FROM contacts WHERE address = ?`, addr).Scan(&id, &companyID)
	switch {
	case err == sql.ErrNoRows:
		companyID, err = s.companyFor(ctx, tx, addr, now)
		if err != nil {
			return 0, companyID, false, err
		}
		// A contact another writer created meanwhile is taken as it is.
		var created bool
		err = tx.QueryRowContext(ctx, `INSERT INTO contacts (address, name, company_id, owner_user_id, source, created_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (address) DO UPDATE SET address = excluded.address RETURNING id, company_id, created_at = ?`,
			addr, c.Name, companyID, ownerID, source, now, now).Scan(&id, &companyID, &created)
		if err != nil {
			return 0, companyID, false, fmt.Errorf("create contact %s: %w", addr, err)
		}
		return id, companyID, created, nil
	case err != nil:
		return 0, companyID, false, fmt.Errorf("look up contact %s: %w", addr, err)
	case !companyID.Valid:
		companyID, err = s.companyFor(ctx, tx, addr, now)
		if err != nil || !companyID.Valid {
			return id, companyID, false, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE contacts SET company_id = ? WHERE id = ?`, companyID, id); err != nil {
			return id, companyID, false, fmt.Errorf("set company of %s: %w", addr, err)
		}
	}
	return id, companyID, false, nil
}

// companyFor finds or creates the company of an address, if it has one.
func (s *Store) companyFor(ctx context.Context, tx *sql.Tx, addr, now string) (sql.NullInt64, error) {
	domain, ok := s.company.Domain(addr)
	if !ok {
		return sql.NullInt64{}, nil
	}
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM companies WHERE domain = ?`, domain).Scan(&id)
	if err == sql.ErrNoRows { // new; or created by another writer meanwhile
		err = tx.QueryRowContext(ctx, `INSERT INTO companies (domain, name, created_at) VALUES (?, ?, ?)
			ON CONFLICT (domain) DO UPDATE SET domain = excluded.domain RETURNING id`, domain, crm.CompanyName(domain), now).Scan(&id)
	}
	if err != nil {
		return sql.NullInt64{}, fmt.Errorf("find or create company %s: %w", domain, err)
	}
	return sql.NullInt64{Int64: id, Valid: true}, nil
}
