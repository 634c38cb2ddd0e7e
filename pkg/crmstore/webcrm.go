package crmstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/poller-crm/poller/pkg/view"
)

// contactColumns read a view.ContactSummary with scanContact, from
// contactFrom. Emails and LastEmail are the team's counts (kept by
// triggers); fillContactStats replaces them for a viewer limited to their
// own emails.
const (
	contactColumns = `c.id, c.address, c.name, COALESCE(co.domain, ''), COALESCE(co.name, ''), COALESCE(u.email, ''),
		COALESCE(u.name, ''), c.source, c.created_at, c.email_count, c.last_email_at`
	contactFrom = `contacts c LEFT JOIN companies co ON co.id = c.company_id LEFT JOIN users u ON u.id = c.owner_user_id`
)

func scanContact(rows *sql.Rows) (int64, view.ContactSummary, error) {
	var c view.ContactSummary
	var id int64
	var created, last string
	if err := rows.Scan(&id, &c.Address, &c.Name, &c.Company.Domain, &c.Company.Name, &c.Owner, &c.OwnerName,
		&c.Source, &created, &c.Emails, &last); err != nil {
		return 0, c, err
	}
	var err error
	if c.CreatedAt, err = parseStoreTime(created); err != nil {
		return 0, c, fmt.Errorf("contact %s: %w", c.Address, err)
	}
	if c.LastEmail, err = parseOptionalTime(last); err != nil {
		return 0, c, fmt.Errorf("contact %s: %w", c.Address, err)
	}
	return id, c, nil
}

// parseOptionalTime is parseStoreTime with "" for the zero time.
func parseOptionalTime(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	return parseStoreTime(v)
}

// readContactSummaries runs a query selecting contactColumns and completes
// the rows with fillContactStats.
func readContactSummaries(ctx context.Context, q Querier, v view.Viewer, query string, a ...any) ([]view.ContactSummary, error) {
	out := []view.ContactSummary{}
	var ids []int64
	err := each(ctx, q, query, func(rows *sql.Rows) error {
		id, c, err := scanContact(rows)
		if err != nil {
			return err
		}
		ids = append(ids, id)
		out = append(out, c)
		return nil
	}, a...)
	if err != nil {
		return nil, fmt.Errorf("contacts: %w", err)
	}
	if err := fillContactStats(ctx, q, v, out, ids); err != nil {
		return nil, err
	}
	return out, nil
}

// The queries over a page's ids say CROSS JOIN to keep the link table
// first: the planner would otherwise scan every open deal (or every email
// of the user) and probe the links.

// fillContactStats sets the open deals of each contact (ids[i] is list[i])
// and, for a viewer who sees only their own emails, the count and date of
// those: one query, or two.
func fillContactStats(ctx context.Context, q Querier, v view.Viewer, list []view.ContactSummary, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	index := make(map[int64]int, len(ids))
	in := make([]any, len(ids))
	for i, id := range ids {
		index[id], in[i] = i, id
	}
	err := each(ctx, q, `SELECT dc.contact_id, count(*) FROM deal_contacts dc CROSS JOIN deals d ON d.id = dc.deal_id
		WHERE dc.contact_id IN (`+placeholders(len(in))+`) AND d.status = 'open' GROUP BY dc.contact_id`, func(rows *sql.Rows) error {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		list[index[id]].OpenDeals = n
		return nil
	}, in...)
	if err != nil {
		return fmt.Errorf("contacts' open deals: %w", err)
	}
	err = fillEmailStats(ctx, q, v, "email_contacts", "contact_id", in,
		func() {
			for i := range list {
				list[i].Emails, list[i].LastEmail = 0, time.Time{}
			}
		},
		func(id int64, n int, last string) error {
			c := &list[index[id]]
			return addStat(&c.Emails, &c.LastEmail, n, last)
		})
	if err != nil {
		return fmt.Errorf("contacts' emails: %w", err)
	}
	return nil
}

