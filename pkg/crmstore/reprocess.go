package crmstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/ingest"
)

// ReprocessFilter selects the rejected intake rows Reprocess decides again.
// Zero fields select everything.
type ReprocessFilter struct {
	// IDs, when given, are the only rows looked at. An id that names no
	// row is an error wrapping ErrNotFound; one that is not a rejection is
	// reported as skipped.
	IDs []int64
	// Reason keeps the rows rejected for this reason.
	Reason crm.Reason
	// Since keeps the rows processed at or after it.
	Since time.Time
}

// ReprocessOptions tune Reprocess.
type ReprocessOptions struct {
	// DryRun decides and reports, then rolls every change back.
	DryRun bool
	// Actor is who asked (a user's address), recorded with each change; ""
	// for the command line.
	Actor string
	// BatchSize is how many rows are decided and changed in one
	// transaction (100).
	BatchSize int
}

// Change is an intake row whose outcome Reprocess changes: it was rejected
// for OldReason, and is now Outcome.
type Change struct {
	IntakeID  int64
	From      string
	Subject   string
	OldReason crm.Reason
	OldDetail string
	// Outcome is logged, duplicate (the email was logged already, the row
	// now names it) or rejected (for another Reason).
	Outcome ingest.Outcome
	Reason  crm.Reason
	Detail  string
	// Decision is the new decision under the current rules.
	Decision crm.Decision
	// EmailIDs are the emails the row now names: new ones, or those logged
	// already (also in a dry run, which then rolls the new ones back).
	EmailIDs []int64
}

// Skipped is a selected row that Reprocess left as it was, and why.
type Skipped struct {
	IntakeID int64
	Why      string
}

// ReprocessReport is what Reprocess did (or, for a dry run, would do).
type ReprocessReport struct {
	Checked int // rejected rows decided again
	Changes []Change
	Skipped []Skipped
	// Applied is false for a dry run.
	Applied bool
}

