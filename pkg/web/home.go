package web

import (
	"net/http"

	"github.com/poller-crm/poller/pkg/view"
)

// homeLimit is how many emails and rejections the home page lists.
const homeLimit = 20

// homePage is the data of the home page.
type homePage struct {
	Emails   []view.EmailSummary
	NotIn    []view.Intake // my messages that were not logged, newest first
	NotTotal int
	// CanDecide is set when the server has the rules, for the actions
	// that need them.
	CanDecide bool
}

// home shows the user's latest logged emails and their messages that were
// not logged, each with the reason and how to fix it.
func (s *Server) home(w http.ResponseWriter, r *http.Request, a *auth) {
	ctx := r.Context()
	emails, err := s.store.RecentEmails(ctx, a.Viewer, view.Page{Limit: homeLimit})
	if err != nil {
		s.storeError(w, r, a, err)
		return
	}
	d := homePage{Emails: emails, CanDecide: s.cfg.Rules != nil}
	// Dismissed ones are left out (actions.go).
	l, err := s.store.UnresolvedIntake(ctx, a.Viewer, view.Page{Limit: homeLimit})
	if err != nil {
		s.storeError(w, r, a, err)
		return
	}
	d.NotIn, d.NotTotal = l.Rows, l.Total
	s.render(w, r, a, http.StatusOK, "home", "Home", "home", d)
}