// fillEmailStats completes the email counts and last dates of a page of
// contacts or companies (in, by col of the link table) for the viewer: the
// stored counts plus the private emails the viewer may see; or, for a
// viewer who sees only their own emails, after reset, theirs alone.
func fillEmailStats(ctx context.Context, q Querier, v view.Viewer, link, col string, in []any,
	reset func(), add func(id int64, n int, last string) error) error {
	if !ownOnly(v) {
		return addPrivateStats(ctx, q, v, link, col, in, add)
	}
	reset()
	return each(ctx, q, `SELECT l.`+col+`, count(*), max(`+emailDate+`) FROM `+link+` l CROSS JOIN emails e ON e.id = l.email_id
		WHERE l.`+col+` IN (`+placeholders(len(in))+`) AND e.user_id = ? GROUP BY l.`+col, func(rows *sql.Rows) error {
		var id int64
		var n int
		var last string
		if err := rows.Scan(&id, &n, &last); err != nil {
			return err
		}
		return add(id, n, last)
	}, append(in, v.UserID)...)
}

// contactOrders are the contacts list's sorts, by view.ContactQuery.Sort.
var contactOrders = map[string]string{
	"name":       `c.name = '', c.name COLLATE NOCASE, c.address`,
	"address":    `c.address`,
	"company":    `co.name IS NULL, co.name COLLATE NOCASE, co.domain, c.address`,
	"last_email": `c.last_email_at DESC, c.id DESC`,
	"created":    `c.created_at DESC, c.id DESC`,
}

// Contacts returns one page of the contacts list and how many match.
// Every viewer sees every contact; the counts are of the emails the
// viewer may see. An unknown sort is the default one (last email).
func (s *Store) Contacts(ctx context.Context, v view.Viewer, cq view.ContactQuery) (view.ContactList, error) {
	var where string
	var whereArgs []any
	if f := strings.TrimSpace(cq.Filter); f != "" {
		where = `WHERE (c.address LIKE ? ESCAPE '\' OR c.name LIKE ? ESCAPE '\' OR co.name LIKE ? ESCAPE '\')`
		p := likePattern(f)
		whereArgs = []any{p, p, p}
	}
	order, ok := contactOrders[cq.Sort]
	if !ok || cq.Sort == "" {
		cq.Sort, order = "last_email", contactOrders["last_email"]
	}
	// The page is chosen on ids and sort keys alone, then read whole.
	with, withArgs, join := ``, []any(nil), ``
	if cq.Sort == "last_email" && ownOnly(v) {
		// The viewer's own last email, from their emails alone.
		with = `WITH own AS MATERIALIZED (SELECT ec.contact_id AS contact_id, max(` + emailDate + `) AS last
			FROM emails e JOIN email_contacts ec ON ec.email_id = e.id WHERE e.user_id = ? GROUP BY ec.contact_id) `
		withArgs = []any{v.UserID}
		join = ` LEFT JOIN own ON own.contact_id = c.id`
		order = `COALESCE(own.last, '') DESC, c.id DESC`
	}
	list := view.ContactList{}
	err := s.Snapshot(ctx, func(q Querier) error {
		var err error
		list.Contacts, err = readContactSummaries(ctx, q, v, with+`SELECT `+contactColumns+` FROM `+contactFrom+join+`
			WHERE c.id IN (SELECT c.id FROM contacts c LEFT JOIN companies co ON co.id = c.company_id`+join+` `+where+`
				ORDER BY `+order+` LIMIT ? OFFSET ?)
			ORDER BY `+order, args(withArgs, whereArgs, pageArgs(cq.Page))...)
		if err != nil {
			return err
		}
		count := `SELECT count(*) FROM contacts`
		if where != "" {
			count = `SELECT count(*) FROM contacts c LEFT JOIN companies co ON co.id = c.company_id ` + where
		}
		return q.QueryRowContext(ctx, count, whereArgs...).Scan(&list.Total)
	})
	if err != nil {
		return list, fmt.Errorf("contacts: %w", s.describe(err))
	}
	return list, nil
}

