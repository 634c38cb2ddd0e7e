package web

import (
	"net/http"
	"sort"

	"github.com/poller-crm/poller/pkg/view"
)

// homeLimit is how many emails and rejections the home page lists.
const homeLimit = 20

// homePage is the data of the home page.
type homePage struct {
	Emails   []view.EmailSummary
	NotIn    []view.Intake // my messages that were not logged, newest first
	NotTotal int
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
	d := homePage{Emails: emails}
	for _, outcome := range []string{"rejected", "failed"} {
		l, err := s.store.Intake(ctx, a.Viewer, view.IntakeQuery{
			Outcome: outcome, From: a.Viewer.Addresses, Page: view.Page{Limit: homeLimit},
		})
		if err != nil {
			s.storeError(w, r, a, err)
			return
		}
		d.NotIn = append(d.NotIn, l.Rows...)
		d.NotTotal += l.Total
	}
	sort.SliceStable(d.NotIn, func(i, j int) bool { return d.NotIn[i].ProcessedAt.After(d.NotIn[j].ProcessedAt) })
	if len(d.NotIn) > homeLimit {
		d.NotIn = d.NotIn[:homeLimit]
	}
	s.render(w, r, a, http.StatusOK, "home", "Home", "home", d)
}
