package crmstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/ingest"
	"github.com/poller-crm/poller/pkg/view"
)

// The web app's actions on a rejected intake row (issue 9, part 3): log it
// on a contact, re-run the rules, dismiss, and undo the latest of these.
// Each is one transaction that checks the viewer may act on the row (its
// From is one of their addresses, or they are an admin: the rule of
// IntakeRow) and records the change in intake_changes. A second
// submission of the same action finds nothing to do and changes nothing.

// refused is an error wrapping view.ErrRefused with a reason for people.
func refused(format string, a ...any) error {
	return fmt.Errorf("%w: %s", view.ErrRefused, fmt.Sprintf(format, a...))
}

// actionRow is an intake row as the actions read it.
type actionRow struct {
	storedIntake
	emailID                  sql.NullInt64
	dismissedAt, dismissedBy string
}

// readActionRow reads intake row id under the viewer rule of IntakeRow.
func readActionRow(ctx context.Context, q Querier, v view.Viewer, id int64) (actionRow, error) {
	var r actionRow
	cond, allowed, ok := intakeAllowed(v)
	if !ok {
		return r, notFound("intake %d", id)
	}
	err := q.QueryRowContext(ctx, `SELECT i.id, i.outcome, i.reason, i.detail, i.raw_sha256, i.origin_path, i.mailbox,
		i.uidvalidity, i.uid, i.from_address, i.subject, i.email_id, i.dismissed_at, i.dismissed_by
		FROM intake i WHERE i.id = ? AND `+cond, args([]any{id}, allowed)...).Scan(
		&r.id, &r.outcome, &r.reason, &r.detail, &r.rawSum, &r.origin.Path, &r.origin.Mailbox,
		&r.origin.UIDValidity, &r.origin.UID, &r.from, &r.subject, &r.emailID, &r.dismissedAt, &r.dismissedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return r, notFound("intake %d", id)
	}
	if err != nil {
		return r, fmt.Errorf("intake %d: %w", id, err)
	}
	return r, nil
}

