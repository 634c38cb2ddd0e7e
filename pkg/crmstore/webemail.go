package crmstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"

	"github.com/poller-crm/poller/pkg/email"
	"github.com/poller-crm/poller/pkg/view"
)

// maxThreadEmails bounds the other emails of a thread an email's page
// lists.
const maxThreadEmails = view.MaxLimit

// RecentEmails returns one page of the newest emails attributed to the
// viewer.
func (s *Store) RecentEmails(ctx context.Context, v view.Viewer, p view.Page) ([]view.EmailSummary, error) {
	if v.UserID == 0 {
		return []view.EmailSummary{}, nil
	}
	var out []view.EmailSummary
	err := s.Snapshot(ctx, func(q Querier) error {
		var err error
		out, err = readSummaries(ctx, q, `SELECT `+summaryColumns+`
			FROM emails e LEFT JOIN users u ON u.id = e.user_id
			WHERE e.user_id = ? ORDER BY `+emailDate+` DESC, e.id DESC LIMIT ? OFFSET ?`,
			args([]any{v.UserID}, pageArgs(p))...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("recent emails: %w", s.describe(err))
	}
	return out, nil
}

// Email returns one email, whole: its associations, attachments and the
// other emails of its thread the viewer may see.
func (s *Store) Email(ctx context.Context, v view.Viewer, id int64) (*view.Email, error) {
	var out *view.Email
	err := s.Snapshot(ctx, func(q Querier) error {
		var err error
		out, err = readEmail(ctx, q, v, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("email %d: %w", id, s.describe(err))
	}
	return out, nil
}

func readEmail(ctx context.Context, q Querier, v view.Viewer, id int64) (*view.Email, error) {
	vis, visArgs := emailVisible(v)
	var e *view.Email
	var htmlInRaw bool
	err := each(ctx, q, `SELECT `+summaryColumns+`, e.message_id, e.original_message_id, e.to_json, e.cc_json, e.note,
		e.attachment_note, e.body_text, e.body_html, e.html_in_raw, COALESCE(e.raw_sha256, ''), COALESCE(b.size, 0), e.created_at
		FROM emails e LEFT JOIN users u ON u.id = e.user_id LEFT JOIN blobs b ON b.sha256 = e.raw_sha256
		WHERE e.id = ? AND `+vis, func(rows *sql.Rows) error {
		e = &view.Email{}
		var to, cc, logged string
		var err error
		e.EmailSummary, err = scanSummary(rows, &e.MessageID, &e.OriginalMessageID, &to, &cc, &e.Note,
			&e.AttachmentNote, &e.BodyText, &e.BodyHTML, &htmlInRaw, &e.RawSHA256, &e.RawSize, &logged)
		if err != nil {
			return err
		}
		if e.LoggedAt, err = parseStoreTime(logged); err != nil {
			return err
		}
		if e.To, err = viewAddresses(to); err != nil {
			return fmt.Errorf("to: %w", err)
		}
		if e.Cc, err = viewAddresses(cc); err != nil {
			return fmt.Errorf("cc: %w", err)
		}
		return nil
	}, args([]any{id}, visArgs)...)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, ErrNotFound
	}
	if htmlInRaw {
		if e.BodyHTML, err = rawHTML(ctx, q, e.RawSHA256); err != nil {
			return nil, err
		}
	}
	e.AttachmentList, e.Companies, e.Deals = []view.Attachment{}, []view.CompanyRef{}, []view.DealRef{}
	err = each(ctx, q, `SELECT id, email_id, name, content_type, size, sha256, content_id, inline
		FROM attachments WHERE email_id = ? ORDER BY id`, func(rows *sql.Rows) error {
		var a view.Attachment
		if err := rows.Scan(&a.ID, &a.EmailID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.ContentID, &a.Inline); err != nil {
			return err
		}
		e.AttachmentList = append(e.AttachmentList, a)
		return nil
	}, id)
	if err != nil {
		return nil, fmt.Errorf("attachments: %w", err)
	}
	err = each(ctx, q, `SELECT co.domain, co.name FROM email_companies ec JOIN companies co ON co.id = ec.company_id
		WHERE ec.email_id = ? ORDER BY co.domain`, func(rows *sql.Rows) error {
		var c view.CompanyRef
		if err := rows.Scan(&c.Domain, &c.Name); err != nil {
			return err
		}
		e.Companies = append(e.Companies, c)
		return nil
	}, id)
	if err != nil {
		return nil, fmt.Errorf("companies: %w", err)
	}
	err = each(ctx, q, `SELECT d.id, d.name, d.stage, d.status FROM email_deals ed JOIN deals d ON d.id = ed.deal_id
		WHERE ed.email_id = ? ORDER BY d.updated_at DESC, d.id DESC`, func(rows *sql.Rows) error {
		var d view.DealRef
		if err := rows.Scan(&d.ID, &d.Name, &d.Stage, &d.Status); err != nil {
			return err
		}
		e.Deals = append(e.Deals, d)
		return nil
	}, id)
	if err != nil {
		return nil, fmt.Errorf("deals: %w", err)
	}
	e.ThreadEmails = []view.EmailSummary{}
	err = each(ctx, q, `SELECT `+summaryColumns+` FROM emails e LEFT JOIN users u ON u.id = e.user_id
		WHERE COALESCE(e.thread_id, e.id) = ? AND e.id != ? AND `+vis+`
		ORDER BY `+emailDate+` DESC, e.id DESC LIMIT ?`, func(rows *sql.Rows) error {
		t, err := scanSummary(rows)
		if err != nil {
			return err
		}
		e.ThreadEmails = append(e.ThreadEmails, t)
		return nil
	}, args([]any{e.ThreadID, id}, visArgs, []any{maxThreadEmails})...)
	if err != nil {
		return nil, fmt.Errorf("thread: %w", err)
	}
	one := []view.EmailSummary{e.EmailSummary}
	if err := fillEmailContacts(ctx, q, one, e.ThreadEmails); err != nil {
		return nil, err
	}
	e.Contacts = one[0].Contacts
	return e, nil
}

// viewAddresses reads a to_json or cc_json column.
func viewAddresses(v string) ([]view.Address, error) {
	list, err := parseAddressesJSON(v)
	if err != nil {
		return nil, err
	}
	out := make([]view.Address, len(list))
	for i, a := range list {
		out[i] = view.Address{Name: a.Name, Address: a.Address}
	}
	return out, nil
}

// Attachment returns an attachment's metadata and writes its content to w
// (nothing when w is nil).
func (s *Store) Attachment(ctx context.Context, v view.Viewer, emailID, attachmentID int64, w io.Writer) (view.Attachment, error) {
	vis, visArgs := emailVisible(v)
	var a view.Attachment
	var part sql.NullInt64
	var raw sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT a.id, a.email_id, a.name, a.content_type, a.size, a.sha256, a.content_id, a.inline,
		a.part, e.raw_sha256
		FROM attachments a JOIN emails e ON e.id = a.email_id
		WHERE a.id = ? AND a.email_id = ? AND `+vis, args([]any{attachmentID, emailID}, visArgs)...).
		Scan(&a.ID, &a.EmailID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.ContentID, &a.Inline, &part, &raw)
	if errors.Is(err, sql.ErrNoRows) {
		return a, notFound("attachment %d of email %d", attachmentID, emailID)
	}
	if err != nil {
		return a, fmt.Errorf("attachment %d of email %d: %w", attachmentID, emailID, s.describe(err))
	}
	if w == nil {
		return a, nil
	}
	if !part.Valid || !raw.Valid { // logged before attachments were read from the raw message
		err = s.ReadBlob(ctx, a.SHA256, w)
	} else {
		err = s.readPart(ctx, raw.String, int(part.Int64), w)
	}
	if err != nil {
		return a, fmt.Errorf("attachment %d of email %d: %w", attachmentID, emailID, err)
	}
	return a, nil
}

// errPartDone stops the walk over a message's attachments once the one
// wanted is written.
var errPartDone = errors.New("part written")

// readPart writes the decoded content of the part-th attachment of the
// raw message rawSum to w, streaming the message through the parser
// rather than holding it.
func (s *Store) readPart(ctx context.Context, rawSum string, part int, w io.Writer) error {
	found := false
	err := streamBlob(ctx, s.db, rawSum, func(r io.Reader) error {
		return email.WalkAttachments(r, email.Limits{}, func(i int, _ email.Attachment, content io.Reader) error {
			if i != part {
				return nil
			}
			found = true
			if _, err := io.Copy(w, content); err != nil {
				return err
			}
			return errPartDone
		})
	})
	if err != nil && !errors.Is(err, errPartDone) {
		return err
	}
	if !found {
		return fmt.Errorf("the raw message has no attachment %d: %w", part, ErrNotFound)
	}
	return nil
}

// RawEmail writes the stored raw message of an email to w, byte for byte.
func (s *Store) RawEmail(ctx context.Context, v view.Viewer, emailID int64, w io.Writer) error {
	vis, visArgs := emailVisible(v)
	var sum string
	err := s.db.QueryRowContext(ctx, `SELECT e.raw_sha256 FROM emails e
		WHERE e.id = ? AND e.raw_sha256 IS NOT NULL AND `+vis, args([]any{emailID}, visArgs)...).Scan(&sum)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("raw message of email %d", emailID)
	}
	if err != nil {
		return fmt.Errorf("raw message of email %d: %w", emailID, s.describe(err))
	}
	if err := s.ReadBlob(ctx, sum, w); err != nil {
		return fmt.Errorf("raw message of email %d: %w", emailID, err)
	}
	return nil
}
