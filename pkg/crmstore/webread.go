package crmstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/poller-crm/poller/pkg/view"
)

// The read side of the web app (the web.Store interface of pkg/web): every
// method takes the viewer and returns only what the viewer may see; what
// they may not see is ErrNotFound, like what does not exist. Lists are
// bounded by their view.Page and read with a fixed number of queries
// whatever their length.

// emailDate is an email's date for sorting and showing: its own, else when
// it was logged. Spelled exactly as the emails_user_date and emails_date
// indexes of migration 0003, so that they serve the ORDER BY.
const emailDate = `COALESCE(NULLIF(e.date_utc, ''), e.created_at)`

// previewLen is how many characters of the text body a summary shows
// (summaryColumns reads four times as many, as whitespace collapses).
const previewLen = 300

// ownOnly reports whether the viewer sees only the emails attributed to
// them.
func ownOnly(v view.Viewer) bool { return v.OwnOnly && !v.Admin }

// emailVisible is a condition on emails e that holds for the emails the
// viewer may see, with its arguments: an admin sees all; others not the
// private emails of other users (log+private@).
func emailVisible(v view.Viewer) (string, []any) {
	switch {
	case ownOnly(v):
		return `e.user_id = ?`, []any{v.UserID}
	case v.Admin:
		return `1 = 1`, nil
	}
	return `(e.private = 0 OR e.user_id = ?)`, []any{v.UserID}
}

// summaryColumns read a view.EmailSummary with scanSummary, from emails e
// LEFT JOIN users u ON u.id = e.user_id.
const summaryColumns = `e.id, COALESCE(e.thread_id, e.id), e.kind, e.subject, e.from_name, e.from_address, ` + emailDate + `,
	substr(e.body_text, 1, 1200), (SELECT count(*) FROM attachments a WHERE a.email_id = e.id),
	COALESCE(u.email, ''), COALESCE(u.name, ''), e.private`

func scanSummary(rows *sql.Rows, extra ...any) (view.EmailSummary, error) {
	var e view.EmailSummary
	var date, body string
	dest := append([]any{&e.ID, &e.ThreadID, &e.Kind, &e.Subject, &e.From.Name, &e.From.Address, &date,
		&body, &e.Attachments, &e.User, &e.UserName, &e.Private}, extra...)
	if err := rows.Scan(dest...); err != nil {
		return e, err
	}
	var err error
	if e.Date, err = parseStoreTime(date); err != nil {
		return e, fmt.Errorf("email %d: %w", e.ID, err)
	}
	e.Preview = preview(body)
	e.Contacts = []string{}
	return e, nil
}

// preview is the start of a text body with its whitespace collapsed.
func preview(body string) string {
	s := strings.Join(strings.Fields(body), " ")
	if utf8.RuneCountInString(s) <= previewLen {
		return s
	}
	n := 0
	for i := range s {
		if n == previewLen {
			return strings.TrimSpace(s[:i]) + "…"
		}
		n++
	}
	return s
}

// readSummaries runs a query selecting summaryColumns and then, with one
// more query, the contacts each email is logged on.
func readSummaries(ctx context.Context, q Querier, query string, args ...any) ([]view.EmailSummary, error) {
	out := []view.EmailSummary{}
	err := each(ctx, q, query, func(rows *sql.Rows) error {
		e, err := scanSummary(rows)
		if err != nil {
			return err
		}
		out = append(out, e)
		return nil
	}, args...)
	if err != nil {
		return nil, fmt.Errorf("emails: %w", err)
	}
	if err := fillEmailContacts(ctx, q, out); err != nil {
		return nil, err
	}
	return out, nil
}

// fillEmailContacts sets the Contacts of each email, with one query.
func fillEmailContacts(ctx context.Context, q Querier, list ...[]view.EmailSummary) error {
	index := map[int64][]*view.EmailSummary{}
	var ids []any
	for _, l := range list {
		for i := range l {
			if _, ok := index[l[i].ID]; !ok {
				ids = append(ids, l[i].ID)
			}
			index[l[i].ID] = append(index[l[i].ID], &l[i])
		}
	}
	if len(ids) == 0 {
		return nil
	}
	err := each(ctx, q, `SELECT ec.email_id, c.address FROM email_contacts ec JOIN contacts c ON c.id = ec.contact_id
		WHERE ec.email_id IN (`+placeholders(len(ids))+`) ORDER BY ec.email_id, c.address`, func(rows *sql.Rows) error {
		var id int64
		var addr string
		if err := rows.Scan(&id, &addr); err != nil {
			return err
		}
		for _, e := range index[id] {
			e.Contacts = append(e.Contacts, addr)
		}
		return nil
	}, ids...)
	if err != nil {
		return fmt.Errorf("email contacts: %w", err)
	}
	return nil
}

// placeholders is "?, ?, ?" for n values.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// pageArgs are the LIMIT and OFFSET of a page.
func pageArgs(p view.Page) []any {
	return []any{p.Size(), max(p.Offset, 0)}
}

// likePattern is a LIKE pattern (with ESCAPE '\') matching s anywhere.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.TrimSpace(s)) + "%"
}

// args concatenates argument lists.
func args(lists ...[]any) []any {
	var out []any
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// notFound is an error wrapping ErrNotFound that names what was looked for.
func notFound(format string, a ...any) error {
	return fmt.Errorf(format+": %w", append(a, ErrNotFound)...)
}
