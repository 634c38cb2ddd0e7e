package crmstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/email"
	"github.com/poller-crm/poller/pkg/ingest"
)

// Record commits a batch of processed messages in one transaction: a
// message whose data the store refuses is rolled back alone and recorded
// as failed. A fault of the database itself (disk full, locked, corrupt)
// aborts the batch and returns the error: nothing of it is committed, so
// nothing may be acknowledged.
//
// The batch is first written without a savepoint per message (two more
// statements each); only when a message fails is the batch written again,
// guarded, a savepoint around each message. The raw messages are hashed and
// compressed beforehand, in parallel, outside the transaction.
func (s *Store) Record(ctx context.Context, items []ingest.Item) ([]ingest.Result, error) {
	if len(items) == 0 {
		return nil, nil
	}
	blobs := s.prepareBlobs(items)
	results, err := s.recordBatch(ctx, items, blobs, false)
	if errors.Is(err, errGuard) {
		results, err = s.recordBatch(ctx, items, blobs, true)
	}
	return results, err
}

// errGuard says that a message of an unguarded batch failed: the batch is
// to be written again with a savepoint per message.
var errGuard = errors.New("a message failed: record the batch again, guarded")

// recordBatch writes items in one transaction; guarded puts each message
// in a savepoint of its own, so that one that fails is rolled back alone.
func (s *Store) recordBatch(ctx context.Context, items []ingest.Item, blobs []rawBlob, guarded bool) ([]ingest.Result, error) {
	// The transaction and its statements run on a context that cannot be
	// cancelled, as each statement is short: the driver would start a
	// goroutine per statement to watch a cancellable one. Cancelling ctx
	// stops the batch between messages and before the commit, and then
	// nothing of it is committed.
	stop := ctx
	ctx = context.WithoutCancel(ctx)
	tx, err := s.beginConn(ctx)
	if err != nil {
		return nil, fmt.Errorf("record: begin: %w", s.describe(err))
	}
	defer tx.Rollback()
	now := s.now()
	results := make([]ingest.Result, len(items))
	for i := range items {
		if err := stop.Err(); err != nil {
			return nil, fmt.Errorf("record: %w", err)
		}
		if guarded {
			if _, err := tx.ExecContext(ctx, `SAVEPOINT message`); err != nil {
				return nil, fmt.Errorf("record: %w", s.describe(err))
			}
		}
		res, err := s.recordOne(ctx, tx, &items[i], blobs[i], now)
		if err != nil {
			if s.isStoreFault(err) {
				return nil, fmt.Errorf("record %s: %w", items[i].Origin, s.describe(err))
			}
			if !guarded {
				return nil, errGuard
			}
			if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO message`); rerr != nil {
				return nil, fmt.Errorf("record %s: %w", items[i].Origin, s.describe(err))
			}
			res, err = s.recordFailure(ctx, tx, &items[i], blobs[i], err, now)
			if err != nil {
				return nil, fmt.Errorf("record %s: %w", items[i].Origin, s.describe(err))
			}
		}
		if guarded {
			if _, err := tx.ExecContext(ctx, `RELEASE message`); err != nil {
				return nil, fmt.Errorf("record: %w", s.describe(err))
			}
		}
		results[i] = res
	}
	if err := stop.Err(); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	if err := s.commit(ctx, tx); err != nil {
		return nil, fmt.Errorf("record: commit: %w", s.describe(err))
	}
	return results, nil
}

type intakeRow struct {
	outcome ingest.Outcome
	reason  crm.Reason
	detail  string
	emailID int64
	rawSum  string
}

// recordOne records one message inside the batch's transaction.
func (s *Store) recordOne(ctx context.Context, tx dbtx, it *ingest.Item, blob rawBlob, now string) (ingest.Result, error) {
	rawSum := blob.sum

	// The very same message from the very same place: recorded already.
	if prev, ok, err := s.previousIntake(ctx, tx, it.Origin, rawSum); err != nil {
		return ingest.Result{}, err
	} else if ok {
		prev.Seen = true
		return prev, nil
	}
	if err := s.putBlob(ctx, tx, it.Raw, blob, now); err != nil {
		return ingest.Result{}, err
	}
	if it.Failure != nil {
		return s.recordFailure(ctx, tx, it, blob, it.Failure, now)
	}
	row := intakeRow{rawSum: rawSum}
	var res ingest.Result
	switch d := it.Decision; {
	case d.Rejected():
		row.outcome, row.reason, row.detail = ingest.OutcomeRejected, d.Reason, d.Detail
		res = ingest.Result{Outcome: ingest.OutcomeRejected, Reason: d.Reason}
	default:
		var err error
		if res, _, err = s.logDecision(ctx, tx, it, rawSum, now); err != nil {
			return ingest.Result{}, err
		}
		row.outcome, row.emailID, row.detail = res.Outcome, res.EmailIDs[0], d.Detail
		if res.Outcome == ingest.OutcomeLogged { // and what its tags did (a duplicate's did nothing)
			if row.detail, err = loggedDetail(ctx, tx, it); err != nil {
				return ingest.Result{}, err
			}
		}
	}
	if err := s.insertIntake(ctx, tx, it, row, now); err != nil {
		return ingest.Result{}, err
	}
	// The notice, if any, commits with the intake row or not at all.
	if err := s.queueNotice(ctx, tx, it, &res, rawSum, now); err != nil {
		return ingest.Result{}, err
	}
	return res, nil
}

// logDecision logs the email of it's decision and of each of its More (a
// new email, or the one logged already): the outcome is logged when any is
// new, else duplicate. created are the ids of the new ones. Record and
// Reprocess both log through it.
func (s *Store) logDecision(ctx context.Context, tx dbtx, it *ingest.Item, rawSum, now string) (res ingest.Result, created []int64, err error) {
	d := it.Decision
	res.Outcome = ingest.OutcomeDuplicate
	for _, one := range append([]crm.Decision{d}, d.More...) {
		id, isNew, err := s.logEmail(ctx, tx, it, one, rawSum, now)
		if err != nil {
			return ingest.Result{}, nil, err
		}
		res.EmailIDs = append(res.EmailIDs, id)
		if isNew {
			res.Outcome = ingest.OutcomeLogged
			created = append(created, id)
		}
	}
	return res, created, nil
}

// recordFailure records that processing it failed with cause, keeping its
// raw bytes, and counts its failures so far.
func (s *Store) recordFailure(ctx context.Context, tx dbtx, it *ingest.Item, blob rawBlob, cause error, now string) (ingest.Result, error) {
	rawSum := blob.sum
	if err := s.putBlob(ctx, tx, it.Raw, blob, now); err != nil {
		return ingest.Result{}, err
	}
	if err := s.insertIntake(ctx, tx, it, intakeRow{outcome: ingest.OutcomeFailed, detail: cause.Error(), rawSum: rawSum}, now); err != nil {
		return ingest.Result{}, err
	}
	var attempts int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM intake WHERE raw_sha256 = ? AND outcome = 'failed'`, rawSum).Scan(&attempts); err != nil {
		return ingest.Result{}, fmt.Errorf("count failures: %w", err)
	}
	return ingest.Result{Outcome: ingest.OutcomeFailed, Err: cause, Attempts: attempts}, nil
}

// LastUIDValidity returns the UIDVALIDITY of the mailbox's most recent
// intake row.
func (s *Store) LastUIDValidity(ctx context.Context, mailbox string) (uint32, bool, error) {
	var v uint32
	err := s.db.QueryRowContext(ctx, `SELECT uidvalidity FROM intake WHERE mailbox = ? ORDER BY id DESC LIMIT 1`, mailbox).Scan(&v)
	if err == sql.ErrNoRows {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("last UIDVALIDITY of %s: %w", mailbox, s.describe(err))
	}
	return v, true, nil
}

// previousIntake finds an earlier, final record of the same bytes from the
// same origin.
func (s *Store) previousIntake(ctx context.Context, tx dbtx, o ingest.Origin, rawSum string) (ingest.Result, bool, error) {
	var outcome, reason string
	var emailID sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT outcome, reason, email_id FROM intake
		WHERE raw_sha256 = ? AND origin_path = ? AND +mailbox = ? AND uidvalidity = ? AND uid = ? AND outcome != 'failed'
		LIMIT 1`, rawSum, o.Path, o.Mailbox, o.UIDValidity, o.UID).Scan(&outcome, &reason, &emailID)
	if err == sql.ErrNoRows {
		return ingest.Result{}, false, nil
	}
	if err != nil {
		return ingest.Result{}, false, fmt.Errorf("look up intake: %w", err)
	}
	res := ingest.Result{Outcome: ingest.Outcome(outcome), Reason: crm.Reason(reason)}
	if emailID.Valid {
		res.EmailIDs = []int64{emailID.Int64}
	}
	return res, true, nil
}

func (s *Store) insertIntake(ctx context.Context, tx dbtx, it *ingest.Item, row intakeRow, now string) error {
	var messageID, received, from, subject string
	if m := it.Message; m != nil {
		messageID, subject = m.MessageID, m.Subject
		if !m.Date.IsZero() {
			received = formatTime(m.Date)
		}
		if f, ok := m.FirstFrom(); ok {
			from = strings.ToLower(f.Address)
		}
	}
	var emailID, rawSum any
	if row.emailID != 0 {
		emailID = row.emailID
	}
	if row.rawSum != "" {
		rawSum = row.rawSum
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO intake (outcome, reason, detail, message_id, email_id, raw_sha256,
		origin_path, mailbox, uidvalidity, uid, received_at, processed_at, from_address, subject)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		row.outcome, string(row.reason), row.detail, messageID, emailID, rawSum,
		it.Origin.Path, it.Origin.Mailbox, it.Origin.UIDValidity, it.Origin.UID, received, now, from, subject)
	if err != nil {
		return fmt.Errorf("insert intake row: %w", err)
	}
	return nil
}

// loggedEmail is what a decision logs, whichever its kind.
type loggedEmail struct {
	kind              crm.Kind
	dedupKey          string
	contentKey        string
	messageID         string
	originalMessageID string
	from              email.Address
	to, cc            []email.Address
	date              time.Time
	subject           string
	bodyText          string
	bodyHTML          string
	note              string
	refs              []string // In-Reply-To and References, for threading
	direct            bool     // the message itself is the email (not an original inside it)
}

func newLoggedEmail(it *ingest.Item, d crm.Decision) loggedEmail {
	m := it.Message
	e := loggedEmail{kind: d.Kind, messageID: m.MessageID, subject: d.Subject, bodyText: d.Body, note: d.Note}
	if o := d.Original; o != nil {
		e.originalMessageID = o.MessageID
		e.from, e.to, e.cc, e.date = o.From, o.To, o.Cc, o.Date
	} else {
		e.direct = true
		e.from, _ = m.FirstFrom()
		e.to, e.cc, e.date = m.To, m.Cc, m.Date
		e.bodyHTML = m.HTML
		e.refs = append(append([]string(nil), m.InReplyTo...), m.References...)
	}
	logTo := make([]string, len(d.LogTo))
	for i, c := range d.LogTo {
		logTo[i] = c.Address
	}
	e.contentKey = crm.ContentKey(e.from.Address, e.subject, e.bodyText, logTo)
	id := e.originalMessageID
	if e.direct {
		id = e.messageID
	}
	e.dedupKey = crm.DedupKey(id, e.contentKey, e.date)
	return e
}

// logEmail logs one decision's email unless it is logged already, and
// reports its id and whether it is new.
func (s *Store) logEmail(ctx context.Context, tx dbtx, it *ingest.Item, d crm.Decision, rawSum, now string) (int64, bool, error) {
	e := newLoggedEmail(it, d)
	if id, ok, err := findEmail(ctx, tx, e); err != nil || ok {
		return id, false, err
	}
	userID, err := s.userID(ctx, tx, d.User)
	if err != nil {
		return 0, false, err
	}
	var date, dateUTC string
	if !e.date.IsZero() {
		date, dateUTC = e.date.Format(time.RFC3339), formatTime(e.date)
	}
	toJSON, ccJSON := addressesJSON(e.to), addressesJSON(e.cc)
	attachNote := s.storeAttachments(it, e.direct)
	thread, err := threadOf(ctx, tx, e.refs)
	if err != nil {
		return 0, false, err
	}
	// The message's own HTML body is read from its raw message on demand
	// (rawHTML), not stored a second time, unless the message is large.
	bodyHTML, htmlInRaw := e.bodyHTML, false
	if e.direct && bodyHTML != "" && rawSum != "" && len(it.Raw) <= rawHTMLMax {
		bodyHTML, htmlInRaw = "", true
	}
	id, _, err := s.insertID(ctx, tx, `INSERT INTO emails (kind, dedup_key, content_key, message_id, original_message_id,
		from_name, from_address, to_json, cc_json, date, date_utc, subject, body_text, body_html, html_in_raw, note,
		attachment_note, user_id, thread_id, raw_sha256, created_at, private) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		string(e.kind), e.dedupKey, e.contentKey, e.messageID, e.originalMessageID,
		e.from.Name, strings.ToLower(e.from.Address), toJSON, ccJSON, date, dateUTC, e.subject, e.bodyText, bodyHTML, htmlInRaw, e.note,
		attachNote.text, userID, thread, rawSum, now, d.Tags.Private)
	if err != nil {
		return 0, false, fmt.Errorf("insert email: %w", err)
	}
	for _, a := range attachNote.kept {
		if _, err := tx.ExecContext(ctx, `INSERT INTO attachments (email_id, name, content_type, size, sha256, content_id, inline, part)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, a.Filename, a.ContentType, a.Size, a.SHA256, a.ContentID, a.Inline, a.part); err != nil {
			return 0, false, fmt.Errorf("insert attachment: %w", err)
		}
	}
	// log+deal-ID@: that deal only; an unknown one: the usual deals.
	pin, pinned, err := pinnedDeal(ctx, tx, d.Tags.Deal)
	if err != nil {
		return 0, false, err
	}
	for _, c := range d.LogTo {
		if err := s.associate(ctx, tx, id, c, userID, d.Kind, pinned, now); err != nil {
			return 0, false, err
		}
	}
	if pinned {
		if err := pinEmail(ctx, tx, id, pin); err != nil {
			return 0, false, err
		}
	}
	return id, true, nil
}

// findEmail finds an email already logged for the same logical email: by
// its dedup key, and for a forward whose original has no Message-ID, by
// content within a day.
func findEmail(ctx context.Context, tx dbtx, e loggedEmail) (int64, bool, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM emails WHERE dedup_key = ?`, e.dedupKey).Scan(&id)
	if err == nil {
		return id, true, nil
	}
	if err != sql.ErrNoRows {
		return 0, false, fmt.Errorf("look up email: %w", err)
	}
	if !crm.ByContent(e.dedupKey) {
		return 0, false, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, date_utc FROM emails WHERE content_key = ? ORDER BY id`, e.contentKey)
	if err != nil {
		return 0, false, fmt.Errorf("look up email by content: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var dateUTC string
		if err := rows.Scan(&id, &dateUTC); err != nil {
			return 0, false, err
		}
		other, _ := time.Parse(timeLayout, dateUTC)
		if crm.SameDate(e.date, other) {
			return id, true, nil
		}
	}
	return 0, false, rows.Err()
}

// threadOf returns the thread the email joins (crm.Thread), or nil: an
// email that starts a thread has a NULL thread_id, read as its own id
// (COALESCE(thread_id, id)).
func threadOf(ctx context.Context, tx dbtx, refs []string) (any, error) {
	thread, ok, err := crm.Thread(refs, func(ref string) (int64, bool, error) {
		var thread int64
		err := tx.QueryRowContext(ctx, `SELECT COALESCE(thread_id, id) FROM emails WHERE message_id = ? OR original_message_id = ? LIMIT 1`,
			ref, ref).Scan(&thread)
		if err == sql.ErrNoRows {
			return 0, false, nil
		}
		return thread, err == nil, err
	})
	if err != nil || !ok {
		if err != nil {
			err = fmt.Errorf("look up thread: %w", err)
		}
		return nil, err
	}
	return thread, nil
}

func (s *Store) userID(ctx context.Context, tx dbtx, u *crm.User) (any, error) {
	if u == nil {
		return nil, nil
	}
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE email = ?`, strings.ToLower(u.Email)).Scan(&id)
	if err == sql.ErrNoRows { // not synced from the config: add it
		err = tx.QueryRowContext(ctx, `INSERT INTO users (email, name) VALUES (?, ?) RETURNING id`, strings.ToLower(u.Email), u.Name).Scan(&id)
	}
	if err != nil {
		return nil, fmt.Errorf("look up user %s: %w", u.Email, err)
	}
	return id, nil
}

type mailboxJSON struct {
	Name    string `json:"name,omitempty"`
	Address string `json:"address"`
}

func addressesJSON(list []email.Address) string {
	out := make([]mailboxJSON, len(list))
	for i, a := range list {
		out[i] = mailboxJSON{Name: a.Name, Address: strings.ToLower(a.Address)}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// attachmentsStored is what storeAttachments kept and what it noted.
type attachmentsStored struct {
	kept []keptAttachment
	text string
}

// keptAttachment is an attachment logged with its email: its content stays
// in the raw message, as the part-th of the message's own attachments.
type keptAttachment struct {
	email.Attachment
	part int
}

// storeAttachments lists the message's own attachments to log (only for
// an email that is the message itself: a forward's original carries none
// of its own), dropping those over the size limit with a note. Their
// content is not stored again: Attachment decodes it from the raw
// message.
func (s *Store) storeAttachments(it *ingest.Item, direct bool) attachmentsStored {
	var out attachmentsStored
	if !direct || it.Message == nil || len(it.Message.Attachments) == 0 {
		return out
	}
	var notes []string
	for i, a := range it.Message.Attachments {
		if a.Size > s.opts.MaxAttachmentSize {
			notes = append(notes, fmt.Sprintf("attachment %q (%d bytes) dropped: over the %d-byte limit", a.Filename, a.Size, s.opts.MaxAttachmentSize))
			continue
		}
		out.kept = append(out.kept, keptAttachment{Attachment: a, part: i})
	}
	out.text = strings.Join(notes, "; ")
	return out
}
