package web

import (
	"net/url"
	"strconv"

	"github.com/poller-crm/poller/pkg/view"
)

// pager is the pagination of a list: page links with numbers.
type pager struct {
	Page, Pages int
	Total       int
	Prev, Next  string // "" when none
	Links       []pageLink
}

// pageLink is one page number, or a gap ("…") when URL and N are empty.
type pageLink struct {
	N       int
	URL     string
	Current bool
}

// pageParam reads the 1-based page number of a request ("page").
func pageParam(q url.Values, size int) (int, view.Page) {
	n, err := strconv.Atoi(q.Get("page"))
	if err != nil || n < 1 {
		n = 1
	}
	if n > 1_000_000 {
		n = 1_000_000
	}
	return n, view.Page{Offset: (n - 1) * size, Limit: size}
}

// newPager makes the links of a list of total items, size a page, on page
// n, at base with query q (whose "page" it sets).
func newPager(base string, q url.Values, n, size, total int) pager {
	pages := max(1, (total+size-1)/size)
	p := pager{Page: n, Pages: pages, Total: total}
	link := func(i int) string {
		v := url.Values{}
		for k, vs := range q {
			if k != "page" && len(vs) > 0 && vs[0] != "" {
				v.Set(k, vs[0])
			}
		}
		if i > 1 {
			v.Set("page", strconv.Itoa(i))
		}
		if len(v) == 0 {
			return base
		}
		return base + "?" + v.Encode()
	}
	if pages <= 1 && n <= 1 {
		return p
	}
	if n > 1 {
		p.Prev = link(min(n-1, pages))
	}
	if n < pages {
		p.Next = link(n + 1)
	}
	last := 0
	for i := 1; i <= pages; i++ {
		if i == 1 || i == pages || (i >= n-2 && i <= n+2) {
			if last != 0 && i > last+1 {
				p.Links = append(p.Links, pageLink{})
			}
			p.Links = append(p.Links, pageLink{N: i, URL: link(i), Current: i == n})
			last = i
		}
	}
	return p
}
