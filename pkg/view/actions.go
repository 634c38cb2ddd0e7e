package view

import (
	"errors"
	"time"
)

// ErrRefused is returned, wrapped with the reason in plain words, when an
// action on an intake row cannot be done as asked (an address that may not
// be a contact, a row that changed since the page was shown): the user
// can read the message and act on it.
var ErrRefused = errors.New("refused")

// Actions on intake rows, as intake_changes records them.
const (
	ActionLog       = "log"       // logged by hand on a contact
	ActionDismiss   = "dismiss"   // dismissed: off the user's list
	ActionReprocess = "reprocess" // the rules decided it again and it changed
	ActionRerun     = "rerun"     // the rules re-run from the web app: no change
)

// IntakeChange is one recorded change of an intake row.
type IntakeChange struct {
	ID     int64
	Action string // one of the Action constants
	Actor  string // a user's address; "" for the command line
	At     time.Time
	// OldOutcome and OldReason are the row's before, NewOutcome and
	// NewReason after (the same for a dismissal or a re-run with no
	// change).
	OldOutcome, OldReason string
	NewOutcome, NewReason string
	NewDetail             string
	EmailID               int64  // the email the change logged or named; 0 for none
	Contact               string // ActionLog: the contact it was logged on
	// UndoneBy and UndoneAt say who undid the change and when (zero: not
	// undone).
	UndoneBy string
	UndoneAt time.Time
}

// Undone reports whether the change was undone.
func (c IntakeChange) Undone() bool { return !c.UndoneAt.IsZero() }

// IntakeState is what the actions on an intake row need to know of it.
type IntakeState struct {
	// DismissedBy and DismissedAt are set while the row is dismissed.
	DismissedBy string
	DismissedAt time.Time
	// Changes are the row's recorded changes, newest first.
	Changes []IntakeChange
	// Undo is the change an undo would revert (the newest one not undone
	// that changed something); nil when there is none.
	Undo *IntakeChange
}

// Dismissed reports whether the row is dismissed.
func (s *IntakeState) Dismissed() bool { return !s.DismissedAt.IsZero() }

// ContactChoice is a contact to log a rejected message on: an existing
// one by its address, or a new one with its name.
type ContactChoice struct {
	Address string
	Name    string
}

// ActionResult is what an action on an intake row did.
type ActionResult struct {
	// Changed is false when the action had nothing to do (a second
	// submission of the same form, a re-run that changed nothing).
	Changed bool
	// Message says what happened, in plain words.
	Message string
}