// Reprocess decides the stored raw message of each rejected intake row
// selected by f again with rules, and changes what the new decision
// changes, one transaction per batch: a message that is now logged gets
// its email, contacts, company and deals exactly as if it had just arrived
// (or, when its email is logged already, the row names that email); one
// rejected for another reason takes the new reason. The intake row keeps
// its id and takes the new outcome; intake_changes records the old one.
// Only rejections are decided again: a failed row is retried by the next
// pass over its mailbox. A row that a run changes is no longer a rejection,
// or is one for the reason the rules give, so a second run changes
// nothing. With an error, the report holds what the committed batches did.
func (s *Store) Reprocess(ctx context.Context, rules *crm.Rules, f ReprocessFilter, opts ReprocessOptions) (*ReprocessReport, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 100
	}
	rep := &ReprocessReport{Applied: !opts.DryRun}
	ids, err := s.reprocessCandidates(ctx, f, rep)
	if err != nil {
		return rep, err
	}
	for start := 0; start < len(ids); start += opts.BatchSize {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if err := s.reprocessBatch(ctx, rules, ids[start:min(start+opts.BatchSize, len(ids))], opts, rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// reprocessCandidates lists the ids of the rejected rows f selects, and
// reports in rep those of f.IDs that are not rejections.
func (s *Store) reprocessCandidates(ctx context.Context, f ReprocessFilter, rep *ReprocessReport) ([]int64, error) {
	conds := []string{`outcome = 'rejected'`}
	var a []any
	if f.Reason != "" {
		conds = append(conds, `reason = ?`)
		a = append(a, string(f.Reason))
	}
	if !f.Since.IsZero() {
		conds = append(conds, `processed_at >= ?`)
		a = append(a, formatTime(f.Since))
	}
	if len(f.IDs) > 0 {
		for _, id := range f.IDs {
			var outcome, reason string
			err := s.db.QueryRowContext(ctx, `SELECT outcome, reason FROM intake WHERE id = ?`, id).Scan(&outcome, &reason)
			if errors.Is(err, sql.ErrNoRows) {
				return nil, notFound("reprocess: intake #%d", id)
			}
			if err != nil {
				return nil, fmt.Errorf("reprocess: intake #%d: %w", id, s.describe(err))
			}
			if outcome != string(ingest.OutcomeRejected) {
				rep.Skipped = append(rep.Skipped, Skipped{id, "it is " + outcome + ", not a rejection"})
			}
			a = append(a, id)
		}
		conds = append(conds, `id IN (`+placeholders(len(f.IDs))+`)`)
	}
	var ids []int64
	err := each(ctx, s.db, `SELECT id FROM intake WHERE `+strings.Join(conds, ` AND `)+` ORDER BY id`, func(rows *sql.Rows) error {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		ids = append(ids, id)
		return nil
	}, a...)
	if err != nil {
		return nil, fmt.Errorf("reprocess: %w", s.describe(err))
	}
	return ids, nil
}

// storedIntake is a rejected intake row as Reprocess reads it.
type storedIntake struct {
	id            int64
	outcome       string
	reason        crm.Reason
	detail        string
	rawSum        sql.NullString
	origin        ingest.Origin
	from, subject string
}

// reprocessBatch decides ids again and applies the changes in one
// transaction (rolled back for a dry run), with a savepoint per row: a row
// whose new data the store refuses is left as it was and reported. Only a
// committed batch (or a dry run) is added to into.
func (s *Store) reprocessBatch(ctx context.Context, rules *crm.Rules, ids []int64, opts ReprocessOptions, into *ReprocessReport) error {
	rep := &ReprocessReport{}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("reprocess: begin: %w", s.describe(err))
	}
	defer tx.Rollback()
	now := s.now()
	for _, id := range ids {
		var r storedIntake
		err := tx.QueryRowContext(ctx, `SELECT id, outcome, reason, detail, raw_sha256, origin_path, mailbox, uidvalidity, uid,
			from_address, subject FROM intake WHERE id = ?`, id).Scan(&r.id, &r.outcome, &r.reason, &r.detail, &r.rawSum,
			&r.origin.Path, &r.origin.Mailbox, &r.origin.UIDValidity, &r.origin.UID, &r.from, &r.subject)
		if err != nil {
			return fmt.Errorf("reprocess: intake #%d: %w", id, s.describe(err))
		}
		if r.outcome != string(ingest.OutcomeRejected) {
			continue // changed since it was listed (another run, the web app)
		}
		if !r.rawSum.Valid {
			rep.Skipped = append(rep.Skipped, Skipped{id, "no raw message is stored"})
			continue
		}
		var raw bytes.Buffer
		if err := readBlob(ctx, tx, r.rawSum.String, &raw); errors.Is(err, ErrNotFound) {
			rep.Skipped = append(rep.Skipped, Skipped{id, "its raw message is missing from the store"})
			continue
		} else if err != nil {
			return fmt.Errorf("reprocess: intake #%d: %w", id, s.describe(err))
		}
		rep.Checked++
		// A message rejected too_large was stored as its header section
		// only: decide on its whole size, as the pass did.
		var size int64
		partial := false
		if r.reason == crm.ReasonTooLarge {
			if _, err := fmt.Sscanf(r.detail, "the message is %d bytes", &size); err == nil && size > int64(raw.Len()) {
				partial = true
			}
		}
		it := ingest.ProcessSized(rules, r.origin, raw.Bytes(), size)
		d := it.Decision
		switch {
		case it.Failure != nil:
			why, _, _ := strings.Cut(it.Failure.Error(), "\n")
			rep.Skipped = append(rep.Skipped, Skipped{id, "deciding it failed: " + why})
			continue
		case d.Rejected() && d.Reason == r.reason:
			continue // no change
		case partial && !(d.Rejected() && d.Reason == crm.ReasonTooLarge):
			rep.Skipped = append(rep.Skipped, Skipped{id, "only its header section is stored (it was too large): " +
				"move the message back to INBOX, unseen, to log it"})
			continue
		}
		if _, err := tx.ExecContext(ctx, `SAVEPOINT reprocess`); err != nil {
			return fmt.Errorf("reprocess: %w", s.describe(err))
		}
		c, err := s.applyReprocess(ctx, tx, r, &it, opts.Actor, now)
		if err != nil {
			if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO reprocess`); rerr != nil || s.isStoreFault(err) {
				return fmt.Errorf("reprocess: intake #%d: %w", id, s.describe(err))
			}
			rep.Skipped = append(rep.Skipped, Skipped{id, "the store refused its new data: " + err.Error()})
		} else {
			rep.Changes = append(rep.Changes, c)
		}
		if _, err := tx.ExecContext(ctx, `RELEASE reprocess`); err != nil {
			return fmt.Errorf("reprocess: %w", s.describe(err))
		}
	}
	if !opts.DryRun { // a dry run is rolled back
		if err := s.commit(ctx, tx); err != nil {
			return fmt.Errorf("reprocess: commit: %w", s.describe(err))
		}
	}
	into.Checked += rep.Checked
	into.Changes = append(into.Changes, rep.Changes...)
	into.Skipped = append(into.Skipped, rep.Skipped...)
	return nil
}

// applyReprocess changes intake row r to the decision of it, logging its
// email through the path Record takes, and records the change.
func (s *Store) applyReprocess(ctx context.Context, tx dbtx, r storedIntake, it *ingest.Item, actor, now string) (Change, error) {
	d := it.Decision
	c := Change{IntakeID: r.id, From: r.from, Subject: r.subject, OldReason: r.reason, OldDetail: r.detail,
		Decision: d, Detail: d.Detail}
	var created []int64
	var emailID any
	if d.Rejected() {
		c.Outcome, c.Reason = ingest.OutcomeRejected, d.Reason
	} else {
		res, newIDs, err := s.logDecision(ctx, tx, it, r.rawSum.String, now)
		if err != nil {
			return c, err
		}
		c.Outcome, c.EmailIDs, created, emailID = res.Outcome, res.EmailIDs, newIDs, res.EmailIDs[0]
		if c.Detail, err = loggedDetail(ctx, tx, it); err != nil { // as Record writes it
			return c, err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE intake SET outcome = ?, reason = ?, detail = ?, email_id = ? WHERE id = ?`,
		string(c.Outcome), string(c.Reason), c.Detail, emailID, r.id); err != nil {
		return c, fmt.Errorf("update intake row: %w", err)
	}
	createdJSON, _ := json.Marshal(append([]int64{}, created...))
	if _, err := tx.ExecContext(ctx, `INSERT INTO intake_changes (intake_id, action, actor, changed_at,
		old_outcome, old_reason, old_detail, old_email_id, new_outcome, new_reason, new_detail, new_email_id, created_emails)
		VALUES (?, 'reprocess', ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?)`,
		r.id, actor, now, r.outcome, string(r.reason), r.detail,
		string(c.Outcome), string(c.Reason), c.Detail, emailID, string(createdJSON)); err != nil {
		return c, fmt.Errorf("record intake change: %w", err)
	}
	return c, nil
}