// Contact returns a contact's page (the address is compared
// case-insensitively) with one page of its timeline's threads.
func (s *Store) Contact(ctx context.Context, v view.Viewer, address string, threads view.Page) (*view.Contact, error) {
	addr := strings.ToLower(strings.TrimSpace(address))
	var out *view.Contact
	err := s.Snapshot(ctx, func(q Querier) error {
		var err error
		out, err = readContact(ctx, q, v, addr, threads)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("contact %s: %w", addr, s.describe(err))
	}
	return out, nil
}

func readContact(ctx context.Context, q Querier, v view.Viewer, addr string, threads view.Page) (*view.Contact, error) {
	var id int64
	var out *view.Contact
	err := each(ctx, q, `SELECT `+contactColumns+` FROM `+contactFrom+` WHERE c.address = ?`, func(rows *sql.Rows) error {
		var err error
		out = &view.Contact{}
		id, out.ContactSummary, err = scanContact(rows)
		return err
	}, addr)
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, ErrNotFound
	}
	one := []view.ContactSummary{out.ContactSummary}
	if err := fillContactStats(ctx, q, v, one, []int64{id}); err != nil {
		return nil, err
	}
	out.ContactSummary = one[0]
	// +d.status: by the contact's few deals, not by every open one.
	out.OpenDeals, err = readDealList(ctx, q, `WHERE +d.status = 'open' AND d.id IN (SELECT deal_id FROM deal_contacts WHERE contact_id = ?)
		ORDER BY d.updated_at DESC, d.id DESC LIMIT ?`, id, view.MaxLimit)
	if err != nil {
		return nil, err
	}

	// One page of threads, the most recently active first, then their
	// emails on this contact.
	vis, visArgs := emailVisible(v)
	out.Threads = []view.Thread{}
	var threadIDs []any
	err = each(ctx, q, `SELECT t, count(*) OVER () FROM (
			SELECT COALESCE(e.thread_id, e.id) AS t, max(`+emailDate+`) AS last
			FROM email_contacts ec CROSS JOIN emails e ON e.id = ec.email_id
			WHERE ec.contact_id = ? AND `+vis+` GROUP BY t) AS threads
		ORDER BY last DESC, t DESC LIMIT ? OFFSET ?`, func(rows *sql.Rows) error {
		var t int64
		if err := rows.Scan(&t, &out.ThreadsTotal); err != nil {
			return err
		}
		threadIDs = append(threadIDs, t)
		out.Threads = append(out.Threads, view.Thread{ID: t})
		return nil
	}, args([]any{id}, visArgs, pageArgs(threads))...)
	if err != nil {
		return nil, fmt.Errorf("threads: %w", err)
	}
	if len(threadIDs) == 0 {
		if threads.Offset > 0 { // past the end: count them still
			err := q.QueryRowContext(ctx, `SELECT count(DISTINCT COALESCE(e.thread_id, e.id))
				FROM email_contacts ec CROSS JOIN emails e ON e.id = ec.email_id WHERE ec.contact_id = ? AND `+vis,
				args([]any{id}, visArgs)...).Scan(&out.ThreadsTotal)
			if err != nil {
				return nil, fmt.Errorf("threads: %w", err)
			}
		}
		return out, nil
	}
	emails, err := readSummaries(ctx, q, `SELECT `+summaryColumns+`
		FROM email_contacts ec CROSS JOIN emails e ON e.id = ec.email_id LEFT JOIN users u ON u.id = e.user_id
		WHERE ec.contact_id = ? AND `+vis+` AND COALESCE(e.thread_id, e.id) IN (`+placeholders(len(threadIDs))+`)
		ORDER BY `+emailDate+` DESC, e.id DESC`, args([]any{id}, visArgs, threadIDs)...)
	if err != nil {
		return nil, err
	}
	at := make(map[int64]int, len(out.Threads))
	for i, t := range out.Threads {
		at[t.ID] = i
	}
	for _, e := range emails {
		t := &out.Threads[at[e.ThreadID]]
		t.Emails = append(t.Emails, e)
	}
	return out, nil
}

// dealColumns read a view.Deal with scanDeal, from deals d LEFT JOIN
// companies co ON co.id = d.company_id.
const dealColumns = `d.id, d.name, d.stage, d.status, COALESCE(d.external_id, ''), d.amount,
	COALESCE(co.domain, ''), COALESCE(co.name, ''), d.created_at, d.updated_at`

func scanDeal(rows *sql.Rows) (view.Deal, error) {
	var d view.Deal
	var amount sql.NullFloat64
	var created, updated string
	if err := rows.Scan(&d.ID, &d.Name, &d.Stage, &d.Status, &d.ExternalID, &amount,
		&d.Company.Domain, &d.Company.Name, &created, &updated); err != nil {
		return d, err
	}
	if amount.Valid {
		d.Amount = &amount.Float64
	}
	var err error
	if d.CreatedAt, err = parseStoreTime(created); err != nil {
		return d, fmt.Errorf("deal %d: %w", d.ID, err)
	}
	if d.UpdatedAt, err = parseStoreTime(updated); err != nil {
		return d, fmt.Errorf("deal %d: %w", d.ID, err)
	}
	d.Contacts = []view.ContactSummary{}
	return d, nil
}

