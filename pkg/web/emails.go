package web

import (
	"net/http"
	"strconv"

	"github.com/poller-crm/poller/pkg/mailhtml"
	"github.com/poller-crm/poller/pkg/view"
)

// emailPage is the data of an email's page.
type emailPage struct {
	E *view.Email
	// HTMLSrc is the iframe's source: the sanitised HTML body; "" when the
	// email has none.
	HTMLSrc string
	// Remote is set when the user asked for remote content.
	Remote bool
	// RemoteBlocked counts the remote images and other remote references
	// held back.
	RemoteBlocked int
	RemoteURL     string
}

// email shows one email: kind, attributed user, the original's headers,
// the forwarder's note, the text body, the HTML body in a sandboxed
// iframe, and the attachments.
func (s *Server) email(w http.ResponseWriter, r *http.Request, a *auth) {
	id, ok := idParam(r, "id")
	if !ok {
		s.notFound(w, r, a)
		return
	}
	e, err := s.store.Email(r.Context(), a.Viewer, id)
	if err != nil {
		s.storeError(w, r, a, err)
		return
	}
	d := emailPage{E: e, Remote: r.URL.Query().Get("remote") == "1"}
	base := "/emails/" + strconv.FormatInt(e.ID, 10)
	if e.BodyHTML != "" {
		d.HTMLSrc = base + "/html"
		if d.Remote {
			d.HTMLSrc += "?remote=1"
		} else {
			// Counting only: inline images are not fetched for this.
			d.RemoteBlocked = mailhtml.Sanitize(e.BodyHTML, mailhtml.Options{}).RemoteBlocked
			d.RemoteURL = base + "?remote=1"
		}
	}
	title := e.Subject
	if title == "" {
		title = "(no subject)"
	}
	s.render(w, r, a, http.StatusOK, "email", title, "", d)
}
