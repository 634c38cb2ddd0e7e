package web

import (
	"net/http"
	"strings"

	"github.com/poller-crm/poller/pkg/view"
)

var dealStatuses = []option{{"", "All"}, {"open", "Open"}, {"won", "Won"}, {"lost", "Lost"}}

// deals lists deals: filter q, status, page.
func (s *Server) deals(w http.ResponseWriter, r *http.Request, a *auth) {
	q := r.URL.Query()
	filter := strings.TrimSpace(q.Get("q"))
	status := q.Get("status")
	if !validOption(dealStatuses, status) {
		status = ""
	}
	n, page := pageParam(q, view.DefaultLimit)
	list, err := s.store.Deals(r.Context(), a.Viewer, view.ListQuery{Filter: filter, Status: status, Page: page})
	if err != nil {
		s.storeError(w, r, a, err)
		return
	}
	d := listPage[view.Deal]{Filter: filter, Status: status, Statuses: dealStatuses, Items: list.Deals,
		Total: list.Total, Pager: newPager("/deals", q, n, page.Limit, list.Total)}
	s.render(w, r, a, http.StatusOK, "deals", "Deals", "deals", d)
}

// dealPage is the data of a deal's page.
type dealPage struct {
	D     *view.DealPage
	Pager pager
	// Address logs an email on this deal only: log+deal-ID@ ("" without
	// a log address).
	Address string
}

// tagAddress is the log address with a plus-tag (log+deal-42@...); "" when
// there is no log address.
func tagAddress(logAddress, tag string) string {
	at := strings.LastIndexByte(logAddress, '@')
	if at <= 0 {
		return ""
	}
	local, _, _ := strings.Cut(logAddress[:at], "+")
	return local + "+" + tag + logAddress[at:]
}

// deal shows a deal: its contacts and emails.
func (s *Server) deal(w http.ResponseWriter, r *http.Request, a *auth) {
	id, ok := idParam(r, "id")
	if !ok {
		s.notFound(w, r, a)
		return
	}
	q := r.URL.Query()
	n, page := pageParam(q, emailsPerPage)
	dp, err := s.store.Deal(r.Context(), a.Viewer, id, page)
	if err != nil {
		s.storeError(w, r, a, err)
		return
	}
	d := dealPage{D: dp, Pager: newPager(r.URL.Path, q, n, page.Limit, dp.EmailsTotal),
		Address: tagAddress(s.cfg.LogAddress, "deal-"+dp.PinTag())}
	s.render(w, r, a, http.StatusOK, "deal", dp.Name, "deals", d)
}
