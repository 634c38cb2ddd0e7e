package web

import (
	"context"
	"io"
	"time"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/view"
)

// Store is what the web app reads and writes. Every read takes the viewer
// and returns only what the viewer may see; a record the viewer may not
// see is an error wrapping view.ErrNotFound, exactly like a missing one.
type Store interface {
	// UserID returns the users table's id of the user with this primary
	// address (0 when unknown).
	UserID(ctx context.Context, email string) (int64, error)
	// PasswordHash returns the user's stored password hash ("" when none).
	PasswordHash(ctx context.Context, email string) (string, error)

	// CreateSession stores a session under the SHA-256 of its token.
	CreateSession(ctx context.Context, tokenHash []byte, userEmail string, now time.Time) error
	// Session returns the session stored under tokenHash (view.ErrNotFound
	// when none).
	Session(ctx context.Context, tokenHash []byte) (view.Session, error)
	// TouchSession records that the session was used at now.
	TouchSession(ctx context.Context, tokenHash []byte, now time.Time) error
	// DeleteSession removes a session (signing out).
	DeleteSession(ctx context.Context, tokenHash []byte) error
	// DeleteSessionsBefore removes sessions last seen before idle or
	// created before absolute.
	DeleteSessionsBefore(ctx context.Context, idle, absolute time.Time) error

	// RecentEmails returns the newest emails attributed to the viewer.
	RecentEmails(ctx context.Context, v view.Viewer, p view.Page) ([]view.EmailSummary, error)
	// Contacts returns one page of the contacts list.
	Contacts(ctx context.Context, v view.Viewer, q view.ContactQuery) (view.ContactList, error)
	// Contact returns a contact's page with one page of its timeline.
	Contact(ctx context.Context, v view.Viewer, address string, threads view.Page) (*view.Contact, error)
	// Companies returns one page of the companies list.
	Companies(ctx context.Context, v view.Viewer, q view.ListQuery) (view.CompanyList, error)
	// Company returns a company's page with one page of its emails.
	Company(ctx context.Context, v view.Viewer, domain string, emails view.Page) (*view.Company, error)
	// Deals returns one page of the deals list.
	Deals(ctx context.Context, v view.Viewer, q view.ListQuery) (view.DealList, error)
	// Deal returns a deal's page with one page of its emails.
	Deal(ctx context.Context, v view.Viewer, id int64, emails view.Page) (*view.DealPage, error)
	// Email returns one email, whole.
	Email(ctx context.Context, v view.Viewer, id int64) (*view.Email, error)
	// Attachment returns an attachment's metadata and writes its content to w.
	// A nil w only checks that it exists and may be seen.
	Attachment(ctx context.Context, v view.Viewer, emailID, attachmentID int64, w io.Writer) (view.Attachment, error)
	// RawEmail writes the stored raw message of an email to w, byte for byte.
	RawEmail(ctx context.Context, v view.Viewer, emailID int64, w io.Writer) error
	// Search runs a full-text search over subjects, bodies, notes, contact
	// names and addresses and company names.
	Search(ctx context.Context, v view.Viewer, query string, p view.Page) (view.SearchResult, error)

	// Intake returns intake rows. A non-admin viewer gets only rows whose
	// From is one of their addresses, whatever q says.
	Intake(ctx context.Context, v view.Viewer, q view.IntakeQuery) (view.IntakeList, error)
	// IntakeRow returns one intake row under the same rule.
	IntakeRow(ctx context.Context, v view.Viewer, id int64) (*view.Intake, error)
	// RawIntake writes the raw message of an intake row to w (same rule).
	RawIntake(ctx context.Context, v view.Viewer, id int64, w io.Writer) error
	// Passes returns the most recent passes (admins).
	Passes(ctx context.Context, p view.Page) ([]view.Pass, error)

	// The actions on an item that was not logged (actions.go). Each acts
	// under the rule of IntakeRow, records who and when, and wraps
	// view.ErrRefused, with why, when it cannot be done as asked.

	// IntakeState returns what was done to an intake row and whether it is
	// dismissed.
	IntakeState(ctx context.Context, v view.Viewer, id int64) (*view.IntakeState, error)
	// UnresolvedIntake returns the viewer's own messages that were not
	// logged and are not dismissed, newest first.
	UnresolvedIntake(ctx context.Context, v view.Viewer, p view.Page) (view.IntakeList, error)
	// LogIntakeOn logs a rejected row's message on contact c, credited to
	// the viewer.
	LogIntakeOn(ctx context.Context, v view.Viewer, rules *crm.Rules, id int64, c view.ContactChoice) (view.ActionResult, error)
	// RerunIntake decides a rejected row's message again with rules.
	RerunIntake(ctx context.Context, v view.Viewer, rules *crm.Rules, id int64) (view.ActionResult, error)
	// DismissIntake takes a rejected or failed row off its user's list.
	DismissIntake(ctx context.Context, v view.Viewer, id int64) (view.ActionResult, error)
	// UndoIntake reverts change changeID, the row's latest undoable one.
	UndoIntake(ctx context.Context, v view.Viewer, id, changeID int64) (view.ActionResult, error)
}
