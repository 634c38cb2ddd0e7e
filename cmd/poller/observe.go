package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/imapsource"
	"github.com/poller-crm/poller/pkg/ingest"
	"github.com/poller-crm/poller/pkg/monitor"
)

// logger builds the slog logger of log.level and log.format; verbose
// (-v) lowers the level to debug.
func (c *config) logger(w io.Writer, verbose bool) (*slog.Logger, error) {
	level, ok := logLevels[strings.ToLower(c.Log.Level)]
	if !ok { // validate reports it first
		return nil, fmt.Errorf("log.level %q: want debug, info, warn or error", c.Log.Level)
	}
	if verbose {
		level = slog.LevelDebug
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(c.Log.Format) {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log.format %q: want text or json", c.Log.Format)
}

// passRecorder runs a pass and reports it everywhere: the store's passes
// table, the monitor, and one summary line in the log.
type passRecorder struct {
	store   *crmstore.Store
	logger  *slog.Logger
	monitor *monitor.Monitor // nil when http.listen is off
	notify  *ingest.Notify   // nil when notify: is off
	// quiet leaves the summary line out of the log: "once" prints it on
	// stdout itself, and a cron line sending both streams to one file
	// must not show every pass twice.
	quiet bool
	// wait: a mailbox another worker is polling is waited for ("once
	// --wait") instead of skipped.
	wait bool
}

func (r passRecorder) pass(ctx context.Context, a account) (ingest.PassSummary, error) {
	started := time.Now()
	sum, err := leasedPass(ctx, a, r.store, r.logger, r.notify, r.wait)
	if errors.Is(err, context.Canceled) && sum.Total() == 0 {
		return sum, err // stopped before it began: nothing to report
	}
	if busy := (*ingest.BusyError)(nil); errors.As(err, &busy) {
		return sum, err // another worker's pass: skipped, logged by the pass
	}
	rec := crmstore.PassRecord{
		Mailbox: sum.Mailbox, StartedAt: started, FinishedAt: time.Now(), Seen: sum.Seen, Logged: sum.Logged,
		Rejected: sum.Rejected, Duplicate: sum.Duplicate, Failed: sum.Failed, Quarantined: sum.Quarantined, Reconnects: sum.Reconnects,
	}
	passErr := err
	if errors.Is(err, context.Canceled) {
		passErr = nil // a graceful stop finished what it had in hand
	}
	if passErr != nil {
		rec.Error = imapsource.Describe(passErr)
	}
	if rerr := r.store.RecordPass(context.WithoutCancel(ctx), rec); rerr != nil {
		r.logger.Error("cannot record the pass", "error", rerr)
	}
	if r.monitor != nil {
		r.monitor.ObservePass(a.cfg.Name, sum, passErr)
	}
	attrs := []any{"mailbox", sum.Mailbox, "seen", sum.Seen, "logged", sum.Logged, "rejected", sum.Rejected,
		"duplicate", sum.Duplicate, "failed", sum.Failed, "quarantined", sum.Quarantined,
		"reconnects", sum.Reconnects, "duration", sum.Duration.Round(time.Millisecond)}
	for reason, n := range sum.ByReason {
		attrs = append(attrs, "rejected_"+string(reason), n)
	}
	switch {
	case r.quiet:
	case passErr != nil:
		r.logger.Error("pass failed", append(attrs, "error", rec.Error)...)
	default:
		r.logger.Info("pass", attrs...)
	}
	return sum, err
}

// serveMonitor serves /healthz and /metrics on addr until ctx ends.
func serveMonitor(ctx context.Context, addr string, m *monitor.Monitor, logger *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("http.listen %s: %w", addr, err)
	}
	srv := &http.Server{Handler: m.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("http server stopped", "error", err)
		}
	}()
	logger.Info("serving /healthz and /metrics", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}

// defaultHealthURL is what "poller healthcheck" asks without --url or a
// config naming http.listen.
const defaultHealthURL = "http://127.0.0.1:9090/healthz"

// runHealthcheck implements "poller healthcheck [--config FILE] [--url
// URL]": exit 0 when the running daemon's /healthz answers 200. It is the
// container image's HEALTHCHECK (the image has no curl).
func runHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("healthcheck", stderr)
	config := fs.String("config", "", "config file whose http.listen to ask")
	url := fs.String("url", "", "health URL (default "+defaultHealthURL+")")
	if rest, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("healthcheck: takes flags only ([--config FILE] [--url URL])")
	}
	target := *url
	if target == "" && *config != "" {
		cfg, _, err := loadConfig(*config)
		if err != nil {
			return err
		}
		if cfg.HTTP.Listen == "" {
			return fmt.Errorf("healthcheck: %s sets no http.listen, so the daemon serves no health endpoint: set http.listen (e.g. 127.0.0.1:9090), or give --url", *config)
		}
		host, port, err := net.SplitHostPort(cfg.HTTP.Listen)
		if err != nil {
			return fmt.Errorf("http.listen %q: %w", cfg.HTTP.Listen, err)
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		target = "http://" + net.JoinHostPort(host, port) + "/healthz"
	}
	if target == "" {
		target = defaultHealthURL
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	fmt.Fprint(stdout, string(body))
	return nil
}
