package crmstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/poller-crm/poller/pkg/email"
	"github.com/poller-crm/poller/pkg/ingest"
	"github.com/poller-crm/poller/pkg/view"
)

// The log address's tags (crm.Tags) in the store: a log+deal-ID@ email is
// linked to that one deal instead of its contacts' open deals, and a
// log+private@ one is seen by its attributed user and admins only.

// pinnedDeal returns the deal a log+deal-ID@ tag names: the deal imported
// with that external id (the same case first, then any case), else the
// deal with that store id. ok is false when there is none. A closed deal
// is found too: the user named it.
func pinnedDeal(ctx context.Context, q Querier, tag string) (id int64, ok bool, err error) {
	tag = strings.TrimSpace(tag)
	if tag == "" {
		return 0, false, nil
	}
	err = q.QueryRowContext(ctx, `SELECT id FROM deals WHERE external_id = ?
		UNION ALL SELECT id FROM (SELECT id FROM deals WHERE lower(external_id) = lower(?) ORDER BY id LIMIT 1) AS any_case
		LIMIT 1`, tag, tag).Scan(&id)
	if err == nil {
		return id, true, nil
	}
	if err != sql.ErrNoRows {
		return 0, false, fmt.Errorf("look up deal %q: %w", tag, err)
	}
	n, perr := strconv.ParseInt(tag, 10, 64)
	if perr != nil || n <= 0 {
		return 0, false, nil
	}
	err = q.QueryRowContext(ctx, `SELECT id FROM deals WHERE id = ?`, n).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("look up deal %d: %w", n, err)
	}
	return id, true, nil
}

// pinEmail links email id to the deal it is pinned to.
func pinEmail(ctx context.Context, tx dbtx, emailID, dealID int64) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO email_deals (email_id, deal_id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
		emailID, dealID); err != nil {
		return fmt.Errorf("pin to deal %d: %w", dealID, err)
	}
	return nil
}

// tagDetail is what an intake row says of a logged decision's tags, after
// the decision's own detail: the deal it was pinned to, or why it was not,
// privacy, and the tags that mean nothing. "" when there are no tags.
func tagDetail(ctx context.Context, q Querier, it *ingest.Item) (string, error) {
	t := it.Decision.Tags
	if t.IsZero() {
		return "", nil
	}
	local := taggedLocal(it.Message)
	var notes []string
	if t.Deal != "" {
		id, ok, err := pinnedDeal(ctx, q, t.Deal)
		if err != nil {
			return "", err
		}
		if ok {
			var name, status string
			if err := q.QueryRowContext(ctx, `SELECT name, status FROM deals WHERE id = ?`, id).Scan(&name, &status); err != nil {
				return "", fmt.Errorf("deal %d: %w", id, err)
			}
			note := fmt.Sprintf("%s+deal-%s: linked to deal %d %q only", local, t.Deal, id, name)
			if status != "open" {
				note += " (" + status + ")"
			}
			notes = append(notes, note)
		} else {
			notes = append(notes, fmt.Sprintf("%s+deal-%s: no such deal; linked to the contacts' open deals instead", local, t.Deal))
		}
	}
	if t.Private {
		who := "its user"
		if u := it.Decision.User; u != nil {
			who = strings.ToLower(u.Email)
		}
		notes = append(notes, fmt.Sprintf("%s+private: private (seen by %s and admins only)", local, who))
	}
	for _, u := range t.Unknown {
		notes = append(notes, fmt.Sprintf("%s+%s: not a tag poller knows (deal-ID, private); logged as usual", local, u))
	}
	return strings.Join(notes, "; "), nil
}

// taggedLocal is the local part, before its plus, of the plus-tagged
// address the message was sent to ("log" for log+deal-42@...), "log" when
// none is found.
func taggedLocal(m *email.Message) string {
	if m == nil {
		return "log"
	}
	var addrs []string
	for _, list := range [][]email.Address{m.To, m.Cc, m.Bcc} {
		for _, a := range list {
			addrs = append(addrs, a.Address)
		}
	}
	for _, key := range []string{"Delivered-To", "X-Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To"} {
		for _, v := range m.Header.Values(key) {
			for _, a := range email.ParseAddressList(nil, v) {
				addrs = append(addrs, a.Address)
			}
		}
	}
	for _, a := range addrs {
		local := a
		if at := strings.LastIndexByte(a, '@'); at >= 0 {
			local = a[:at]
		}
		if before, _, ok := strings.Cut(local, "+"); ok && before != "" {
			return strings.ToLower(before)
		}
	}
	return "log"
}

