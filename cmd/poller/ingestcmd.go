package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/poller-crm/poller/pkg/ingest"
	"github.com/poller-crm/poller/pkg/mailfile"
)

// runIngest implements "poller ingest --config FILE [--db PATH] PATH...":
// log .eml files, Maildir folders and mbox files.
func runIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runIngestEnv(ctx, args, os.Getenv, stdout, stderr)
}

// runIngestEnv is runIngest reading the environment with getenv (for
// --notify's SMTP password).
func runIngestEnv(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	quiet := fs.Bool("quiet", false, "no progress line")
	notify := fs.Bool("notify", false, "queue and send notices (notify: in the config); historical mail never notifies otherwise")
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return usagef("ingest: give .eml files, Maildir folders or mbox files to log")
	}
	src, err := mailfile.Open(paths)
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	defer src.Close()
	e, err := sf.open(ctx, true)
	if err != nil {
		return err
	}
	defer e.Close()
	// A message too large to log is never read whole: its header section
	// is enough to reject it too_large.
	src.HeaderOnlyAbove(e.rules.MaxMessageSize())

	var n *notifier
	if *notify {
		if e.cfg.Notify == nil {
			return usagef("ingest: --notify needs a notify: section in the config")
		}
		logger, err := e.cfg.logger(stderr, false)
		if err != nil {
			return fmt.Errorf("config %s: %w", sf.config, err)
		}
		if n, err = e.cfg.notifier(getenv, e.store, logger); err != nil {
			return fmt.Errorf("config %s: %w", sf.config, err)
		}
	}
	progress := newProgress(stderr, src, *quiet)
	sum, err := ingest.Run(ctx, fileSource{src}, e.rules, e.store, ingest.Options{Progress: progress.update, Notify: n.ingest()})
	progress.done()
	fmt.Fprintln(stdout, sum.String())
	if err == nil {
		n.sendAndReport(ctx, stdout, stderr)
	}
	switch {
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("ingest interrupted: what is counted above is committed; run it again to go on")
	case err != nil:
		return fmt.Errorf("ingest: %w", err)
	}
	return nil
}

// fileSource adapts mailfile.Source to ingest.Source, with absolute paths
// as origins so that a re-run from another folder is still recognised.
type fileSource struct{ src *mailfile.Source }

func (f fileSource) Next(ctx context.Context) (ingest.Origin, []byte, int64, error) {
	m, err := f.src.Next(ctx)
	if err != nil {
		return ingest.Origin{}, nil, 0, err
	}
	origin := m.Origin()
	if abs, err := filepath.Abs(m.Path); err == nil {
		origin = abs + origin[len(m.Path):]
	}
	return ingest.Origin{Path: origin}, m.Raw, m.Size, nil
}

// progress prints a progress line for large inputs, at most once a second.
type progress struct {
	w     io.Writer
	src   *mailfile.Source
	shown bool
	off   bool
	last  time.Time
}

// progressThreshold is the input size above which a progress line is shown.
const progressThreshold = 16 << 20

func newProgress(w io.Writer, src *mailfile.Source, quiet bool) *progress {
	return &progress{w: w, src: src, off: quiet || src.TotalBytes() < progressThreshold, last: time.Now()}
}

func (p *progress) update(s ingest.Summary) {
	if p.off || time.Since(p.last) < time.Second {
		return
	}
	p.last = time.Now()
	p.shown = true
	total := p.src.TotalBytes()
	fmt.Fprintf(p.w, "\ringest: %d messages, %d%% of %d MB", s.Total(), p.src.ReadBytes()*100/max(total, 1), total>>20)
}

func (p *progress) done() {
	if p.shown {
		fmt.Fprintln(p.w)
	}
}
