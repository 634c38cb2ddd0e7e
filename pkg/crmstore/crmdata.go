package crmstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/poller-crm/poller/pkg/crm"
)

// ImportCompanies adds or updates companies by domain, all or nothing.
func (s *Store) ImportCompanies(ctx context.Context, companies []crm.Company) error {
	return s.inTx(ctx, "import companies", func(tx dbtx, now string) error {
		for _, c := range companies {
			if _, err := s.upsertCompany(ctx, tx, c, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// ImportContacts adds or updates contacts by address, all or nothing. A
// contact's company is found or created by domain; its owner must be a user.
func (s *Store) ImportContacts(ctx context.Context, people []crm.Person) error {
	return s.inTx(ctx, "import contacts", func(tx dbtx, now string) error {
		for _, p := range people {
			if err := s.upsertPerson(ctx, tx, p, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// ImportDeals adds deals, or updates those with a known ExternalID, all or
// nothing. A deal's contacts must exist (import them first).
func (s *Store) ImportDeals(ctx context.Context, deals []crm.Deal) error {
	return s.inTx(ctx, "import deals", func(tx dbtx, now string) error {
		for _, d := range deals {
			if _, err := s.upsertDeal(ctx, tx, d, now); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) inTx(ctx context.Context, what string, fn func(tx dbtx, now string) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", what, s.describe(err))
	}
	defer tx.Rollback()
	if err := fn(tx, s.now()); err != nil {
		return fmt.Errorf("%s: %w", what, s.describe(err))
	}
	if err := s.commit(ctx, tx); err != nil {
		return fmt.Errorf("%s: commit: %w", what, s.describe(err))
	}
	return nil
}

func (s *Store) upsertCompany(ctx context.Context, tx dbtx, c crm.Company, now string) (int64, error) {
	domain := strings.ToLower(strings.TrimSpace(c.Domain))
	if domain == "" {
		return 0, fmt.Errorf("company without a domain")
	}
	name := c.Name
	if name == "" {
		name = crm.CompanyName(domain)
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO companies (domain, name, created_at) VALUES (?, ?, ?)
		ON CONFLICT (domain) DO UPDATE SET name = CASE WHEN ? != '' THEN excluded.name ELSE companies.name END
		RETURNING id`, domain, name, now, c.Name).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("company %s: %w", domain, err)
	}
	return id, nil
}

func (s *Store) upsertPerson(ctx context.Context, tx dbtx, p crm.Person, now string) error {
	addr := strings.ToLower(strings.TrimSpace(p.Address))
	var companyID sql.NullInt64
	if p.Company != "" {
		id, err := s.upsertCompany(ctx, tx, crm.Company{Domain: p.Company}, now)
		if err != nil {
			return err
		}
		companyID = sql.NullInt64{Int64: id, Valid: true}
	} else {
		var err error
		if companyID, err = s.companyFor(ctx, tx, addr, now); err != nil {
			return err
		}
	}
	var ownerID sql.NullInt64
	if p.Owner != "" {
		err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE email = ?`, strings.ToLower(p.Owner)).Scan(&ownerID)
		if err == sql.ErrNoRows {
			return fmt.Errorf("contact %s: owner %s is not a user in the config", addr, p.Owner)
		}
		if err != nil {
			return err
		}
	}
	// A contact keeps the source and creation time an export gave it; a
	// contact new to the CRM is an import, created now.
	source, created := p.Source, now
	switch source {
	case "":
		source = "import"
	case "bcc", "forward", "import":
	default:
		return fmt.Errorf("contact %s: source %q is not bcc, forward or import", addr, source)
	}
	if !p.CreatedAt.IsZero() {
		created = formatTime(p.CreatedAt)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO contacts (address, name, company_id, owner_user_id, source, created_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (address) DO UPDATE SET
			name = CASE WHEN excluded.name != '' THEN excluded.name ELSE contacts.name END,
			company_id = COALESCE(excluded.company_id, contacts.company_id),
			owner_user_id = COALESCE(excluded.owner_user_id, contacts.owner_user_id)`,
		addr, p.Name, companyID, ownerID, source, created)
	if err != nil {
		return fmt.Errorf("contact %s: %w", addr, err)
	}
	return nil
}

func (s *Store) upsertDeal(ctx context.Context, tx dbtx, d crm.Deal, now string) (int64, error) {
	status := d.Status
	if status == "" {
		status = crm.DealOpen
	}
	var companyID sql.NullInt64
	if d.Company != "" {
		id, err := s.upsertCompany(ctx, tx, crm.Company{Domain: d.Company}, now)
		if err != nil {
			return 0, err
		}
		companyID = sql.NullInt64{Int64: id, Valid: true}
	}
	created, updated := now, now
	if !d.CreatedAt.IsZero() {
		created = formatTime(d.CreatedAt)
	}
	if !d.UpdatedAt.IsZero() {
		updated = formatTime(d.UpdatedAt)
	} else if !d.CreatedAt.IsZero() {
		updated = created
	}
	var external any
	if d.ExternalID != "" {
		external = d.ExternalID
	}
	var id int64
	var err error
	if d.ID != 0 && d.ExternalID == "" {
		id, err = upsertDealByID(ctx, tx, d, status, companyID, created, updated)
	} else {
		err = sql.ErrNoRows
		if external != nil {
			// The deal of that external id updated first: an upsert that
			// finds its row still takes an id from PostgreSQL's identity
			// (not from SQLite's rowids), and the next new deal's id would
			// differ between the two stores.
			err = tx.QueryRowContext(ctx, `UPDATE deals SET name = ?, stage = ?, status = ?, amount = ?, company_id = ?, updated_at = ?
				WHERE external_id = ? RETURNING id`, d.Name, d.Stage, status, d.Amount, companyID, updated, external).Scan(&id)
		}
		if errors.Is(err, sql.ErrNoRows) {
			err = tx.QueryRowContext(ctx, `INSERT INTO deals (external_id, name, stage, status, amount, company_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (external_id) DO UPDATE SET name = excluded.name, stage = excluded.stage, status = excluded.status,
			amount = excluded.amount, company_id = excluded.company_id, updated_at = excluded.updated_at
		RETURNING id`, external, d.Name, d.Stage, status, d.Amount, companyID, created, updated).Scan(&id)
		}
	}
	if err != nil {
		return 0, fmt.Errorf("deal %q: %w", d.Name, err)
	}
	for _, addr := range d.Contacts {
		addr = strings.ToLower(strings.TrimSpace(addr))
		var contactID int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM contacts WHERE address = ?`, addr).Scan(&contactID)
		if err == sql.ErrNoRows {
			return 0, fmt.Errorf("deal %q: contact %s does not exist (import contacts first)", d.Name, addr)
		}
		if err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO deal_contacts (deal_id, contact_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, contactID); err != nil {
			return 0, fmt.Errorf("deal %q: %w", d.Name, err)
		}
	}
	return id, nil
}

// upsertDealByID stores a deal of an export that has no external id under
// the store id the export gave it: a new store takes the id (so that the
// emails' deal ids of the same export still name it), the store that
// exported it updates the deal. An id held by a deal of another name is
// refused rather than overwritten: that file came from another store.
func upsertDealByID(ctx context.Context, tx dbtx, d crm.Deal, status string, companyID sql.NullInt64, created, updated string) (int64, error) {
	var name string
	err := tx.QueryRowContext(ctx, `SELECT name FROM deals WHERE id = ?`, d.ID).Scan(&name)
	switch {
	case err == sql.ErrNoRows:
		_, err = tx.ExecContext(ctx, `INSERT INTO deals (id, name, stage, status, amount, company_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, d.ID, d.Name, d.Stage, status, d.Amount, companyID, created, updated)
		return d.ID, err
	case err != nil:
		return 0, err
	case name != d.Name:
		return 0, fmt.Errorf("id %d is deal %q in this store: the file comes from another store (leave the id empty to add it as a new deal)", d.ID, name)
	}
	_, err = tx.ExecContext(ctx, `UPDATE deals SET stage = ?, status = ?, amount = ?, company_id = ?, updated_at = ? WHERE id = ?`,
		d.Stage, status, d.Amount, companyID, updated, d.ID)
	return d.ID, err
}

// ImportAll imports companies, then contacts, then deals in one
// transaction: all or nothing (an export's JSON document).
func (s *Store) ImportAll(ctx context.Context, companies []crm.Company, people []crm.Person, deals []crm.Deal) error {
	return s.inTx(ctx, "import", func(tx dbtx, now string) error {
		for _, c := range companies {
			if _, err := s.upsertCompany(ctx, tx, c, now); err != nil {
				return err
			}
		}
		for _, p := range people {
			if err := s.upsertPerson(ctx, tx, p, now); err != nil {
				return err
			}
		}
		for _, d := range deals {
			if _, err := s.upsertDeal(ctx, tx, d, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// ExistingContacts reports which of addrs are contacts already.
func (s *Store) ExistingContacts(ctx context.Context, addrs []string) (map[string]bool, error) {
	found := map[string]bool{}
	for _, a := range addrs {
		var one int
		err := s.db.QueryRowContext(ctx, `SELECT 1 FROM contacts WHERE address = ?`, strings.ToLower(a)).Scan(&one)
		switch {
		case err == sql.ErrNoRows:
		case err != nil:
			return nil, fmt.Errorf("look up contact %s: %w", a, s.describe(err))
		default:
			found[strings.ToLower(a)] = true
		}
	}
	return found, nil
}
