package web

import (
	"net/http"
	"strings"

	"github.com/poller-crm/poller/pkg/view"
)

// contactsPage is the data of the contacts list.
type contactsPage struct {
	Filter string
	Sort   string
	Sorts  []option
	List   view.ContactList
	Pager  pager
}

// option is one choice of a select.
type option struct {
	Value, Label string
}

var contactSorts = []option{
	{"last_email", "Last email"},
	{"name", "Name"},
	{"address", "Address"},
	{"company", "Company"},
	{"created", "Newest"},
}

// contacts lists contacts: filter q, sort, page.
func (s *Server) contacts(w http.ResponseWriter, r *http.Request, a *auth) {
	q := r.URL.Query()
	filter := strings.TrimSpace(q.Get("q"))
	sortBy := q.Get("sort")
	if !validOption(contactSorts, sortBy) {
		sortBy = ""
	}
	n, page := pageParam(q, view.DefaultLimit)
	list, err := s.store.Contacts(r.Context(), a.Viewer, view.ContactQuery{Filter: filter, Sort: sortBy, Page: page})
	if err != nil {
		s.storeError(w, r, a, err)
		return
	}
	if sortBy == "" {
		sortBy = "last_email"
	}
	d := contactsPage{Filter: filter, Sort: sortBy, Sorts: contactSorts, List: list,
		Pager: newPager("/contacts", q, n, page.Limit, list.Total)}
	s.render(w, r, a, http.StatusOK, "contacts", "Contacts", "contacts", d)
}

func validOption(opts []option, v string) bool {
	for _, o := range opts {
		if o.Value == v {
			return true
		}
	}
	return false
}

// threadsPerPage is the page size of a contact's timeline.
const threadsPerPage = 25

// contactPage is the data of a contact's page.
type contactPage struct {
	C     *view.Contact
	Pager pager
}

// contact shows a contact: company, owner, open deals and the timeline,
// threads grouped, newest first.
func (s *Server) contact(w http.ResponseWriter, r *http.Request, a *auth) {
	address := strings.ToLower(strings.TrimSpace(r.PathValue("address")))
	if address == "" || len(address) > 320 {
		s.notFound(w, r, a)
		return
	}
	q := r.URL.Query()
	n, page := pageParam(q, threadsPerPage)
	c, err := s.store.Contact(r.Context(), a.Viewer, address, page)
	if err != nil {
		s.storeError(w, r, a, err)
		return
	}
	title := c.Name
	if title == "" {
		title = c.Address
	}
	d := contactPage{C: c, Pager: newPager("/contacts/"+pathEscape(c.Address), q, n, page.Limit, c.ThreadsTotal)}
	s.render(w, r, a, http.StatusOK, "contact", title, "contacts", d)
}
