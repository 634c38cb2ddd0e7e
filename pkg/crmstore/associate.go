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
func (s *Store) associate(ctx context.Context, tx dbtx, emailID int64, c crm.Contact, ownerID any, kind crm.Kind, pinned bool, now string) error {
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
func (s *Store) ensureContact(ctx context.Context, tx dbtx, c crm.Contact, ownerID any, source, now string) (int64, sql.NullInt64, bool, error) {
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
		var created bool
		id, created, err = s.insertID(ctx, tx, `INSERT INTO contacts (address, name, company_id, owner_user_id, source, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (address) DO NOTHING`, addr, c.Name, companyID, ownerID, source, now)
		if err == nil && !created { // another writer created it meanwhile: taken as it is
			err = tx.QueryRowContext(ctx, `SELECT id, company_id FROM contacts WHERE address = ?`, addr).Scan(&id, &companyID)
		}
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
func (s *Store) companyFor(ctx context.Context, tx dbtx, addr, now string) (sql.NullInt64, error) {
	domain, ok := s.company.Domain(addr)
	if !ok {
		return sql.NullInt64{}, nil
	}
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM companies WHERE domain = ?`, domain).Scan(&id)
	if err == sql.ErrNoRows { // new; or created by another writer meanwhile
		var created bool
		id, created, err = s.insertID(ctx, tx, `INSERT INTO companies (domain, name, created_at) VALUES (?, ?, ?)
			ON CONFLICT (domain) DO NOTHING`, domain, crm.CompanyName(domain), now)
		if err == nil && !created {
			err = tx.QueryRowContext(ctx, `SELECT id FROM companies WHERE domain = ?`, domain).Scan(&id)
		}
	}
	if err != nil {
		return sql.NullInt64{}, fmt.Errorf("find or create company %s: %w", domain, err)
	}
	return sql.NullInt64{Int64: id, Valid: true}, nil
}

// insertID runs insert, an INSERT of one row (which may end ON CONFLICT DO
// NOTHING), and returns the new row's id; false when nothing was inserted.
func (s *Store) insertID(ctx context.Context, tx dbtx, insert string, args ...any) (int64, bool, error) {
	if s.dialect.LastInsertID {
		res, err := tx.ExecContext(ctx, insert, args...)
		if err != nil {
			return 0, false, err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return 0, false, err
		}
		id, err := res.LastInsertId()
		return id, err == nil, err
	}
	var id int64
	switch err := tx.QueryRowContext(ctx, insert+` RETURNING id`, args...).Scan(&id); {
	case err == sql.ErrNoRows:
		return 0, false, nil
	case err != nil:
		return 0, false, err
	}
	return id, true, nil
}
