package crmstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/ingest"
	"github.com/poller-crm/poller/pkg/notice"
	"github.com/poller-crm/poller/pkg/outbox"
)

// The store is outbox.Store.
var _ outbox.Store = (*Store)(nil)

// MaxAttachmentSize is the size above which a logged email's attachments
// are dropped (Options.MaxAttachmentSize).
func (s *Store) MaxAttachmentSize() int64 { return s.opts.MaxAttachmentSize }

// queueNotice queues the item's notice, if any, in the transaction that has just
// inserted its intake row: composed now with a fixed Message-ID, so that
// every retry sends the same bytes. A message recorded again, or another
// copy of it, never queues a second notice for the same recipient and
// reason (outbox_once). A notice that cannot be composed is kept as
// failed, with why, rather than failing the message.
func (s *Store) queueNotice(ctx context.Context, tx dbtx, it *ingest.Item, res *ingest.Result, rawSum, now string) error {
	if it.Notice == nil {
		return nil
	}
	n := *it.Notice
	// The intake row just inserted is the message's latest.
	var intakeID int64
	if err := tx.QueryRowContext(ctx, `SELECT max(id) FROM intake WHERE raw_sha256 = ?`, rawSum).Scan(&intakeID); err != nil {
		return fmt.Errorf("queue notice: %w", err)
	}
	var emailID any
	if n.Reason == notice.ReasonAttachmentDropped {
		id, ok := directEmail(it, res)
		if !ok {
			return nil // logged before: its notice went out then
		}
		n.EmailID, emailID = id, id
	} else {
		n.IntakeID = intakeID
	}
	if n.NoticeID == "" {
		n.NoticeID = notice.NewMessageID(n.From)
	}
	status, lastErr := "queued", ""
	msg, err := notice.Compose(n, s.opts.Now())
	if err != nil {
		status, lastErr, msg = "failed", "compose: "+err.Error(), []byte{}
	}
	from, to := n.Envelope()
	toJSON, _ := json.Marshal(to)
	r, err := tx.ExecContext(ctx, `INSERT INTO outbox (intake_id, email_id, raw_sha256, reason, user_key, recipient,
		envelope_from, envelope_to, message, message_id, status, next_attempt_at, last_error, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		intakeID, emailID, rawSum, n.Reason, strings.ToLower(n.Key()), strings.ToLower(n.To.Address),
		from, string(toJSON), msg, n.NoticeID, status, now, lastErr, now)
	if err != nil {
		return fmt.Errorf("queue notice: %w", err)
	}
	if k, _ := r.RowsAffected(); k > 0 && status == "queued" {
		res.Noticed = true
	}
	return nil
}

// directEmail is the new email that is the message itself (the one that
// keeps its attachments), if this record logged one.
func directEmail(it *ingest.Item, res *ingest.Result) (int64, bool) {
	if res.Outcome != ingest.OutcomeLogged {
		return 0, false
	}
	for i, d := range append([]crm.Decision{it.Decision}, it.Decision.More...) {
		if d.Original == nil && i < len(res.EmailIDs) {
			return res.EmailIDs[i], true
		}
	}
	return 0, false
}

// ClaimNotice implements outbox.Store.
func (s *Store) ClaimNotice(ctx context.Context, now, until time.Time) (outbox.Message, bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return outbox.Message{}, false, s.describe(err)
	}
	defer tx.Rollback()
	var m outbox.Message
	var status, toJSON, created string
	var intakeID, emailID sql.NullInt64
	at := formatTime(now)
	err = tx.QueryRowContext(ctx, `SELECT id, intake_id, email_id, reason, user_key, envelope_from, envelope_to, message,
		message_id, attempts, created_at, status FROM outbox
		WHERE (status = 'queued' AND next_attempt_at <= ?) OR (status = 'sending' AND claimed_until <= ?)
		ORDER BY next_attempt_at, id LIMIT 1`, at, at).Scan(&m.ID, &intakeID, &emailID, &m.Reason, &m.UserKey,
		&m.From, &toJSON, &m.Data, &m.MessageID, &m.Attempts, &created, &status)
	if err == sql.ErrNoRows {
		return outbox.Message{}, false, nil
	}
	if err != nil {
		return outbox.Message{}, false, fmt.Errorf("claim notice: %w", s.describe(err))
	}
	if err := json.Unmarshal([]byte(toJSON), &m.To); err != nil {
		return outbox.Message{}, false, fmt.Errorf("notice %d: envelope_to: %w", m.ID, err)
	}
	m.IntakeID, m.EmailID, m.Abandoned = intakeID.Int64, emailID.Int64, status == "sending"
	m.CreatedAt, _ = time.Parse(timeLayout, created)
	m.Attempts++
	if _, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'sending', attempts = ?, claimed_until = ? WHERE id = ?`,
		m.Attempts, formatTime(until), m.ID); err != nil {
		return outbox.Message{}, false, fmt.Errorf("claim notice %d: %w", m.ID, s.describe(err))
	}
	if err := tx.Commit(); err != nil {
		return outbox.Message{}, false, fmt.Errorf("claim notice %d: commit: %w", m.ID, s.describe(err))
	}
	return m, true, nil
}

