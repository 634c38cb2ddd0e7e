package crmstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/poller-crm/poller/pkg/view"
)

// intakeColumns read a view.Intake with scanIntake, from intake i LEFT
// JOIN blobs b ON b.sha256 = i.raw_sha256.
const intakeColumns = `i.id, i.outcome, i.reason, i.detail, i.from_address, i.subject, i.message_id, COALESCE(i.email_id, 0),
	i.mailbox, i.uid, i.origin_path, i.received_at, i.processed_at, COALESCE(i.raw_sha256, ''), COALESCE(b.size, 0)`

const intakeFrom = `intake i LEFT JOIN blobs b ON b.sha256 = i.raw_sha256`

func scanIntake(rows *sql.Rows) (view.Intake, error) {
	var r view.Intake
	var received, processed string
	if err := rows.Scan(&r.ID, &r.Outcome, &r.Reason, &r.Detail, &r.From, &r.Subject, &r.MessageID, &r.EmailID,
		&r.Mailbox, &r.UID, &r.Path, &received, &processed, &r.RawSHA256, &r.RawSize); err != nil {
		return r, err
	}
	var err error
	if r.ReceivedAt, err = parseOptionalTime(received); err != nil {
		return r, fmt.Errorf("intake %d: %w", r.ID, err)
	}
	if r.ProcessedAt, err = parseStoreTime(processed); err != nil {
		return r, fmt.Errorf("intake %d: %w", r.ID, err)
	}
	return r, nil
}

// intakeAllowed is the condition on intake i that the viewer may see it:
// admins see every row, others the rows whose From is one of their
// addresses. ok is false when the viewer may see none.
func intakeAllowed(v view.Viewer) (cond string, a []any, ok bool) {
	if v.Admin {
		return `1 = 1`, nil, true
	}
	addrs := lowerAll(v.Addresses)
	if len(addrs) == 0 {
		return ``, nil, false
	}
	return `i.from_address IN (` + placeholders(len(addrs)) + `)`, addrs, true
}

