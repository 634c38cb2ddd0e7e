package web

import (
	"net/http"
	"strings"

	"github.com/poller-crm/poller/pkg/view"
)

// listPage is the data of the companies and deals lists.
type listPage[T any] struct {
	Filter   string
	Status   string
	Statuses []option
	Items    []T
	Total    int
	Pager    pager
}

// companies lists companies: filter q, page.
func (s *Server) companies(w http.ResponseWriter, r *http.Request, a *auth) {
	q := r.URL.Query()
	filter := strings.TrimSpace(q.Get("q"))
	n, page := pageParam(q, view.DefaultLimit)
	list, err := s.store.Companies(r.Context(), a.Viewer, view.ListQuery{Filter: filter, Page: page})
	if err != nil {
		s.storeError(w, r, a, err)
		return
	}
	d := listPage[view.CompanySummary]{Filter: filter, Items: list.Companies, Total: list.Total,
		Pager: newPager("/companies", q, n, page.Limit, list.Total)}
	s.render(w, r, a, http.StatusOK, "companies", "Companies", "companies", d)
}

// emailsPerPage is the page size of a company's or deal's emails.
const emailsPerPage = 25

// companyPage is the data of a company's page.
type companyPage struct {
	C     *view.Company
	Pager pager
}

// company shows a company: its contacts, deals and emails.
func (s *Server) company(w http.ResponseWriter, r *http.Request, a *auth) {
	domain := strings.ToLower(strings.TrimSpace(r.PathValue("domain")))
	if domain == "" || len(domain) > 255 {
		s.notFound(w, r, a)
		return
	}
	q := r.URL.Query()
	n, page := pageParam(q, emailsPerPage)
	c, err := s.store.Company(r.Context(), a.Viewer, domain, page)
	if err != nil {
		s.storeError(w, r, a, err)
		return
	}
	title := c.Name
	if title == "" {
		title = c.Domain
	}
	d := companyPage{C: c, Pager: newPager("/companies/"+pathEscape(c.Domain), q, n, page.Limit, c.EmailsTotal)}
	s.render(w, r, a, http.StatusOK, "company", title, "companies", d)
}
