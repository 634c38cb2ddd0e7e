package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/poller-crm/poller/pkg/view"
)

// The actions on a message that was not logged (issue 9, part 3): log it
// on a contact, re-run the rules, dismiss, and undo. Each is a POST form
// (the cross-origin protection on the mux refuses one from another site),
// done by the store under the viewer's rule (a user acts on their own
// items, admins on all; anyone else gets 404), recorded with who and when,
// and answered with a redirect to the item, whose page says what happened
// from the row's recorded state. A refused action (an address that may
// not be a contact) shows the item again with why.

// maxActionForm bounds the body of an action's form.
const maxActionForm = 16 << 10

// contactSuggestions is how many recent contacts the log form suggests.
const contactSuggestions = 50

// itemActions is what an item's page shows of its actions.
type itemActions struct {
	State *view.IntakeState
	// CanLog, CanRerun and CanDismiss say which forms to show.
	CanLog, CanRerun, CanDismiss bool
	// Contacts are the log form's suggestions (a datalist).
	Contacts []view.ContactSummary
	// Form is the log form as submitted, after a refusal.
	Form logForm
	// Error says why the action just tried was refused.
	Error string
}

// logForm is the "log it on a contact" form.
type logForm struct {
	Address, Name string
}

// showItem renders intake row id's page with status: the row, what was
// done to it, and the forms of the actions it allows.
func (s *Server) showItem(w http.ResponseWriter, r *http.Request, a *auth, id int64, status int, f logForm, refusal string) {
	ctx := r.Context()
	row, err := s.store.IntakeRow(ctx, a.Viewer, id)
	if err != nil {
		s.storeError(w, r, a, err)
		return
	}
	acts, err := s.itemActions(ctx, a, row)
	if err != nil {
		s.storeError(w, r, a, err)
		return
	}
	acts.Form, acts.Error = f, refusal
	title := row.Subject
	if title == "" {
		title = "Intake " + strconv.FormatInt(id, 10)
	}
	nav := ""
	if a.User.Admin {
		nav = "intake"
	}
	s.render(w, r, a, status, "intakerow", title, nav, intakeRowPage{Row: row, Actions: acts})
}

// itemActions reads what was done to row and which actions it allows.
func (s *Server) itemActions(ctx context.Context, a *auth, row *view.Intake) (itemActions, error) {
	var acts itemActions
	st, err := s.store.IntakeState(ctx, a.Viewer, row.ID)
	if err != nil {
		return acts, err
	}
	acts.State = st
	open := !st.Dismissed()
	rejected := row.Outcome == "rejected"
	acts.CanLog = open && rejected && s.cfg.Rules != nil && row.RawSHA256 != ""
	acts.CanRerun = open && rejected && s.cfg.Rules != nil
	acts.CanDismiss = open && (rejected || row.Outcome == "failed")
	if acts.CanLog {
		l, err := s.store.Contacts(ctx, a.Viewer, view.ContactQuery{Sort: "last_email", Page: view.Page{Limit: contactSuggestions}})
		if err != nil {
			return acts, err
		}
		acts.Contacts = l.Contacts
	}
	return acts, nil
}

// actionTarget reads the item's id and the form of an action.
func (s *Server) actionTarget(w http.ResponseWriter, r *http.Request, a *auth) (int64, bool) {
	id, ok := idParam(r, "id")
	if !ok {
		s.notFound(w, r, a)
		return 0, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxActionForm)
	if err := r.ParseForm(); err != nil {
		s.renderError(w, r, a, http.StatusBadRequest, "Bad request", "The form could not be read.")
		return 0, false
	}
	return id, true
}

// noRules answers an action that needs the rules when the server has none.
func (s *Server) noRules(w http.ResponseWriter, r *http.Request, a *auth) {
	s.renderError(w, r, a, http.StatusServiceUnavailable, "Not available",
		"This server was started without the config's rules, so it cannot log or decide messages.")
}

// intakeLog logs a rejected item on a contact: POST /intake/{id}/log with
// address (an existing contact's, or a new one's) and name (for a new
// one).
func (s *Server) intakeLog(w http.ResponseWriter, r *http.Request, a *auth) {
	id, ok := s.actionTarget(w, r, a)
	if !ok {
		return
	}
	if s.cfg.Rules == nil {
		s.noRules(w, r, a)
		return
	}
	f := logForm{Address: strings.TrimSpace(r.PostFormValue("address")), Name: strings.TrimSpace(r.PostFormValue("name"))}
	if f.Address == "" {
		s.showItem(w, r, a, id, http.StatusUnprocessableEntity, f, "Give the address of the contact to log it on.")
		return
	}
	res, err := s.store.LogIntakeOn(r.Context(), a.Viewer, s.cfg.Rules, id, view.ContactChoice{Address: f.Address, Name: f.Name})
	s.actionDone(w, r, a, id, "log", f, res, err)
}

// intakeRerun decides a rejected item again with the server's rules: POST
// /intake/{id}/rerun.
func (s *Server) intakeRerun(w http.ResponseWriter, r *http.Request, a *auth) {
	id, ok := s.actionTarget(w, r, a)
	if !ok {
		return
	}
	if s.cfg.Rules == nil {
		s.noRules(w, r, a)
		return
	}
	res, err := s.store.RerunIntake(r.Context(), a.Viewer, s.cfg.Rules, id)
	s.actionDone(w, r, a, id, "rerun", logForm{}, res, err)
}

// intakeDismiss dismisses an item: POST /intake/{id}/dismiss.
func (s *Server) intakeDismiss(w http.ResponseWriter, r *http.Request, a *auth) {
	id, ok := s.actionTarget(w, r, a)
	if !ok {
		return
	}
	res, err := s.store.DismissIntake(r.Context(), a.Viewer, id)
	s.actionDone(w, r, a, id, "dismiss", logForm{}, res, err)
}

// intakeUndo undoes an item's latest change: POST /intake/{id}/undo with
// change, the id of the change the page offered to undo (so that a second
// submission does not undo the one before).
func (s *Server) intakeUndo(w http.ResponseWriter, r *http.Request, a *auth) {
	id, ok := s.actionTarget(w, r, a)
	if !ok {
		return
	}
	change, err := strconv.ParseInt(r.PostFormValue("change"), 10, 64)
	if err != nil || change <= 0 {
		s.showItem(w, r, a, id, http.StatusUnprocessableEntity, logForm{}, "The form names no change to undo: reload the page.")
		return
	}
	res, err := s.store.UndoIntake(r.Context(), a.Viewer, id, change)
	s.actionDone(w, r, a, id, "undo", logForm{}, res, err)
}

// actionDone answers an action: a redirect to the item when it was done
// (or had nothing to do), the item with why when it was refused, 404 when
// the item is not the viewer's.
func (s *Server) actionDone(w http.ResponseWriter, r *http.Request, a *auth, id int64, action string, f logForm, res view.ActionResult, err error) {
	switch {
	case errors.Is(err, view.ErrRefused):
		s.showItem(w, r, a, id, http.StatusUnprocessableEntity, f, refusalText(err))
		return
	case err != nil:
		s.storeError(w, r, a, err)
		return
	}
	s.log.Info("intake action", "action", action, "intake_id", id, "user", a.User.Email, "changed", res.Changed, "result", res.Message)
	http.Redirect(w, r, "/intake/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// refusalText is the reason in a refusal, for people.
func refusalText(err error) string {
	msg := err.Error()
	if _, after, ok := strings.Cut(msg, view.ErrRefused.Error()+": "); ok {
		msg = after
	}
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}
