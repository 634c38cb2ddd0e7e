package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/web"
)

// runServe implements "poller serve --config FILE [--db PATH] [--listen
// ADDR]": the web app over the store, on web.listen (default
// 127.0.0.1:8080), until SIGINT or SIGTERM.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	sf := storeFlags{existing: true}
	sf.register(fs)
	listen := fs.String("listen", "", "address to serve on (default: web.listen of the config, else "+defaultWebListen+")")
	verbose := fs.Bool("v", false, "debug logging")
	if rest, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("serve: takes flags only (--config FILE [--db PATH] [--listen ADDR])")
	}
	e, err := sf.open(ctx, true)
	if err != nil {
		return err
	}
	defer e.Close()
	logger, err := e.cfg.logger(stderr, *verbose)
	if err != nil {
		return fmt.Errorf("config %s: %w", sf.config, err)
	}
	addr := *listen
	if addr == "" {
		addr = e.cfg.Web.listen()
	}
	_, stop, err := serveWebApp(ctx, e.cfg, e.store, addr, logger)
	if err != nil {
		return err
	}
	<-ctx.Done()
	logger.Info("stopping the web app")
	stop()
	return nil
}

// newWebApp builds the web app over store from the config.
func newWebApp(cfg *config, store *crmstore.Store, logger *slog.Logger) (*web.Server, error) {
	wc, err := cfg.webAppConfig()
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	wc.Logger = logger
	app, err := web.New(store, wc)
	if err != nil {
		return nil, fmt.Errorf("web app: %w", err)
	}
	return app, nil
}

// serveWebApp builds the web app and serves it on addr (HTTPS when
// web.tls_cert and web.tls_key are set) until stop is called. It logs the
// address it is bound to ("serving the web app on http://127.0.0.1:8080"),
// which may differ from addr (port 0), and returns its URL.
func serveWebApp(ctx context.Context, cfg *config, store *crmstore.Store, addr string, logger *slog.Logger) (url string, stop func(), err error) {
	app, err := newWebApp(cfg, store, logger)
	if err != nil {
		return "", nil, err
	}
	var certs *certReloader
	if cfg.Web.tls() {
		certs = &certReloader{certFile: cfg.path(cfg.Web.TLSCert), keyFile: cfg.path(cfg.Web.TLSKey), logger: logger}
		if _, err := certs.GetCertificate(nil); err != nil {
			return "", nil, err
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("web.listen %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           app,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		// Long enough for a large attachment or raw message over a slow
		// link.
		WriteTimeout:   10 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		// Scanners' TLS handshake errors and the like are not worth a
		// warning.
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
	}
	scheme := "http"
	if certs != nil {
		scheme = "https"
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: certs.GetCertificate}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var err error
		if certs != nil {
			err = srv.ServeTLS(ln, "", "")
		} else {
			err = srv.Serve(ln)
		}
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("web app server stopped", "error", err)
		}
	}()
	bound := ln.Addr().String()
	attrs := []any{"addr", bound}
	if cfg.Web.BaseURL != "" {
		attrs = append(attrs, "base_url", cfg.Web.BaseURL)
	}
	logger.Info("serving the web app on "+scheme+"://"+bound, attrs...)
	if certs == nil && !strings.HasPrefix(strings.ToLower(cfg.Web.BaseURL), "https://") && !isLoopback(ln.Addr()) {
		logger.Warn("the web app is served over plain HTTP on a non-loopback address: passwords and session cookies " +
			"cross the network in clear; put it behind an HTTPS reverse proxy (and set web.base_url to its https:// URL) " +
			"or set web.tls_cert and web.tls_key")
	}
	return browseURL(scheme, bound), func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			srv.Close()
		}
		<-done
	}, nil
}

// certReloader serves web.tls_cert and web.tls_key, loading them again
// when either file changes (a renewed certificate needs no restart).
type certReloader struct {
	certFile, keyFile string
	logger            *slog.Logger

	// every is how often the files are looked at again (0: 10 seconds).
	every time.Duration

	mu      sync.Mutex
	cert    *tls.Certificate
	stamp   string // modification times and sizes of the loaded files
	checked time.Time
}

func (r *certReloader) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	every := r.every
	if every == 0 {
		every = 10 * time.Second
	}
	if r.cert != nil && time.Since(r.checked) < every {
		return r.cert, nil
	}
	r.checked = time.Now()
	stamp := ""
	for _, f := range []string{r.certFile, r.keyFile} {
		if st, err := os.Stat(f); err == nil {
			stamp += fmt.Sprintf("%d/%d;", st.ModTime().UnixNano(), st.Size())
		}
	}
	if r.cert != nil && stamp == r.stamp {
		return r.cert, nil
	}
	cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		err = fmt.Errorf("web.tls_cert %s, web.tls_key %s: %w", r.certFile, r.keyFile, err)
		if r.cert != nil {
			r.logger.Warn("cannot reload the TLS certificate, keeping the loaded one", "error", err)
			return r.cert, nil
		}
		return nil, err
	}
	if r.cert != nil {
		r.logger.Info("TLS certificate reloaded", "cert", r.certFile)
	}
	r.cert, r.stamp = &cert, stamp
	return r.cert, nil
}

// browseURL is the URL to open in a browser for an app listening on addr:
// an unspecified host (":8080", "0.0.0.0:8080") is reached on loopback.
func browseURL(scheme, addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return scheme + "://" + addr + "/"
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return scheme + "://" + net.JoinHostPort(host, port) + "/"
}

// isLoopback reports whether a listener's address is on loopback only.
func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}