func lowerAll(list []string) []any {
	var out []any
	for _, a := range list {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// Intake returns one page of intake rows, newest first, and how many
// match. A viewer who is not an admin gets only rows whose From is one of
// their addresses, whatever q.From says.
func (s *Store) Intake(ctx context.Context, v view.Viewer, iq view.IntakeQuery) (view.IntakeList, error) {
	list := view.IntakeList{Rows: []view.Intake{}}
	cond, allowed, ok := intakeAllowed(v)
	if !ok {
		return list, nil
	}
	conds := []string{cond}
	var a []any
	a = append(a, allowed...)
	if from := lowerAll(iq.From); len(from) > 0 {
		if !v.Admin { // only their own among those asked for
			from = slices.DeleteFunc(from, func(f any) bool { return !slices.Contains(allowed, f) })
			if len(from) == 0 {
				return list, nil
			}
		}
		conds = append(conds, `i.from_address IN (`+placeholders(len(from))+`)`)
		a = append(a, from...)
	}
	for _, f := range []struct{ col, val string }{{"outcome", iq.Outcome}, {"reason", iq.Reason}, {"mailbox", iq.Mailbox}} {
		if f.val != "" {
			conds = append(conds, `i.`+f.col+` = ?`)
			a = append(a, f.val)
		}
	}
	if !iq.Since.IsZero() {
		conds = append(conds, `i.processed_at >= ?`)
		a = append(a, formatTime(iq.Since))
	}
	if !iq.Until.IsZero() {
		conds = append(conds, `i.processed_at < ?`)
		a = append(a, formatTime(iq.Until))
	}
	where := `WHERE ` + strings.Join(conds, ` AND `)
	err := s.Snapshot(ctx, func(q Querier) error {
		err := each(ctx, q, `SELECT `+intakeColumns+` FROM `+intakeFrom+` `+where+` ORDER BY i.id DESC LIMIT ? OFFSET ?`,
			func(rows *sql.Rows) error {
				r, err := scanIntake(rows)
				if err != nil {
					return err
				}
				list.Rows = append(list.Rows, r)
				return nil
			}, args(a, pageArgs(iq.Page))...)
		if err != nil {
			return err
		}
		if err := hideIntakeEmails(ctx, q, v, list.Rows); err != nil {
			return err
		}
		return q.QueryRowContext(ctx, `SELECT count(*) FROM intake i `+where, a...).Scan(&list.Total)
	})
	if err != nil {
		return list, fmt.Errorf("intake: %w", s.describe(err))
	}
	return list, nil
}

// IntakeRow returns one intake row under the rule of Intake.
func (s *Store) IntakeRow(ctx context.Context, v view.Viewer, id int64) (*view.Intake, error) {
	cond, allowed, ok := intakeAllowed(v)
	if !ok {
		return nil, notFound("intake %d", id)
	}
	var out *view.Intake
	err := each(ctx, s.db, `SELECT `+intakeColumns+` FROM `+intakeFrom+` WHERE i.id = ? AND `+cond, func(rows *sql.Rows) error {
		r, err := scanIntake(rows)
		out = &r
		return err
	}, args([]any{id}, allowed)...)
	if err != nil {
		return nil, fmt.Errorf("intake %d: %w", id, s.describe(err))
	}
	if out == nil {
		return nil, notFound("intake %d", id)
	}
	one := []view.Intake{*out}
	if err := hideIntakeEmails(ctx, s.db, v, one); err != nil {
		return nil, fmt.Errorf("intake %d: %w", id, s.describe(err))
	}
	return &one[0], nil
}

// RawIntake writes the raw message of an intake row to w, under the rule
// of Intake.
func (s *Store) RawIntake(ctx context.Context, v view.Viewer, id int64, w io.Writer) error {
	cond, allowed, ok := intakeAllowed(v)
	if !ok {
		return notFound("raw message of intake %d", id)
	}
	if hidden, ha, ok := privateHidden(v); ok { // not the raw message of another's private email
		cond += ` AND NOT EXISTS (SELECT 1 FROM emails e WHERE e.id = i.email_id AND ` + hidden + `)`
		allowed = append(allowed, ha...)
	}
	var sum string
	err := s.db.QueryRowContext(ctx, `SELECT i.raw_sha256 FROM intake i WHERE i.id = ? AND i.raw_sha256 IS NOT NULL AND `+cond,
		args([]any{id}, allowed)...).Scan(&sum)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("raw message of intake %d", id)
	}
	if err != nil {
		return fmt.Errorf("raw message of intake %d: %w", id, s.describe(err))
	}
	if err := s.ReadBlob(ctx, sum, w); err != nil {
		return fmt.Errorf("raw message of intake %d: %w", id, err)
	}
	return nil
}

// Passes returns one page of the passes, the most recent first. It does
// not check who asks: the web app shows them to admins only.
func (s *Store) Passes(ctx context.Context, p view.Page) ([]view.Pass, error) {
	out := []view.Pass{}
	err := each(ctx, s.db, `SELECT id, mailbox, started_at, finished_at, seen, logged, rejected, duplicate,
		failed, quarantined, reconnects, error FROM passes ORDER BY id DESC LIMIT ? OFFSET ?`, func(rows *sql.Rows) error {
		var r view.Pass
		var started, finished string
		if err := rows.Scan(&r.ID, &r.Mailbox, &started, &finished, &r.Seen, &r.Logged, &r.Rejected, &r.Duplicate,
			&r.Failed, &r.Quarantined, &r.Reconnects, &r.Error); err != nil {
			return err
		}
		var err error
		if r.StartedAt, err = parseStoreTime(started); err != nil {
			return fmt.Errorf("pass %d: %w", r.ID, err)
		}
		if r.FinishedAt, err = parseStoreTime(finished); err != nil {
			return fmt.Errorf("pass %d: %w", r.ID, err)
		}
		out = append(out, r)
		return nil
	}, pageArgs(p)...)
	if err != nil {
		return nil, fmt.Errorf("passes: %w", s.describe(err))
	}
	return out, nil
}