// NoticesSentTo implements outbox.Store: the notices sent with userKey
// since since, and those another sender is sending now (at their claim).
func (s *Store) NoticesSentTo(ctx context.Context, userKey string, since time.Time, except int64) ([]time.Time, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT sent_at FROM outbox WHERE user_key = ? AND status = 'sent' AND sent_at > ? AND id != ?
		UNION ALL SELECT claimed_until FROM outbox WHERE user_key = ? AND status = 'sending' AND id != ?`,
		strings.ToLower(userKey), formatTime(since), except, strings.ToLower(userKey), except)
	if err != nil {
		return nil, fmt.Errorf("notices sent to %s: %w", userKey, s.describe(err))
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var at string
		if err := rows.Scan(&at); err != nil {
			return nil, err
		}
		if t, err := time.Parse(timeLayout, at); err == nil {
			out = append(out, t)
		}
	}
	return out, rows.Err()
}

// NoticeSent implements outbox.Store.
func (s *Store) NoticeSent(ctx context.Context, id int64, at time.Time) error {
	return s.updateNotice(ctx, id, `UPDATE outbox SET status = 'sent', sent_at = ?, claimed_until = '', last_error = '' WHERE id = ?`, formatTime(at), id)
}

// NoticeRetry implements outbox.Store.
func (s *Store) NoticeRetry(ctx context.Context, id int64, next time.Time, lastErr string) error {
	return s.updateNotice(ctx, id, `UPDATE outbox SET status = 'queued', next_attempt_at = ?, claimed_until = '', last_error = ? WHERE id = ?`,
		formatTime(next), lastErr, id)
}

// NoticeHeld implements outbox.Store.
func (s *Store) NoticeHeld(ctx context.Context, id int64, next time.Time) error {
	return s.updateNotice(ctx, id, `UPDATE outbox SET status = 'queued', next_attempt_at = ?, claimed_until = '',
		attempts = CASE WHEN attempts > 1 THEN attempts - 1 ELSE 0 END WHERE id = ?`, formatTime(next), id)
}

// NoticeFailed implements outbox.Store.
func (s *Store) NoticeFailed(ctx context.Context, id int64, lastErr string) error {
	return s.updateNotice(ctx, id, `UPDATE outbox SET status = 'failed', claimed_until = '', last_error = ? WHERE id = ?`, lastErr, id)
}

func (s *Store) updateNotice(ctx context.Context, id int64, query string, args ...any) error {
	r, err := s.db.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("notice %d: %w", id, s.describe(err))
	}
	if n, _ := r.RowsAffected(); n != 1 {
		return fmt.Errorf("notice %d: no such notice", id)
	}
	return nil
}

// OutboxCounts counts the notices by status, for "poller status".
func (s *Store) OutboxCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT status, count(*) FROM outbox GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("count notices: %w", s.describe(err))
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var status string
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return nil, err
		}
		out[status] = n
	}
	return out, rows.Err()
}
