package crmstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/poller-crm/poller/pkg/view"
)

// Search bounds.
const (
	maxSearchWords = 16   // words of a query used; the rest are ignored
	maxPartyHits   = 5    // contacts, and companies, listed before the emails
	rankWindow     = 2000 // matching emails ranked, the newest (see searchEmails)
)

// snippetArgs are the arguments of snippet() after the table: the
// view's markers, an ellipsis, the best column, about this many tokens.
const snippetArgs = `, char(2), char(3), '…', -1, `

// ftsQuery turns what a person typed into an FTS4 MATCH expression: each
// word a quoted phrase (so that no input is a syntax error and none is an
// operator, a column filter or a prefix), all of them required. Within a
// word, what is not a letter, digit or mark separates tokens, as the
// tokenizer does ("o'brien" is the phrase "o brien"). unicode61 does not
// fold ß, so a word with ß or ss asks for both spellings ("strasse" finds
// "Straße" and "Strasse"). "" when nothing is left to search for.
func ftsQuery(input string) string {
	var terms []string
	for _, w := range strings.Fields(strings.ToLower(input)) {
		w = strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) {
				return r
			}
			return ' '
		}, w)
		if w = strings.Join(strings.Fields(w), " "); w == "" {
			continue
		}
		variants := []string{w}
		for _, v := range []string{strings.ReplaceAll(w, "ß", "ss"), strings.ReplaceAll(w, "ss", "ß")} {
			if !slices.Contains(variants, v) {
				variants = append(variants, v)
			}
		}
		terms = append(terms, `"`+strings.Join(variants, `" OR "`)+`"`)
		if len(variants) > 1 {
			terms[len(terms)-1] = "(" + terms[len(terms)-1] + ")"
		}
		if len(terms) == maxSearchWords {
			break
		}
	}
	return strings.Join(terms, " ")
}

// Search runs a full-text search over subjects, bodies, notes and senders
// of the emails the viewer may see, and over contact names and addresses
// and company names and domains. The first page starts with the best few
// contacts and companies; then come the emails, best first (BM25), one
// page of them. Input that leaves nothing to search for finds nothing.
func (s *Store) Search(ctx context.Context, v view.Viewer, query string, p view.Page) (view.SearchResult, error) {
	if s.dialect.FullText == TSVector {
		return s.searchTSVector(ctx, v, query, p)
	}
	res := view.SearchResult{Hits: []view.Hit{}}
	match := ftsQuery(query)
	if match == "" {
		return res, nil
	}
	err := s.Snapshot(ctx, func(q Querier) error {
		if p.Offset <= 0 {
			if err := searchParties(ctx, q, match, &res); err != nil {
				return err
			}
		}
		return searchEmails(ctx, q, v, match, p, &res)
	})
	if err != nil {
		return res, fmt.Errorf("search %q: %w", query, s.describe(err))
	}
	return res, nil
}

// searchParties adds the best contacts and companies that match.
func searchParties(ctx context.Context, q Querier, match string, res *view.SearchResult) error {
	err := each(ctx, q, `SELECT c.address, c.name, snippet(contact_fts`+snippetArgs+`12)
		FROM contact_fts CROSS JOIN contacts c ON c.id = contact_fts.docid
		WHERE contact_fts MATCH ? ORDER BY party_rank(matchinfo(contact_fts, 'pcnalx')) DESC, c.id LIMIT ?`,
		func(rows *sql.Rows) error {
			h := view.Hit{Kind: view.HitContact}
			var name string
			if err := rows.Scan(&h.Address, &name, &h.Snippet); err != nil {
				return err
			}
			h.Title = name
			if h.Title == "" {
				h.Title = h.Address
			}
			res.Hits = append(res.Hits, h)
			return nil
		}, match, maxPartyHits)
	if err != nil {
		return fmt.Errorf("contacts: %w", err)
	}
	err = each(ctx, q, `SELECT co.domain, co.name, snippet(company_fts`+snippetArgs+`12)
		FROM company_fts CROSS JOIN companies co ON co.id = company_fts.docid
		WHERE company_fts MATCH ? ORDER BY party_rank(matchinfo(company_fts, 'pcnalx')) DESC, co.id LIMIT ?`,
		func(rows *sql.Rows) error {
			h := view.Hit{Kind: view.HitCompany}
			var name string
			if err := rows.Scan(&h.Domain, &name, &h.Snippet); err != nil {
				return err
			}
			h.Title = name
			if h.Title == "" {
				h.Title = h.Domain
			}
			res.Hits = append(res.Hits, h)
			return nil
		}, match, maxPartyHits)
	if err != nil {
		return fmt.Errorf("companies: %w", err)
	}
	return nil
}

