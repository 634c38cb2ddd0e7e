package crmstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// PassRecord is one pass over a mailbox.
type PassRecord struct {
	Mailbox                                   string
	StartedAt, FinishedAt                     time.Time
	Seen, Logged, Rejected, Duplicate, Failed int
	Quarantined, Reconnects                   int
	// Error says why the pass could not finish; "" when it did.
	Error string
}

// RecordPass adds a pass to the passes table.
func (s *Store) RecordPass(ctx context.Context, p PassRecord) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO passes (mailbox, started_at, finished_at, seen, logged, rejected,
		duplicate, failed, quarantined, reconnects, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.Mailbox, formatTime(p.StartedAt), formatTime(p.FinishedAt), p.Seen, p.Logged, p.Rejected,
		p.Duplicate, p.Failed, p.Quarantined, p.Reconnects, p.Error)
	if err != nil {
		return fmt.Errorf("record pass: %w", s.describe(err))
	}
	return nil
}

// Status is what "poller status" reports.
type Status struct {
	Passes []PassRecord // the most recent first
	// Day and Week count intake outcomes ("logged", "rejected", ...) and
	// rejection reasons ("rejected:sender_not_user") since a day and a
	// week ago.
	Day, Week  map[string]int
	Rejections []Rejection // the most recent first
}

// Rejection is a rejected message, as the intake log keeps it.
type Rejection struct {
	ProcessedAt time.Time
	From        string
	Subject     string
	Reason      string
	Detail      string
	MessageID   string
	Origin      string
}

// Status reads the last passes, the outcome counts of the last day and
// week, and the last rejections whose message was not logged since.
func (s *Store) Status(ctx context.Context, passes, rejections int) (*Status, error) {
	st := &Status{Day: map[string]int{}, Week: map[string]int{}}
	rows, err := s.db.QueryContext(ctx, `SELECT mailbox, started_at, finished_at, seen, logged, rejected, duplicate,
		failed, quarantined, reconnects, error FROM passes ORDER BY id DESC LIMIT ?`, passes)
	if err != nil {
		return nil, fmt.Errorf("status: %w", s.describe(err))
	}
	for rows.Next() {
		var p PassRecord
		var started, finished string
		if err := rows.Scan(&p.Mailbox, &started, &finished, &p.Seen, &p.Logged, &p.Rejected, &p.Duplicate,
			&p.Failed, &p.Quarantined, &p.Reconnects, &p.Error); err != nil {
			rows.Close()
			return nil, err
		}
		p.StartedAt, _ = time.Parse(timeLayout, started)
		p.FinishedAt, _ = time.Parse(timeLayout, finished)
		st.Passes = append(st.Passes, p)
	}
	rows.Close()
	now := s.opts.Now()
	for _, span := range []struct {
		since  time.Time
		counts map[string]int
	}{{now.Add(-24 * time.Hour), st.Day}, {now.Add(-7 * 24 * time.Hour), st.Week}} {
		if err := s.countOutcomes(ctx, s.db, formatTime(span.since), span.counts); err != nil {
			return nil, err
		}
	}
	// A rejection whose message was logged since (a copy of the same
	// bytes, or of the same Message-ID, moved back or sent again once the
	// config was fixed) needs no one's attention: it is left out.
	rows, err = s.db.QueryContext(ctx, `SELECT r.processed_at, r.from_address, r.subject, r.reason, r.detail, r.message_id,
		r.origin_path, r.mailbox, r.uidvalidity, r.uid FROM intake r
		WHERE r.outcome = 'rejected'
			AND NOT EXISTS (SELECT 1 FROM intake l WHERE r.raw_sha256 != '' AND l.raw_sha256 = r.raw_sha256
				AND l.outcome IN ('logged', 'duplicate'))
			AND NOT EXISTS (SELECT 1 FROM emails e WHERE r.message_id != '' AND e.message_id = r.message_id)
		ORDER BY r.id DESC LIMIT ?`, rejections)
	if err != nil {
		return nil, fmt.Errorf("status: %w", s.describe(err))
	}
	defer rows.Close()
	for rows.Next() {
		var r Rejection
		var processed, path, mailbox string
		var uidValidity, uid uint32
		if err := rows.Scan(&processed, &r.From, &r.Subject, &r.Reason, &r.Detail, &r.MessageID, &path, &mailbox, &uidValidity, &uid); err != nil {
			return nil, err
		}
		r.ProcessedAt, _ = time.Parse(timeLayout, processed)
		r.Origin = path
		if mailbox != "" {
			r.Origin = fmt.Sprintf("%s %d/%d", mailbox, uidValidity, uid)
		}
		st.Rejections = append(st.Rejections, r)
	}
	return st, rows.Err()
}

func (s *Store) countOutcomes(ctx context.Context, db *sql.DB, since string, counts map[string]int) error {
	rows, err := db.QueryContext(ctx, `SELECT outcome, reason, count(*) FROM intake WHERE processed_at >= ? GROUP BY outcome, reason`, since)
	if err != nil {
		return fmt.Errorf("status: %w", s.describe(err))
	}
	defer rows.Close()
	for rows.Next() {
		var outcome, reason string
		var n int
		if err := rows.Scan(&outcome, &reason, &n); err != nil {
			return err
		}
		counts[outcome] += n
		if reason != "" {
			counts[outcome+":"+reason] += n
		}
	}
	return rows.Err()
}
