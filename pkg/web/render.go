package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/poller-crm/poller/pkg/view"
)

//go:embed templates/*.html
var templateFS embed.FS

// layoutFiles are parsed into every page.
var layoutFiles = []string{"templates/layout.html", "templates/partials.html"}

// parseTemplates parses every page with the layout, once.
func parseTemplates(funcs template.FuncMap) (map[string]*template.Template, error) {
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		if f == layoutFiles[0] || f == layoutFiles[1] {
			continue
		}
		name := strings.TrimSuffix(path.Base(f), ".html")
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, append(layoutFiles, f)...)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// pageData is what every page's template gets.
type pageData struct {
	Title string
	User  *User // nil on the sign-in page
	Nav   string
	Q     string // the search box
	D     any    // the page's own data
}

// render writes page with data, under the layout. It renders to a buffer
// first, so that a template error becomes a clean 500.
func (s *Server) render(w http.ResponseWriter, r *http.Request, a *auth, status int, page, title, nav string, d any) {
	t := s.pages[page]
	if t == nil {
		s.serverError(w, r, a, fmt.Errorf("no template %q", page))
		return
	}
	pd := pageData{Title: title, Nav: nav, D: d}
	if a != nil {
		pd.User = a.User
	}
	if sq, ok := d.(interface{ searchQuery() string }); ok {
		pd.Q = sq.searchQuery()
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", pd); err != nil {
		if page == "error" {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		s.serverError(w, r, a, fmt.Errorf("render %s: %w", page, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

// errorPage is the data of the error page.
type errorPage struct {
	Status  int
	Heading string
	Message string
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, a *auth, status int, heading, msg string) {
	s.render(w, r, a, status, "error", heading, "", errorPage{Status: status, Heading: heading, Message: msg})
}

// notFound answers with the 404 page: for what does not exist and for
// what the viewer may not see alike.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request, a *auth) {
	s.renderError(w, r, a, http.StatusNotFound, "Not found", "There is nothing here, or it is not yours to see.")
}

func (s *Server) serverError(w http.ResponseWriter, r *http.Request, a *auth, err error) {
	s.log.Error("web request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	s.renderError(w, r, a, http.StatusInternalServerError, "Something went wrong",
		"The page could not be made. It has been logged; try again in a moment.")
}

// storeError answers a store error: 404 for what is missing or hidden,
// 500 for the rest.
func (s *Server) storeError(w http.ResponseWriter, r *http.Request, a *auth, err error) {
	if errors.Is(err, view.ErrNotFound) {
		s.notFound(w, r, a)
		return
	}
	s.serverError(w, r, a, err)
}

// funcs are the template functions.
func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"date":       s.formatDate,
		"datetime":   s.formatDateTime,
		"isodate":    func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"size":       formatSize,
		"static":     s.staticURL,
		"contactURL": func(addr string) string { return "/contacts/" + url.PathEscape(addr) },
		"companyURL": func(domain string) string { return "/companies/" + url.PathEscape(domain) },
		"snippet":    highlight,
		"reason":     reasonText,
		"fix":        func(reason string) string { return reasonFix(reason, s.cfg.LogAddress) },
		"outcome":    outcomeText,
		"addr":       formatAddress,
		"addrs":      formatAddresses,
		"userName":   s.userName,
		"plural":     plural,
		"base":       func(p string) string { return path.Base(strings.ReplaceAll(p, "\\", "/")) },
		"firstLines": firstLines,
		"money":      formatAmount,
	}
}

func (s *Server) formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(s.cfg.Location)
	if t.Year() == s.now().In(s.cfg.Location).Year() {
		return t.Format("2 Jan 15:04")
	}
	return t.Format("2 Jan 2006 15:04")
}

func (s *Server) formatDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(s.cfg.Location).Format("Mon 2 Jan 2006 15:04:05 MST")
}

// userName is a user's name, else their address.
func (s *Server) userName(email string) string {
	if u := s.users[strings.ToLower(email)]; u != nil && u.Name != "" {
		return u.Name
	}
	return email
}

func formatSize(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.0f KB", float64(n)/1000)
	case n < 1000*1000*1000:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.1f GB", float64(n)/1e9)
}

func formatAmount(a *float64) string {
	if a == nil {
		return ""
	}
	s := strconv.FormatFloat(*a, 'f', 2, 64)
	s = strings.TrimSuffix(s, ".00")
	// Thousands separators.
	intPart, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := b.String()
	if frac != "" {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

func formatAddress(a view.Address) string {
	switch {
	case a.Name == "" || strings.EqualFold(a.Name, a.Address):
		return a.Address
	case a.Address == "":
		return a.Name
	}
	return a.Name + " <" + a.Address + ">"
}

func formatAddresses(as []view.Address) string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = formatAddress(a)
	}
	return strings.Join(out, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// firstLines is the first few non-blank lines of a preview.
func firstLines(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		out = append(out, l)
		if len(out) == 3 {
			break
		}
	}
	return strings.Join(out, " · ")
}

// highlight turns a search snippet into HTML: the text is escaped, then
// the match markers become <mark> elements. Unbalanced markers are
// balanced, so the result is always well-formed.
func highlight(snippet string) template.HTML {
	esc := html.EscapeString(snippet)
	var b strings.Builder
	open := false
	for _, c := range esc {
		switch {
		case string(c) == view.SnippetStart:
			if !open {
				b.WriteString("<mark>")
				open = true
			}
		case string(c) == view.SnippetEnd:
			if open {
				b.WriteString("</mark>")
				open = false
			}
		case c < 0x20 && c != '\n' && c != '\t':
			// other control characters are dropped
		default:
			b.WriteRune(c)
		}
	}
	if open {
		b.WriteString("</mark>")
	}
	return template.HTML(b.String())
}
