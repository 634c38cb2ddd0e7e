package web

import (
	"net/http"
	"strings"

	"github.com/poller-crm/poller/pkg/view"
)

// maxQueryLen bounds a search query.
const maxQueryLen = 500

// searchPage is the data of the search page.
type searchPage struct {
	Q      string
	Result view.SearchResult
	Pager  pager
}

// search runs a full-text search and lists the hits, best first, with
// their snippets highlighted.
func (s *Server) search(w http.ResponseWriter, r *http.Request, a *auth) {
	q := r.URL.Query()
	words := strings.TrimSpace(q.Get("q"))
	if len(words) > maxQueryLen {
		words = words[:maxQueryLen]
	}
	d := searchPage{Q: words}
	if words != "" {
		n, page := pageParam(q, view.DefaultLimit)
		res, err := s.store.Search(r.Context(), a.Viewer, words, page)
		if err != nil {
			s.storeError(w, r, a, err)
			return
		}
		d.Result = res
		d.Pager = newPager("/search", q, n, page.Limit, res.Total)
	}
	title := "Search"
	if words != "" {
		title = words + " – Search"
	}
	s.render(w, r, a, http.StatusOK, "search", title, "search", d)
}

// searchQuery fills the layout's search box.
func (d searchPage) searchQuery() string { return d.Q }