// IntakeState returns the recorded changes of intake row id and whether it
// is dismissed, under the viewer rule of IntakeRow.
func (s *Store) IntakeState(ctx context.Context, v view.Viewer, id int64) (*view.IntakeState, error) {
	var st *view.IntakeState
	err := s.Snapshot(ctx, func(q Querier) error {
		r, err := readActionRow(ctx, q, v, id)
		if err != nil {
			return err
		}
		st, err = readIntakeState(ctx, q, r)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("intake %d: %w", id, s.describe(err))
	}
	return st, nil
}

// undoable reports whether an undo reverts c: a log, a dismissal, or a
// reprocess that changed the row, not undone yet.
func undoable(c view.IntakeChange) bool {
	if c.Undone() {
		return false
	}
	switch c.Action {
	case view.ActionLog, view.ActionDismiss:
		return true
	case view.ActionReprocess:
		return c.OldOutcome != c.NewOutcome || c.OldReason != c.NewReason || c.EmailID != 0
	}
	return false
}

func readIntakeState(ctx context.Context, q Querier, r actionRow) (*view.IntakeState, error) {
	st := &view.IntakeState{DismissedBy: r.dismissedBy, Changes: []view.IntakeChange{}}
	var err error
	if st.DismissedAt, err = parseOptionalTime(r.dismissedAt); err != nil {
		return nil, err
	}
	err = each(ctx, q, `SELECT id, action, actor, changed_at, old_outcome, old_reason, new_outcome, new_reason, new_detail,
		COALESCE(new_email_id, 0), contact, undone_by, undone_at
		FROM intake_changes WHERE intake_id = ? ORDER BY id DESC`, func(rows *sql.Rows) error {
		var c view.IntakeChange
		var at, undone string
		if err := rows.Scan(&c.ID, &c.Action, &c.Actor, &at, &c.OldOutcome, &c.OldReason, &c.NewOutcome, &c.NewReason,
			&c.NewDetail, &c.EmailID, &c.Contact, &c.UndoneBy, &undone); err != nil {
			return err
		}
		var err error
		if c.At, err = parseStoreTime(at); err != nil {
			return fmt.Errorf("change %d: %w", c.ID, err)
		}
		if c.UndoneAt, err = parseOptionalTime(undone); err != nil {
			return fmt.Errorf("change %d: %w", c.ID, err)
		}
		st.Changes = append(st.Changes, c)
		return nil
	}, r.id)
	if err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	for i := range st.Changes {
		if undoable(st.Changes[i]) {
			st.Undo = &st.Changes[i]
			break
		}
	}
	return st, nil
}

// UnresolvedIntake returns the viewer's own messages that were not logged
// (rejected or failed) and are not dismissed, newest first: the home
// page's list. Only rows whose From is one of the viewer's addresses,
// admins included.
func (s *Store) UnresolvedIntake(ctx context.Context, v view.Viewer, p view.Page) (view.IntakeList, error) {
	list := view.IntakeList{Rows: []view.Intake{}}
	addrs := lowerAll(v.Addresses)
	if len(addrs) == 0 {
		return list, nil
	}
	where := `WHERE i.from_address IN (` + placeholders(len(addrs)) + `) AND i.outcome IN ('rejected', 'failed') AND i.dismissed_at = ''`
	err := s.Snapshot(ctx, func(q Querier) error {
		err := each(ctx, q, `SELECT `+intakeColumns+` FROM `+intakeFrom+` `+where+` ORDER BY i.processed_at DESC, i.id DESC LIMIT ? OFFSET ?`,
			func(rows *sql.Rows) error {
				r, err := scanIntake(rows)
				if err != nil {
					return err
				}
				list.Rows = append(list.Rows, r)
				return nil
			}, args(addrs, pageArgs(p))...)
		if err != nil {
			return err
		}
		return q.QueryRowContext(ctx, `SELECT count(*) FROM intake i `+where, addrs...).Scan(&list.Total)
	})
	if err != nil {
		return list, fmt.Errorf("unresolved intake: %w", s.describe(err))
	}
	return list, nil
}

// LogIntakeOn logs the stored raw message of rejected intake row id on
// contact c (created when new, with c.Name), credited to the viewer: the
// decision is rules.DecideOn (the forwarded original for a forward, else
// the message as the viewer's outgoing mail), logged through the path
// Record takes, so that its company and deals follow. The row becomes
// logged (or duplicate, when that email was logged already) and the change
// is recorded with what it created, for an undo. On a row that is logged
// already it does nothing.
func (s *Store) LogIntakeOn(ctx context.Context, v view.Viewer, rules *crm.Rules, id int64, c view.ContactChoice) (view.ActionResult, error) {
	var out view.ActionResult
	if rules == nil {
		return out, errors.New("log intake: no rules")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return out, fmt.Errorf("log intake %d: begin: %w", id, s.describe(err))
	}
	defer tx.Rollback()
	r, err := readActionRow(ctx, tx, v, id)
	if err != nil {
		return out, err
	}
	switch {
	case r.outcome == string(ingest.OutcomeLogged) || r.outcome == string(ingest.OutcomeDuplicate):
		return view.ActionResult{Message: "It is logged already."}, nil
	case r.outcome != string(ingest.OutcomeRejected):
		return out, refused("it is %s, not a rejection: the next pass over its mailbox tries it again", r.outcome)
	case r.dismissedAt != "":
		return out, refused("it is dismissed: undo the dismissal first")
	case !r.rawSum.Valid:
		return out, refused("no raw message is stored for it")
	}
	user := rules.UserFor(v.Email)
	if user == nil {
		return out, refused("%s is not one of the config's users", v.Email)
	}
	var raw bytes.Buffer
	if err := readBlob(ctx, tx, r.rawSum.String, &raw); errors.Is(err, ErrNotFound) {
		return out, refused("its raw message is missing from the store")
	} else if err != nil {
		return out, fmt.Errorf("log intake %d: %w", id, s.describe(err))
	}
	var size int64
	if r.reason == crm.ReasonTooLarge {
		if _, err := fmt.Sscanf(r.detail, "the message is %d bytes", &size); err == nil && size > int64(raw.Len()) {
			return out, refused("only its header section is stored (it was too large): move the message back to INBOX, unseen, to log it")
		}
	}
	it := ingest.ProcessSized(rules, r.origin, raw.Bytes(), size)
	if it.Failure != nil || it.Message == nil {
		return out, refused("the message cannot be read, so it cannot be logged")
	}
	d, err := rules.DecideOn(it.Message, user, crm.Contact{Address: c.Address, Name: c.Name})
	if err != nil {
		return out, refused("%s", err.Error())
	}
	it.Decision = d
	contact := d.LogTo[0].Address
	now := s.now()

	// What exists before, so that an undo removes only what this created.
	existed := func(query, key string) (bool, error) {
		var n int
		err := tx.QueryRowContext(ctx, query, key).Scan(&n)
		return n > 0, err
	}
	hadContact, err := existed(`SELECT count(*) FROM contacts WHERE address = ?`, contact)
	if err != nil {
		return out, fmt.Errorf("log intake %d: %w", id, s.describe(err))
	}
	domain := crm.CompanyDomain(contact)
	hadCompany, err := existed(`SELECT count(*) FROM companies WHERE domain = ?`, domain)
	if err != nil {
		return out, fmt.Errorf("log intake %d: %w", id, s.describe(err))
	}
	res, created, err := s.logDecision(ctx, tx, &it, r.rawSum.String, now)
	if err != nil {
		return out, fmt.Errorf("log intake %d: %w", id, s.describe(err))
	}
	detail, err := loggedDetail(ctx, tx, &it)
	if err != nil {
		return out, fmt.Errorf("log intake %d: %w", id, s.describe(err))
	}
	var newContacts, newCompanies []int64
	if !hadContact {
		newContacts, err = idsWhere(ctx, tx, `SELECT id FROM contacts WHERE address = ?`, contact)
		if err != nil {
			return out, fmt.Errorf("log intake %d: %w", id, s.describe(err))
		}
	}
	if !hadCompany {
		newCompanies, err = idsWhere(ctx, tx, `SELECT id FROM companies WHERE domain = ?`, domain)
		if err != nil {
			return out, fmt.Errorf("log intake %d: %w", id, s.describe(err))
		}
	}
	emailID := res.EmailIDs[0]
	if _, err := tx.ExecContext(ctx, `UPDATE intake SET outcome = ?, reason = '', detail = ?, email_id = ? WHERE id = ?`,
		string(res.Outcome), detail, emailID, r.id); err != nil {
		return out, fmt.Errorf("log intake %d: %w", id, s.describe(err))
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO intake_changes (intake_id, action, actor, changed_at,
		old_outcome, old_reason, old_detail, old_email_id, new_outcome, new_reason, new_detail, new_email_id,
		created_emails, contact, created_contacts, created_companies)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?)`,
		r.id, view.ActionLog, v.Email, now, r.outcome, string(r.reason), r.detail, r.emailID,
		string(res.Outcome), detail, emailID, idsJSON(created), contact, idsJSON(newContacts), idsJSON(newCompanies)); err != nil {
		return out, fmt.Errorf("log intake %d: record change: %w", id, s.describe(err))
	}
	if err := s.commit(ctx, tx); err != nil {
		return out, fmt.Errorf("log intake %d: commit: %w", id, s.describe(err))
	}
	out.Changed = true
	if res.Outcome == ingest.OutcomeDuplicate {
		out.Message = fmt.Sprintf("This email was logged already (email %d): the item now names it.", emailID)
	} else {
		out.Message = fmt.Sprintf("Logged on %s as %s.", contact, d.Kind)
	}
	return out, nil
}

// RerunIntake decides rejected intake row id again with rules, through
// Reprocess (which records a change as its own), crediting the viewer. A
// re-run that changes nothing is recorded too ("rerun"), with why, so
// that the item's page can say so.
func (s *Store) RerunIntake(ctx context.Context, v view.Viewer, rules *crm.Rules, id int64) (view.ActionResult, error) {
	var out view.ActionResult
	if rules == nil {
		return out, errors.New("re-run intake: no rules")
	}
	r, err := readActionRow(ctx, s.db, v, id)
	if err != nil {
		return out, fmt.Errorf("re-run %w", s.describe(err))
	}
	switch {
	case r.outcome == string(ingest.OutcomeLogged) || r.outcome == string(ingest.OutcomeDuplicate):
		return view.ActionResult{Message: "It is logged already."}, nil
	case r.outcome != string(ingest.OutcomeRejected):
		return out, refused("it is %s, not a rejection: the next pass over its mailbox tries it again", r.outcome)
	case r.dismissedAt != "":
		return out, refused("it is dismissed: undo the dismissal first")
	}
	rep, err := s.Reprocess(ctx, rules, ReprocessFilter{IDs: []int64{id}}, ReprocessOptions{Actor: v.Email})
	if err != nil {
		return out, fmt.Errorf("re-run intake %d: %w", id, err)
	}
	if len(rep.Changes) > 0 {
		c := rep.Changes[0]
		out.Changed = true
		switch c.Outcome {
		case ingest.OutcomeRejected:
			out.Message = fmt.Sprintf("Still not logged, now for another reason: %s (was %s).", c.Reason, c.OldReason)
		case ingest.OutcomeDuplicate:
			out.Message = "It was logged already: the item now names that email."
		default:
			on := make([]string, len(c.Decision.LogTo))
			for i, ct := range c.Decision.LogTo {
				on[i] = ct.Address
			}
			out.Message = fmt.Sprintf("Logged as %s on %s.", c.Decision.Kind, strings.Join(on, ", "))
		}
		return out, nil
	}
	why := fmt.Sprintf("No change: still not logged (%s)", r.reason)
	if r.detail != "" {
		why += " because " + r.detail
	}
	why += "."
	for _, sk := range rep.Skipped {
		if sk.IntakeID == id {
			why = "Not re-run: " + sk.Why + "."
		}
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO intake_changes (intake_id, action, actor, changed_at,
		old_outcome, old_reason, old_detail, old_email_id, new_outcome, new_reason, new_detail, new_email_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, NULL)`,
		id, view.ActionRerun, v.Email, s.now(), r.outcome, string(r.reason), r.detail, r.outcome, string(r.reason), why); err != nil {
		return out, fmt.Errorf("re-run intake %d: record: %w", id, s.describe(err))
	}
	return view.ActionResult{Message: why}, nil
}