// readDealList reads the deals that rest (WHERE, ORDER BY and LIMIT on
// deals d) selects.
func readDealList(ctx context.Context, q Querier, rest string, a ...any) ([]view.Deal, error) {
	out := []view.Deal{}
	err := each(ctx, q, `SELECT `+dealColumns+` FROM deals d LEFT JOIN companies co ON co.id = d.company_id `+rest,
		func(rows *sql.Rows) error {
			d, err := scanDeal(rows)
			if err != nil {
				return err
			}
			out = append(out, d)
			return nil
		}, a...)
	if err != nil {
		return nil, fmt.Errorf("deals: %w", err)
	}
	return out, nil
}

// countEmails counts the emails the viewer may see among those link (a
// table with email_id and col) ties to id.
func countEmails(ctx context.Context, q Querier, v view.Viewer, link, col string, id int64) (int, error) {
	query := `SELECT count(*) FROM ` + link + ` l WHERE l.` + col + ` = ?`
	a := []any{id}
	if ownOnly(v) {
		query = `SELECT count(*) FROM ` + link + ` l CROSS JOIN emails e ON e.id = l.email_id WHERE l.` + col + ` = ? AND e.user_id = ?`
		a = append(a, v.UserID)
	} else if hidden, ha, ok := privateHidden(v); ok {
		// All of them but the private emails of others, found from their
		// index (they are few).
		query = `SELECT (` + query + `) - (SELECT count(*) FROM emails e CROSS JOIN ` + link + ` l ON l.email_id = e.id
			WHERE ` + hidden + ` AND l.` + col + ` = ?)`
		a = append(a, ha...)
		a = append(a, id)
	}
	var n int
	if err := q.QueryRowContext(ctx, query, a...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count emails: %w", err)
	}
	return n, nil
}

// companyColumns read a view.CompanySummary with scanCompany, from
// companies co; fillCompanyStats completes them.
const companyColumns = `co.id, co.domain, co.name, co.email_count, co.last_email_at`

func scanCompany(rows *sql.Rows) (int64, view.CompanySummary, error) {
	var c view.CompanySummary
	var id int64
	var last string
	if err := rows.Scan(&id, &c.Domain, &c.Name, &c.Emails, &last); err != nil {
		return 0, c, err
	}
	var err error
	if c.LastEmail, err = parseOptionalTime(last); err != nil {
		return 0, c, fmt.Errorf("company %s: %w", c.Domain, err)
	}
	return id, c, nil
}

// fillCompanyStats sets the contacts and open deals of each company (ids[i]
// is list[i]) and, for a viewer who sees only their own emails, the count
// and date of those.
func fillCompanyStats(ctx context.Context, q Querier, v view.Viewer, list []view.CompanySummary, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	index := make(map[int64]int, len(ids))
	in := make([]any, len(ids))
	for i, id := range ids {
		index[id], in[i] = i, id
	}
	err := each(ctx, q, `SELECT co.id, (SELECT count(*) FROM contacts c WHERE c.company_id = co.id),
		(SELECT count(*) FROM deals d WHERE d.company_id = co.id AND d.status = 'open')
		FROM companies co WHERE co.id IN (`+placeholders(len(in))+`)`, func(rows *sql.Rows) error {
		var id int64
		var contacts, deals int
		if err := rows.Scan(&id, &contacts, &deals); err != nil {
			return err
		}
		c := &list[index[id]]
		c.Contacts, c.OpenDeals = contacts, deals
		return nil
	}, in...)
	if err != nil {
		return fmt.Errorf("companies' contacts and deals: %w", err)
	}
	err = fillEmailStats(ctx, q, v, "email_companies", "company_id", in,
		func() {
			for i := range list {
				list[i].Emails, list[i].LastEmail = 0, time.Time{}
			}
		},
		func(id int64, n int, last string) error {
			c := &list[index[id]]
			return addStat(&c.Emails, &c.LastEmail, n, last)
		})
	if err != nil {
		return fmt.Errorf("companies' emails: %w", err)
	}
	return nil
}

