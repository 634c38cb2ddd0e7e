package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/poller-crm/poller/pkg/imapsource"
	"github.com/poller-crm/poller/pkg/ingest"
	"github.com/poller-crm/poller/pkg/sqlite"
)

// runOnce implements "poller once --config FILE": one pass over every
// mailbox. It fails when a pass could not finish (login refused, server
// gone); rejections are decisions, not failures. An interrupted pass
// commits and acknowledges the batch in hand and exits 0.
func runOnce(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	p, err := openPoller(ctx, "once", args, getenv, stderr)
	if err != nil {
		return err
	}
	defer p.Close()
	rec, accounts := p.rec, p.accounts
	failed := 0
	for _, a := range accounts {
		sum, err := rec.pass(ctx, a)
		if err == nil || sum.Total() > 0 {
			fmt.Fprintln(stdout, sum.String())
		}
		switch {
		case errors.Is(err, context.Canceled):
			fmt.Fprintln(stderr, "poller: stopped: what was fetched was committed and acknowledged")
			if p.notify != nil {
				fmt.Fprintln(stderr, "poller: notices queued so far are sent on the next run")
			}
			return nil
		case err != nil:
			failed++
			fmt.Fprintf(stderr, "poller: mailbox %s: %s\n", a.cfg.Name, imapsource.Describe(err))
		}
	}
	// What the passes queued (and what waits from earlier runs) goes out
	// now, bounded by onceNotifyTimeout.
	p.notify.sendAndReport(ctx, stdout, stderr)
	if failed > 0 {
		return fmt.Errorf("%d of %d mailboxes could not be polled: %w", failed, len(accounts), errReported)
	}
	return nil
}

// poller is what "once" and "run" work with: the config, the store, the
// resolved mailboxes and the pass recorder.
type poller struct {
	*env
	accounts []account
	rec      passRecorder
	notify   *notifier // nil when notify: is off
}

// openPoller parses the flags of "once" and "run" (--config FILE [--db
// PATH] [-v]), opens the store and resolves the mailboxes and the logger.
func openPoller(ctx context.Context, name string, args []string, getenv func(string) string, stderr io.Writer) (*poller, error) {
	fs := newFlagSet(name, stderr)
	var sf storeFlags
	sf.register(fs)
	verbose := fs.Bool("v", false, "log every decision")
	if rest, err := parseInterspersed(fs, args); err != nil {
		return nil, err
	} else if len(rest) > 0 {
		return nil, usagef("%s: takes flags only (--config FILE [--db PATH] [-v])", name)
	}
	e, err := sf.open(ctx, true)
	if err != nil {
		return nil, err
	}
	accounts, err := e.cfg.accounts(getenv)
	if err == nil {
		var logger *slog.Logger
		if logger, err = e.cfg.logger(stderr, *verbose); err == nil {
			var n *notifier
			if n, err = e.cfg.notifier(getenv, e.store, logger); err == nil {
				rec := passRecorder{store: e.store, logger: logger, notify: n.ingest()}
				return &poller{env: e, accounts: accounts, rec: rec, notify: n}, nil
			}
		}
	}
	e.Close()
	return nil, fmt.Errorf("config %s: %w", sf.config, err)
}

// pass runs one pass over an account's mailbox.
func pass(ctx context.Context, a account, store *sqlite.Store, logger *slog.Logger, notify *ingest.Notify) (ingest.PassSummary, error) {
	sum, err := ingest.Pass(ctx, a.dialer(), a.rules, store, ingest.PassOptions{
		BatchSize: a.batchSize,
		Logger:    logger.With("mailbox", a.cfg.Name),
		Notify:    notify,
	})
	if sum.Mailbox == "" {
		sum.Mailbox = a.cfg.Name
	}
	return sum, err
}
