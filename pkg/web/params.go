package web

import (
	"net/http"
	"net/url"
	"strconv"
)

// idParam reads a positive integer id from the path; anything else is
// not an id (and so a 404).
func idParam(r *http.Request, name string) (int64, bool) {
	v := r.PathValue(name)
	if v == "" || len(v) > 19 || v[0] == '0' || v[0] == '+' {
		return 0, false
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

func pathEscape(s string) string { return url.PathEscape(s) }
