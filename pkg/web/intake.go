package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/poller-crm/poller/pkg/view"
)

// intakePage is the data of the intake log (admins).
type intakePage struct {
	Passes                   []view.Pass
	List                     view.IntakeList
	Pager                    pager
	F                        intakeFilter
	Outcomes, Reasons, Users []option
}

// intakeFilter is the intake log's filter form, as submitted.
type intakeFilter struct {
	Outcome, Reason, Mailbox, User, Since, Until string
}

var intakeOutcomes = []option{{"", "Any"}, {"logged", "Logged"}, {"rejected", "Not logged"},
	{"duplicate", "Already logged"}, {"failed", "Failed"}}

// passesShown is how many recent passes the intake page lists.
const passesShown = 10

// intake lists passes and intake rows, filterable by outcome, reason,
// mailbox, user and date (admins only: others get 404).
func (s *Server) intake(w http.ResponseWriter, r *http.Request, a *auth) {
	if !a.User.Admin {
		s.notFound(w, r, a)
		return
	}
	q := r.URL.Query()
	f := intakeFilter{
		Outcome: q.Get("outcome"), Reason: q.Get("reason"), Mailbox: strings.TrimSpace(q.Get("mailbox")),
		User: strings.ToLower(q.Get("user")), Since: q.Get("since"), Until: q.Get("until"),
	}
	d := intakePage{F: f, Outcomes: intakeOutcomes}
	d.Reasons = append(d.Reasons, option{"", "Any"})
	for _, c := range reasonCodes {
		d.Reasons = append(d.Reasons, option{c, c})
	}
	d.Users = append(d.Users, option{"", "Anyone"})
	for _, u := range s.cfg.Users {
		label := u.Email
		if u.Name != "" {
			label = u.Name + " (" + u.Email + ")"
		}
		d.Users = append(d.Users, option{u.Email, label})
	}

	iq := view.IntakeQuery{Mailbox: f.Mailbox}
	if validOption(intakeOutcomes, f.Outcome) {
		iq.Outcome = f.Outcome
	} else {
		d.F.Outcome = ""
	}
	if validOption(d.Reasons, f.Reason) {
		iq.Reason = f.Reason
	} else {
		d.F.Reason = ""
	}
	if u := s.users[f.User]; u != nil && f.User != "" {
		iq.From = append([]string{u.Email}, lowerAll(u.Aliases)...)
		d.F.User = u.Email
	} else {
		d.F.User = ""
	}
	if t, ok := s.parseDay(f.Since); ok {
		iq.Since = t
	} else {
		d.F.Since = ""
	}
	if t, ok := s.parseDay(f.Until); ok {
		iq.Until = t.AddDate(0, 0, 1) // the whole day
	} else {
		d.F.Until = ""
	}
	n, page := pageParam(q, view.DefaultLimit)
	iq.Page = page
	ctx := r.Context()
	var err error
	if d.List, err = s.store.Intake(ctx, a.Viewer, iq); err != nil {
		s.storeError(w, r, a, err)
		return
	}
	if n == 1 {
		if d.Passes, err = s.store.Passes(ctx, view.Page{Limit: passesShown}); err != nil {
			s.storeError(w, r, a, err)
			return
		}
	}
	d.Pager = newPager("/intake", q, n, page.Limit, d.List.Total)
	s.render(w, r, a, http.StatusOK, "intake", "Intake", "intake", d)
}

// parseDay reads a YYYY-MM-DD date as the start of that day in the
// configured time zone.
func (s *Server) parseDay(v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation("2006-01-02", v, s.cfg.Location)
	return t, err == nil
}

func lowerAll(xs []string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if x = strings.ToLower(strings.TrimSpace(x)); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// intakeRowPage is the data of one intake row's page.
type intakeRowPage struct {
	Row     *view.Intake
	Actions itemActions // actions.go
}

// intakeRow shows one intake row: outcome, reason, how to fix it, and a
// download of the raw message. Non-admins see only their own messages'
// rows (the store enforces it).
func (s *Server) intakeRow(w http.ResponseWriter, r *http.Request, a *auth) {
	id, ok := idParam(r, "id")
	if !ok {
		s.notFound(w, r, a)
		return
	}
	s.showItem(w, r, a, id, http.StatusOK, logForm{}, "")
}
