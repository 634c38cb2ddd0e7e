package web

import (
	"net/http"
)

// AppCSP is the Content-Security-Policy of every app page: no inline script
// or style, nothing from other origins, frames only from the app itself
// (the sandboxed HTML body of an email), and the app never framed.
const AppCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// downloadCSP is the policy of downloads: were a browser to render one
// anyway, it runs nothing and loads nothing.
const downloadCSP = "default-src 'none'; sandbox"

// securityHeaders sets the headers every response carries; handlers that
// need others (the HTML body of an email, downloads) override them.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", AppCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		if s.cfg.SecureCookies {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// crossOriginDenied answers a state-changing request from another site.
func (s *Server) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	s.log.Warn("cross-origin request refused", "method", r.Method, "path", r.URL.Path,
		"origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	w.Write([]byte("Forbidden: this request came from another site. Go back to the app and try again.\n"))
}
