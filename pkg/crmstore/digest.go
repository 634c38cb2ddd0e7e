package crmstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/poller-crm/poller/pkg/notice"
)

// DigestUser is one user a daily digest may go to.
type DigestUser struct {
	Email   string
	Aliases []string
}

// digestReason is the outbox reason of a daily digest.
const digestReason = "digest"

// DigestDue reports whether user has no digest queued for day yet.
func (s *Store) DigestDue(ctx context.Context, user, day string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE reason = ? AND raw_sha256 = ? AND recipient = ?`,
		digestReason, "digest:"+day, strings.ToLower(user)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("digest of %s for %s: %w", user, day, s.describe(err))
	}
	return n == 0, nil
}

// DigestItems lists what was logged for u (emails credited to them) and
// what of theirs was not logged (rejected intake rows from their addresses)
// in [from, to).
func (s *Store) DigestItems(ctx context.Context, u DigestUser, from, to time.Time) (logged, notLogged []notice.DigestItem, err error) {
	lo, hi := formatTime(from), formatTime(to)
	rows, err := s.db.QueryContext(ctx, `SELECT e.id, e.subject, e.date_utc,
		COALESCE((SELECT group_concat(COALESCE(NULLIF(c.name, ''), c.address), ', ') FROM email_contacts ec
			JOIN contacts c ON c.id = ec.contact_id WHERE ec.email_id = e.id), '')
		FROM emails e JOIN users us ON us.id = e.user_id
		WHERE us.email = ? AND e.created_at >= ? AND e.created_at < ? ORDER BY e.created_at, e.id`,
		strings.ToLower(u.Email), lo, hi)
	if err != nil {
		return nil, nil, fmt.Errorf("digest of %s: %w", u.Email, s.describe(err))
	}
	for rows.Next() {
		var it notice.DigestItem
		var date string
		if err := rows.Scan(&it.ID, &it.Subject, &date, &it.Who); err != nil {
			rows.Close()
			return nil, nil, err
		}
		it.Date, _ = time.Parse(timeLayout, date)
		logged = append(logged, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	addrs := []any{strings.ToLower(u.Email)}
	for _, a := range u.Aliases {
		addrs = append(addrs, strings.ToLower(strings.TrimSpace(a)))
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(addrs)), ", ")
	rows, err = s.db.QueryContext(ctx, `SELECT id, subject, received_at, from_address, reason FROM intake
		WHERE outcome = 'rejected' AND from_address IN (`+marks+`) AND processed_at >= ? AND processed_at < ?
		ORDER BY processed_at, id`, append(addrs, lo, hi)...)
	if err != nil {
		return nil, nil, fmt.Errorf("digest of %s: %w", u.Email, s.describe(err))
	}
	defer rows.Close()
	for rows.Next() {
		var it notice.DigestItem
		var date string
		if err := rows.Scan(&it.ID, &it.Subject, &date, &it.Who, &it.Reason); err != nil {
			return nil, nil, err
		}
		it.Date, _ = time.Parse(timeLayout, date)
		notLogged = append(notLogged, it)
	}
	return logged, notLogged, rows.Err()
}

// QueueDigest queues user's digest for day (msg, composed by
// notice.ComposeDigest): at most one per user and day.
func (s *Store) QueueDigest(ctx context.Context, user, day, envelopeFrom string, msg []byte, messageID string) (bool, error) {
	user = strings.ToLower(user)
	to, _ := json.Marshal([]string{user})
	now := s.now()
	r, err := s.db.ExecContext(ctx, `INSERT INTO outbox (raw_sha256, reason, user_key, recipient, envelope_from, envelope_to,
		message, message_id, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		"digest:"+day, digestReason, user, user, envelopeFrom, string(to), msg, messageID, now, now)
	if err != nil {
		return false, fmt.Errorf("queue digest of %s: %w", user, s.describe(err))
	}
	n, _ := r.RowsAffected()
	return n > 0, nil
}