// joinDetail appends a note to a detail.
func joinDetail(detail, note string) string {
	switch {
	case note == "":
		return detail
	case detail == "":
		return note
	}
	return detail + "; " + note
}

// loggedDetail is the intake detail of a logged decision: its own, then
// what its tags did.
func loggedDetail(ctx context.Context, q Querier, it *ingest.Item) (string, error) {
	note, err := tagDetail(ctx, q, it)
	if err != nil {
		return "", err
	}
	return joinDetail(it.Decision.Detail, note), nil
}

// privateHidden is a condition on emails e that holds for the private
// emails the viewer may not see (those of other users), with its
// arguments; ok is false when the viewer sees them all (admins).
func privateHidden(v view.Viewer) (cond string, a []any, ok bool) {
	if v.Admin {
		return ``, nil, false
	}
	return `e.private = 1 AND e.user_id IS DISTINCT FROM ?`, []any{v.UserID}, true
}

// privateShown is a condition on emails e that holds for the private
// emails the viewer may see: an admin's all, a user's their own.
func privateShown(v view.Viewer) (string, []any) {
	if v.Admin {
		return `e.private = 1`, nil
	}
	return `e.private = 1 AND e.user_id = ?`, []any{v.UserID}
}

// hideIntakeEmails unlinks, for the viewer, the intake rows whose email is
// private and not theirs: the row shows, the email and the raw message do
// not (Private says why).
func hideIntakeEmails(ctx context.Context, q Querier, v view.Viewer, rows []view.Intake) error {
	hidden, a, ok := privateHidden(v)
	if !ok {
		return nil
	}
	index := map[int64][]int{}
	var ids []any
	for i, r := range rows {
		if r.EmailID == 0 {
			continue
		}
		if _, seen := index[r.EmailID]; !seen {
			ids = append(ids, r.EmailID)
		}
		index[r.EmailID] = append(index[r.EmailID], i)
	}
	if len(ids) == 0 {
		return nil
	}
	err := each(ctx, q, `SELECT e.id FROM emails e WHERE e.id IN (`+placeholders(len(ids))+`) AND `+hidden, func(rs *sql.Rows) error {
		var id int64
		if err := rs.Scan(&id); err != nil {
			return err
		}
		for _, i := range index[id] {
			rows[i].EmailID, rows[i].RawSHA256, rows[i].RawSize, rows[i].Private = 0, "", 0, true
		}
		return nil
	}, append(ids, a...)...)
	if err != nil {
		return fmt.Errorf("private emails: %w", err)
	}
	return nil
}

// addPrivateStats adds to the counts and dates of contacts or companies
// (kept by triggers, of the emails everyone sees) the private emails the
// viewer may see among those link (email_contacts or email_companies,
// keyed by col) ties to ids; set(i, n, last) adds to the i-th of ids.
func addPrivateStats(ctx context.Context, q Querier, v view.Viewer, link, col string, ids []any, set func(id int64, n int, last string) error) error {
	if len(ids) == 0 {
		return nil
	}
	shown, a := privateShown(v)
	// The private emails first, from their index: they are few.
	return each(ctx, q, `SELECT l.`+col+`, count(*), max(`+emailDate+`) FROM emails e CROSS JOIN `+link+` l ON l.email_id = e.id
		WHERE `+shown+` AND l.`+col+` IN (`+placeholders(len(ids))+`) GROUP BY l.`+col, func(rows *sql.Rows) error {
		var id int64
		var n int
		var last string
		if err := rows.Scan(&id, &n, &last); err != nil {
			return err
		}
		return set(id, n, last)
	}, append(a, ids...)...)
}

// addStat adds n emails, the newest dated last, to a count and a date.
func addStat(emails *int, lastEmail *time.Time, n int, last string) error {
	t, err := parseOptionalTime(last)
	if err != nil {
		return err
	}
	*emails += n
	if t.After(*lastEmail) {
		*lastEmail = t
	}
	return nil
}