// DismissIntake marks intake row id (a rejection or a failure) dismissed by
// the viewer: it leaves their list of messages that were not logged, and
// keeps its outcome. A dismissed row stays so.
func (s *Store) DismissIntake(ctx context.Context, v view.Viewer, id int64) (view.ActionResult, error) {
	var out view.ActionResult
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return out, fmt.Errorf("dismiss intake %d: begin: %w", id, s.describe(err))
	}
	defer tx.Rollback()
	r, err := readActionRow(ctx, tx, v, id)
	if err != nil {
		return out, err
	}
	switch {
	case r.dismissedAt != "":
		return view.ActionResult{Message: "It is dismissed already."}, nil
	case r.outcome != string(ingest.OutcomeRejected) && r.outcome != string(ingest.OutcomeFailed):
		return out, refused("it is %s: there is nothing to dismiss", r.outcome)
	}
	now := s.now()
	if _, err := tx.ExecContext(ctx, `UPDATE intake SET dismissed_at = ?, dismissed_by = ? WHERE id = ?`, now, v.Email, id); err != nil {
		return out, fmt.Errorf("dismiss intake %d: %w", id, s.describe(err))
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO intake_changes (intake_id, action, actor, changed_at,
		old_outcome, old_reason, old_detail, old_email_id, new_outcome, new_reason, new_detail, new_email_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, view.ActionDismiss, v.Email, now, r.outcome, string(r.reason), r.detail, r.emailID,
		r.outcome, string(r.reason), r.detail, r.emailID); err != nil {
		return out, fmt.Errorf("dismiss intake %d: record: %w", id, s.describe(err))
	}
	if err := s.commit(ctx, tx); err != nil {
		return out, fmt.Errorf("dismiss intake %d: commit: %w", id, s.describe(err))
	}
	return view.ActionResult{Changed: true, Message: "Dismissed."}, nil
}

