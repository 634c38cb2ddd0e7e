package web_test

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/poller-crm/poller/pkg/storegen"
)

// queryStore is a generated store whose every statement is counted.
type queryStore struct {
	*genApp
	n atomic.Int64
}

func newQueryStore(t *testing.T, sizes storegen.Sizes) *queryStore {
	t.Helper()
	path := filepath.Join(t.TempDir(), "q.db")
	sum, err := storegen.Copy(context.Background(), sizes, path)
	if err != nil {
		t.Fatal(err)
	}
	q := &queryStore{}
	q.genApp = newGenApp(t, path, sum, func(string) { q.n.Add(1) })
	return q
}

// statements serves target (once to warm up, then once counted) and
// returns how many statements the counted request ran.
func (q *queryStore) statements(target string, admin bool) int64 {
	cookie := q.alice
	if admin {
		cookie = q.bob
	}
	q.get(target, cookie)
	q.n.Store(0)
	q.get(target, cookie)
	return q.n.Load()
}

// queryTargets are the pages checked, each with the rows it shows in this
// store (so that the test can say the bigger store shows many more).
type queryTarget struct {
	name   string
	target string
	admin  bool
	rows   int64
}

func (q *queryStore) targets(small bool) []queryTarget {
	busiest := q.sum.BusiestContact
	thread := q.one(`SELECT thread_id FROM emails WHERE thread_id IS NOT NULL GROUP BY thread_id ORDER BY count(*) DESC, thread_id LIMIT 1`)
	email := q.one(`SELECT max(id) FROM emails WHERE thread_id = ?`, thread)
	company := q.sum.BusiestCompany
	deal := q.one(`SELECT id FROM deals WHERE external_id = ?`, q.sum.BusiestDeal)
	// An email without attachments in the small store, one with the most
	// in the bigger; both with an HTML body read from the raw message, so
	// that the two pages differ in their rows alone.
	withAttachments := q.one(`SELECT a.email_id FROM attachments a JOIN emails e ON e.id = a.email_id WHERE e.html_in_raw = 1
		GROUP BY a.email_id ORDER BY count(*) DESC, a.email_id LIMIT 1`)
	attachments := q.one(`SELECT count(*) FROM attachments WHERE email_id = ?`, withAttachments)
	if small {
		withAttachments = q.one(`SELECT min(id) FROM emails WHERE html_in_raw = 1 AND id NOT IN (SELECT email_id FROM attachments)`)
		attachments = 0
	}
	return []queryTarget{
		{"home", "/", false, q.one(`SELECT count(*) FROM emails WHERE user_id = (SELECT id FROM users WHERE email = ?)`, q.sum.Users[0].Email)},
		{"contact", "/contacts/" + url.PathEscape(busiest), false,
			q.one(`SELECT count(*) FROM email_contacts ec JOIN contacts c ON c.id = ec.contact_id WHERE c.address = ?`, busiest)},
		{"email in a thread", fmt.Sprintf("/emails/%d", email), false, q.one(`SELECT count(*) FROM emails WHERE thread_id = ?`, thread)},
		{"email with attachments", fmt.Sprintf("/emails/%d", withAttachments), false, attachments},
		{"company", "/companies/" + url.PathEscape(company), false,
			q.one(`SELECT count(*) FROM email_companies ec JOIN companies c ON c.id = ec.company_id WHERE c.domain = ?`, company)},
		{"deal", fmt.Sprintf("/deals/%d", deal), false, q.one(`SELECT count(*) FROM email_deals WHERE deal_id = ?`, deal)},
		{"contacts", "/contacts", false, q.one(`SELECT count(*) FROM contacts`)},
		{"contacts by name", "/contacts?sort=name", false, q.one(`SELECT count(*) FROM contacts`)},
		{"companies", "/companies", false, q.one(`SELECT count(*) FROM companies`)},
		{"deals", "/deals", false, q.one(`SELECT count(*) FROM deals`)},
		{"intake", "/intake", true, q.one(`SELECT count(*) FROM intake`)},
		{"search", "/search?q=" + url.QueryEscape("the"), false, q.one(`SELECT count(*) FROM emails WHERE body_text LIKE '% the %'`)},
	}
}

// TestQueriesPerPage counts the SQL statements each page runs on a small
// store and on one where the same pages show many more rows (a contact
// with a handful of emails against one with dozens, lists of a few rows
// against full pages): the count must not grow with the rows, or a page
// queries once per row (N+1).
func TestQueriesPerPage(t *testing.T) {
	small := newQueryStore(t, storegen.Sizes{Emails: 40, Contacts: 12, Companies: 4, Deals: 6, Users: 3, Seed: 7})
	big := newQueryStore(t, storegen.Sizes{Emails: 1500, Contacts: 150, Companies: 60, Deals: 80, Users: 3, Seed: 7})
	st, bt := small.targets(true), big.targets(false)
	for i := range st {
		s, b := st[i], bt[i]
		t.Run(s.name, func(t *testing.T) {
			if b.rows < 2*s.rows && b.rows < 40 {
				t.Fatalf("the bigger store has %d rows for this page, the small one %d: not a test of growth", b.rows, s.rows)
			}
			ns, nb := small.statements(s.target, s.admin), big.statements(b.target, b.admin)
			t.Logf("%s: %d statements for %d rows, %d for %d rows", s.name, ns, s.rows, nb, b.rows)
			if nb > ns {
				t.Errorf("%s runs %d statements with %d rows but %d with %d rows: a query per row?", s.name, nb, b.rows, ns, s.rows)
			}
			if ns == 0 || nb > 20 {
				t.Errorf("%s runs %d statements", s.name, nb)
			}
		})
	}
}