// readCompanySummaries runs a query selecting companyColumns and completes
// the rows with fillCompanyStats; it returns their ids too.
func readCompanySummaries(ctx context.Context, q Querier, v view.Viewer, query string, a ...any) ([]view.CompanySummary, []int64, error) {
	out := []view.CompanySummary{}
	var ids []int64
	err := each(ctx, q, query, func(rows *sql.Rows) error {
		id, c, err := scanCompany(rows)
		if err != nil {
			return err
		}
		ids = append(ids, id)
		out = append(out, c)
		return nil
	}, a...)
	if err != nil {
		return nil, nil, fmt.Errorf("companies: %w", err)
	}
	if err := fillCompanyStats(ctx, q, v, out, ids); err != nil {
		return nil, nil, err
	}
	return out, ids, nil
}

// Companies returns one page of the companies list, by name, and how many
// match.
func (s *Store) Companies(ctx context.Context, v view.Viewer, lq view.ListQuery) (view.CompanyList, error) {
	var where string
	var whereArgs []any
	if f := strings.TrimSpace(lq.Filter); f != "" {
		where = `WHERE (co.name LIKE ? ESCAPE '\' OR co.domain LIKE ? ESCAPE '\')`
		p := likePattern(f)
		whereArgs = []any{p, p}
	}
	list := view.CompanyList{}
	err := s.Snapshot(ctx, func(q Querier) error {
		var err error
		list.Companies, _, err = readCompanySummaries(ctx, q, v, `SELECT `+companyColumns+` FROM companies co `+where+`
			ORDER BY co.name = '', co.name COLLATE NOCASE, co.domain LIMIT ? OFFSET ?`, args(whereArgs, pageArgs(lq.Page))...)
		if err != nil {
			return err
		}
		return q.QueryRowContext(ctx, `SELECT count(*) FROM companies co `+where, whereArgs...).Scan(&list.Total)
	})
	if err != nil {
		return list, fmt.Errorf("companies: %w", s.describe(err))
	}
	return list, nil
}