// searchEmails adds one page of the emails that match, best first, and
// counts them all: one query counts, one ranks (BM25 over matchinfo,
// subjects weighing most), one makes the page's snippets. Ranking costs a
// function call per match, so it is bounded: the matches ranked are the
// newest rankWindow (by id, which grows as emails are logged), or as many
// as the page reaches. A word in every other email ranks recent mail.
func searchEmails(ctx context.Context, q Querier, v view.Viewer, match string, p view.Page, res *view.SearchResult) error {
	where, a := `email_fts MATCH ?`, []any{match}
	if ownOnly(v) {
		// The set of the viewer's ids, from an index, costs less than
		// looking up the owner of every match.
		where, a = `email_fts MATCH ? AND email_fts.docid IN (SELECT id FROM emails WHERE user_id = ?)`, []any{match, v.UserID}
	} else if hidden, ha, ok := privateHidden(v); ok {
		// Not the private emails of others: few, from their index.
		where, a = `email_fts MATCH ? AND email_fts.docid NOT IN (SELECT e.id FROM emails e WHERE `+hidden+`)`, append([]any{match}, ha...)
	}
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM email_fts WHERE `+where, a...).Scan(&res.Total); err != nil {
		return fmt.Errorf("count emails: %w", err)
	}
	if res.Total == 0 {
		return nil
	}
	window := max(rankWindow, max(p.Offset, 0)+p.Size())
	rankQuery := `SELECT id FROM (SELECT email_fts.docid AS id, email_rank(matchinfo(email_fts, 'pcnalx')) AS r
		FROM email_fts WHERE ` + where + ` ORDER BY email_fts.docid DESC LIMIT ?)
		ORDER BY r DESC, id DESC LIMIT ? OFFSET ?`
	var ids []any
	err := each(ctx, q, rankQuery, func(rows *sql.Rows) error {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		ids = append(ids, id)
		return nil
	}, args(a, []any{window}, pageArgs(p))...)
	if err != nil {
		return fmt.Errorf("emails: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	// The FTS table first (CROSS JOIN keeps that order): the MATCH is
	// evaluated once, not once per email.
	hits := make(map[int64]view.Hit, len(ids))
	err = each(ctx, q, `SELECT e.id, e.kind, e.subject, `+emailDate+`, snippet(email_fts`+snippetArgs+`24)
		FROM email_fts CROSS JOIN emails e ON e.id = email_fts.docid
		WHERE email_fts MATCH ? AND email_fts.docid IN (`+placeholders(len(ids))+`)`, func(rows *sql.Rows) error {
		h := view.Hit{Kind: view.HitEmail}
		var date string
		if err := rows.Scan(&h.EmailID, &h.EmailKind, &h.Title, &date, &h.Snippet); err != nil {
			return err
		}
		var err error
		if h.Date, err = parseStoreTime(date); err != nil {
			return fmt.Errorf("email %d: %w", h.EmailID, err)
		}
		hits[h.EmailID] = h
		return nil
	}, append([]any{match}, ids...)...)
	if err != nil {
		return fmt.Errorf("email snippets: %w", err)
	}
	for _, id := range ids {
		if h, ok := hits[id.(int64)]; ok {
			res.Hits = append(res.Hits, h)
		}
	}
	return nil
}
