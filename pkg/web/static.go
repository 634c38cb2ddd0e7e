package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"time"
)

//go:embed static
var staticFS embed.FS

// staticFile is an embedded asset.
type staticFile struct {
	data  []byte
	ctype string
	etag  string
}

// loadStatic reads the embedded assets once.
func loadStatic() (map[string]staticFile, error) {
	out := map[string]staticFile{}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		ctype := mime.TypeByExtension(path.Ext(p))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		out[path.Base(p)] = staticFile{data: data, ctype: ctype, etag: hex.EncodeToString(sum[:8])}
		return nil
	})
	return out, err
}

// staticURL is the URL of an asset, with its content hash so that a new
// version is never served from a cache.
func (s *Server) staticURL(name string) string {
	if f, ok := s.static[name]; ok {
		return "/static/" + name + "?v=" + f.etag
	}
	return "/static/" + name
}

// serveStatic serves an embedded asset, cached for a year: its URL
// changes with its content.
func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) {
	f, ok := s.static[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", `"`+f.etag+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.data))
}