// storedChange is an intake_changes row as an undo reads it.
type storedChange struct {
	id                               int64
	action, changedAt                string
	oldOutcome, oldReason, oldDetail string
	oldEmailID                       sql.NullInt64
	newOutcome                       string
	newEmailID                       sql.NullInt64
	createdEmails, createdContacts   string
	createdCompanies                 string
}

// UndoIntake reverts change changeID of intake row id, which must be the
// change an undo reverts (view.IntakeState.Undo): undoing a dismissal
// restores the row to the list; undoing a log or a reprocess deletes the
// emails it created, and the contacts and companies it created that
// nothing else uses now, and restores the row's previous outcome, reason
// and detail. A change that is undone already is left as it is. The undo
// is recorded on the change (who, when).
func (s *Store) UndoIntake(ctx context.Context, v view.Viewer, id, changeID int64) (view.ActionResult, error) {
	var out view.ActionResult
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return out, fmt.Errorf("undo intake %d: begin: %w", id, s.describe(err))
	}
	defer tx.Rollback()
	r, err := readActionRow(ctx, tx, v, id)
	if err != nil {
		return out, err
	}
	st, err := readIntakeState(ctx, tx, r)
	if err != nil {
		return out, fmt.Errorf("undo intake %d: %w", id, s.describe(err))
	}
	if st.Undo == nil || st.Undo.ID != changeID {
		for _, c := range st.Changes {
			if c.ID == changeID && c.Undone() {
				return view.ActionResult{Message: "It was undone already."}, nil
			}
		}
		if st.Undo == nil {
			return view.ActionResult{Message: "There is nothing to undo."}, nil
		}
		return out, refused("only the latest change can be undone: reload the page")
	}
	var c storedChange
	err = tx.QueryRowContext(ctx, `SELECT id, action, changed_at, old_outcome, old_reason, old_detail, old_email_id,
		new_outcome, new_email_id, created_emails, created_contacts, created_companies
		FROM intake_changes WHERE id = ? AND intake_id = ?`, changeID, id).Scan(&c.id, &c.action, &c.changedAt,
		&c.oldOutcome, &c.oldReason, &c.oldDetail, &c.oldEmailID, &c.newOutcome, &c.newEmailID,
		&c.createdEmails, &c.createdContacts, &c.createdCompanies)
	if err != nil {
		return out, fmt.Errorf("undo intake %d: change %d: %w", id, changeID, s.describe(err))
	}
	now := s.now()
	switch c.action {
	case view.ActionDismiss:
		if _, err := tx.ExecContext(ctx, `UPDATE intake SET dismissed_at = '', dismissed_by = '' WHERE id = ?`, id); err != nil {
			return out, fmt.Errorf("undo intake %d: %w", id, s.describe(err))
		}
		out.Message = "The dismissal is undone: it is back on the list."
	default: // log, reprocess
		if r.outcome != c.newOutcome || r.emailID != c.newEmailID {
			return out, refused("the item changed since: reload the page")
		}
		if err := s.unlog(ctx, tx, id, c); err != nil {
			return out, fmt.Errorf("undo intake %d: %w", id, s.describe(err))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE intake SET outcome = ?, reason = ?, detail = ?, email_id = ? WHERE id = ?`,
			c.oldOutcome, c.oldReason, c.oldDetail, c.oldEmailID, id); err != nil {
			return out, fmt.Errorf("undo intake %d: %w", id, s.describe(err))
		}
		out.Message = "Undone: it is back to " + outcomeWords(c.oldOutcome, c.oldReason) + "."
	}
	if _, err := tx.ExecContext(ctx, `UPDATE intake_changes SET undone_at = ?, undone_by = ? WHERE id = ?`, now, v.Email, changeID); err != nil {
		return out, fmt.Errorf("undo intake %d: %w", id, s.describe(err))
	}
	if err := s.commit(ctx, tx); err != nil {
		return out, fmt.Errorf("undo intake %d: commit: %w", id, s.describe(err))
	}
	out.Changed = true
	return out, nil
}

func outcomeWords(outcome, reason string) string {
	if reason != "" {
		return outcome + " (" + reason + ")"
	}
	return outcome
}

// unlog deletes the emails change c of intake row id created, then the
// contacts and companies it created that nothing uses any more. The
// contacts and companies a reprocess created are not listed with it: they
// are those of its emails created in its transaction (at its time). It
// refuses when another intake row names one of the emails.
func (s *Store) unlog(ctx context.Context, tx dbtx, id int64, c storedChange) error {
	emails := parseIDs(c.createdEmails)
	if len(emails) == 0 {
		return nil
	}
	ea := toAny(emails)
	other, err := idsWhere(ctx, tx, `SELECT id FROM intake WHERE email_id IN (`+placeholders(len(ea))+`) AND id != ? LIMIT 1`,
		append(ea, id)...)
	if err != nil {
		return err
	}
	if len(other) > 0 {
		return refused("its email is also named by intake item %d, logged since: it cannot be taken back", other[0])
	}
	contacts := parseIDs(c.createdContacts)
	more, err := idsWhere(ctx, tx, `SELECT DISTINCT ec.contact_id FROM email_contacts ec JOIN contacts ct ON ct.id = ec.contact_id
		WHERE ec.email_id IN (`+placeholders(len(ea))+`) AND ct.created_at = ? AND ct.source != 'import'`, append(ea, c.changedAt)...)
	if err != nil {
		return err
	}
	contacts = append(contacts, more...)
	companies := parseIDs(c.createdCompanies)
	if len(contacts) > 0 {
		more, err := idsWhere(ctx, tx, `SELECT DISTINCT co.id FROM contacts ct JOIN companies co ON co.id = ct.company_id
			WHERE ct.id IN (`+placeholders(len(contacts))+`) AND co.created_at = ?`, append(toAny(contacts), c.changedAt)...)
		if err != nil {
			return err
		}
		companies = append(companies, more...)
	}
	// The row lets go of its email first: intake.email_id references it.
	if _, err := tx.ExecContext(ctx, `UPDATE intake SET email_id = NULL WHERE id = ?`, id); err != nil {
		return fmt.Errorf("release email: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM emails WHERE id IN (`+placeholders(len(ea))+`)`, ea...); err != nil {
		return fmt.Errorf("delete emails: %w", err)
	}
	if len(contacts) > 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM contacts WHERE id IN (`+placeholders(len(contacts))+`)
			AND NOT EXISTS (SELECT 1 FROM email_contacts WHERE contact_id = contacts.id)
			AND NOT EXISTS (SELECT 1 FROM deal_contacts WHERE contact_id = contacts.id)
			AND source != 'import'`, toAny(contacts)...); err != nil {
			return fmt.Errorf("delete contacts: %w", err)
		}
	}
	if len(companies) > 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM companies WHERE id IN (`+placeholders(len(companies))+`)
			AND NOT EXISTS (SELECT 1 FROM contacts WHERE company_id = companies.id)
			AND NOT EXISTS (SELECT 1 FROM email_companies WHERE company_id = companies.id)
			AND NOT EXISTS (SELECT 1 FROM deals WHERE company_id = companies.id)`, toAny(companies)...); err != nil {
			return fmt.Errorf("delete companies: %w", err)
		}
	}
	return nil
}

// idsWhere runs a query selecting one id column.
func idsWhere(ctx context.Context, q Querier, query string, a ...any) ([]int64, error) {
	var out []int64
	err := each(ctx, q, query, func(rows *sql.Rows) error {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		out = append(out, id)
		return nil
	}, a...)
	return out, err
}

func idsJSON(ids []int64) string {
	b, _ := json.Marshal(append([]int64{}, ids...))
	return string(b)
}

func parseIDs(s string) []int64 {
	var ids []int64
	_ = json.Unmarshal([]byte(s), &ids) // a malformed list undoes nothing
	return ids
}

func toAny(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}