// Company returns a company's page (by domain, any case): its contacts
// (one page, the most recently emailed first), its deals (open first) and
// one page of its contacts' emails, merged.
func (s *Store) Company(ctx context.Context, v view.Viewer, domain string, emails view.Page) (*view.Company, error) {
	domain = strings.ToLower(strings.TrimSpace(domain))
	var out *view.Company
	err := s.Snapshot(ctx, func(q Querier) error {
		list, ids, err := readCompanySummaries(ctx, q, v, `SELECT `+companyColumns+` FROM companies co WHERE co.domain = ?`, domain)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return ErrNotFound
		}
		out = &view.Company{CompanySummary: list[0], EmailsTotal: list[0].Emails}
		id := ids[0]
		order := `c.last_email_at DESC, c.id DESC`
		if ownOnly(v) { // the team's dates are not theirs to see
			order = `c.name = '', c.name COLLATE NOCASE, c.address`
		}
		if out.People, err = readContactSummaries(ctx, q, v, `SELECT `+contactColumns+` FROM `+contactFrom+`
			WHERE c.company_id = ? ORDER BY `+order+` LIMIT ?`, id, view.DefaultLimit); err != nil {
			return err
		}
		if out.Deals, err = readDealList(ctx, q, `WHERE d.company_id = ? ORDER BY d.status = 'open' DESC, d.updated_at DESC, d.id DESC LIMIT ?`,
			id, view.MaxLimit); err != nil {
			return err
		}
		query, err := companyEmailsQuery(ctx, q, v, out.CompanySummary.Emails, emails)
		if err != nil {
			return err
		}
		_, visArgs := emailVisible(v)
		out.Emails, err = readSummaries(ctx, q, query, args([]any{id}, visArgs, pageArgs(emails))...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("company %s: %w", domain, s.describe(err))
	}
	return out, nil
}

// companyEmailsQuery is the query for one page of a company's emails (its
// arguments: the company's id, the visibility's, LIMIT and OFFSET). A
// company with few emails has them read through its links and sorted; one
// with many (n, of those the viewer may see) is better served by walking
// all emails newest first until the page is full, which takes about
// (offset+limit) * all/n steps instead of n and a sort of n.
func companyEmailsQuery(ctx context.Context, q Querier, v view.Viewer, n int, p view.Page) (string, error) {
	vis, _ := emailVisible(v)
	var all int64 // emails in the store, about (ids are not reused)
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(max(id), 0) FROM emails`).Scan(&all); err != nil {
		return "", err
	}
	want := int64(max(p.Offset, 0) + p.Size())
	if int64(n)*int64(n) <= want*all {
		return pageOfEmails(`SELECT e.id FROM email_companies ec CROSS JOIN emails e ON e.id = ec.email_id
			WHERE ec.company_id = ? AND ` + vis), nil
	}
	return pageOfEmails(`SELECT e.id FROM emails e
		WHERE +e.id IN (SELECT ec.email_id FROM email_companies ec WHERE ec.company_id = ?) AND ` + vis), nil
}

// pageOfEmails is a query selecting summaryColumns for one page (LIMIT ?
// OFFSET ? follow ids) of the emails ids selects, newest first. The page
// is chosen on ids and dates alone: sorting whole rows would read every
// body.
func pageOfEmails(ids string) string {
	return `SELECT ` + summaryColumns + ` FROM emails e LEFT JOIN users u ON u.id = e.user_id
		WHERE e.id IN (` + ids + ` ORDER BY ` + emailDate + ` DESC, e.id DESC LIMIT ? OFFSET ?)
		ORDER BY ` + emailDate + ` DESC, e.id DESC`
}

// Deals returns one page of the deals list, the most recently updated
// first, and how many match. The filter matches the deal's name or its
// company's name or domain.
func (s *Store) Deals(ctx context.Context, v view.Viewer, lq view.ListQuery) (view.DealList, error) {
	var conds []string
	var whereArgs []any
	if f := strings.TrimSpace(lq.Filter); f != "" {
		conds = append(conds, `(d.name LIKE ? ESCAPE '\' OR co.name LIKE ? ESCAPE '\' OR co.domain LIKE ? ESCAPE '\')`)
		p := likePattern(f)
		whereArgs = append(whereArgs, p, p, p)
	}
	if lq.Status != "" {
		conds = append(conds, `d.status = ?`)
		whereArgs = append(whereArgs, lq.Status)
	}
	where := ""
	if len(conds) > 0 {
		where = `WHERE ` + strings.Join(conds, ` AND `)
	}
	list := view.DealList{}
	err := s.Snapshot(ctx, func(q Querier) error {
		var err error
		list.Deals, err = readDealList(ctx, q, where+` ORDER BY d.updated_at DESC, d.id DESC LIMIT ? OFFSET ?`,
			args(whereArgs, pageArgs(lq.Page))...)
		if err != nil {
			return err
		}
		return q.QueryRowContext(ctx, `SELECT count(*) FROM deals d LEFT JOIN companies co ON co.id = d.company_id `+where,
			whereArgs...).Scan(&list.Total)
	})
	if err != nil {
		return list, fmt.Errorf("deals: %w", s.describe(err))
	}
	return list, nil
}

// Deal returns a deal's page: the deal, its contacts and one page of its
// emails.
func (s *Store) Deal(ctx context.Context, v view.Viewer, id int64, emails view.Page) (*view.DealPage, error) {
	var out *view.DealPage
	err := s.Snapshot(ctx, func(q Querier) error {
		list, err := readDealList(ctx, q, `WHERE d.id = ?`, id)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return ErrNotFound
		}
		out = &view.DealPage{Deal: list[0]}
		if out.Contacts, err = readContactSummaries(ctx, q, v, `SELECT `+contactColumns+` FROM `+contactFrom+`
			WHERE c.id IN (SELECT contact_id FROM deal_contacts WHERE deal_id = ?) ORDER BY c.address LIMIT ?`, id, view.MaxLimit); err != nil {
			return err
		}
		vis, visArgs := emailVisible(v)
		if out.Emails, err = readSummaries(ctx, q, pageOfEmails(`SELECT e.id FROM email_deals ed CROSS JOIN emails e ON e.id = ed.email_id
			WHERE ed.deal_id = ? AND `+vis), args([]any{id}, visArgs, pageArgs(emails))...); err != nil {
			return err
		}
		out.EmailsTotal, err = countEmails(ctx, q, v, "email_deals", "deal_id", id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("deal %d: %w", id, s.describe(err))
	}
	return out, nil
}
