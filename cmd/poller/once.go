package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/imapsource"
	"github.com/poller-crm/poller/pkg/ingest"
)

// runOnce implements "poller once --config FILE": one pass over every
// mailbox. It fails when a pass could not finish (login refused, server
// gone); rejections are decisions, not failures. An interrupted pass
// commits and acknowledges the batch in hand and exits 0. Each pass's
// summary goes to stdout only (the log carries decisions, warnings and
// errors), so a cron line sending both streams to one file has it once.
func runOnce(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := pollerFlags{once: true, storeFlags: storeFlags{getenv: getenv, poll: true}}
	if err := f.parse("once", args, stderr); err != nil {
		return err
	}
	if f.dryRun {
		return runDryRun(ctx, f, getenv, stdout, stderr)
	}
	p, err := openPoller(ctx, f, getenv, stderr)
	if err != nil {
		return err
	}
	defer p.Close()
	p.rec.quiet, p.rec.wait = true, f.wait
	rec, accounts := p.rec, p.accounts
	failed := 0
	for _, a := range accounts {
		sum, err := rec.pass(ctx, a)
		var busy *ingest.BusyError
		if err == nil || sum.Total() > 0 {
			fmt.Fprintln(stdout, sum.String())
		}
		switch {
		case errors.As(err, &busy):
			// Another worker is on it: the pass logged it; not a failure.
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

// runDryRun is "once --dry-run": fetch and decide, print each decision,
// and change nothing: the store is not opened (so a message logged before
// shows as what it would be, not as a duplicate), nothing is marked or
// moved, no notice is queued or sent.
func runDryRun(ctx context.Context, f pollerFlags, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, _, err := loadConfigEnv(f.config, getenv, true)
	if err != nil {
		return err
	}
	accounts, err := cfg.accounts(getenv)
	if err != nil {
		return fmt.Errorf("config %s: %w", f.config, err)
	}
	logger, err := cfg.logger(stderr, f.verbose)
	if err != nil {
		return fmt.Errorf("config %s: %w", f.config, err)
	}
	failed := 0
	for _, a := range accounts {
		if f.trace {
			a.cfg.Trace = stderr
		}
		sum, err := ingest.Pass(ctx, a.dialer(), a.rules, nil, ingest.PassOptions{
			Batching: a.batching, Logger: logger, DryRun: true,
			Decided: func(it ingest.Item) { fmt.Fprintln(stdout, dryRunLine(it)) },
		})
		if sum.Mailbox == "" {
			sum.Mailbox = a.cfg.Name
		}
		if err == nil || sum.Total() > 0 {
			fmt.Fprintln(stdout, "dry run, nothing recorded or marked: "+sum.String())
		}
		switch {
		case errors.Is(err, context.Canceled):
			return nil
		case err != nil:
			failed++
			fmt.Fprintf(stderr, "poller: mailbox %s: %s\n", a.cfg.Name, imapsource.Describe(err))
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d mailboxes could not be polled: %w", failed, len(accounts), errReported)
	}
	return nil
}

// dryRunLine is one decision of a dry run, in explain's short form:
// "uid 7: rejected (not_forwarded): ..." or "uid 8: forward, credited to
// ann@..., logged on bob@..., carol@...".
func dryRunLine(it ingest.Item) string {
	head := fmt.Sprintf("%s uid %d:", it.Origin.Mailbox, it.Origin.UID)
	d := it.Decision
	switch {
	case it.Failure != nil:
		msg, _, _ := strings.Cut(it.Failure.Error(), "\n")
		return fmt.Sprintf("%s would fail: %s", head, msg)
	case d.Rejected():
		return fmt.Sprintf("%s would reject (%s): %s", head, d.Reason, d.Detail)
	}
	var contacts []string
	for _, c := range d.LogTo {
		contacts = append(contacts, c.Address)
	}
	for _, m := range d.More {
		for _, c := range m.LogTo {
			contacts = append(contacts, c.Address)
		}
	}
	user := ""
	if d.User != nil {
		user = ", credited to " + d.User.Email
	}
	return fmt.Sprintf("%s would log (%s)%s, on %s", head, d.Kind, user, strings.Join(contacts, ", "))
}

// pollerFlags are the flags of "once" and "run": --config FILE [--db
// PATH] [-v], and for once --dry-run and --trace.
type pollerFlags struct {
	storeFlags
	once                         bool
	verbose, dryRun, trace, wait bool
}

func (f *pollerFlags) parse(name string, args []string, stderr io.Writer) error {
	fs := newFlagSet(name, stderr)
	f.register(fs)
	fs.BoolVar(&f.verbose, "v", false, "log every decision")
	if f.once {
		fs.BoolVar(&f.dryRun, "dry-run", false, "fetch and decide, print the decisions; record and mark nothing")
		fs.BoolVar(&f.trace, "trace", false, "IMAP protocol trace on stderr (passwords, tokens and message contents redacted)")
		fs.BoolVar(&f.wait, "wait", false, "a mailbox another worker is polling: wait for it to finish instead of skipping it")
	}
	if rest, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("%s: takes flags only (see the usage)", name)
	}
	if f.config = findConfig(f.config, f.getenv); f.config == "" {
		return usagef("%v", errNoConfig)
	}
	return nil
}

// limitMemory sets the Go runtime's soft memory limit to one and a half
// times the largest batch byte cap, unless GOMEMLIMIT is set: a batch is
// held while it is parsed and committed, and the next one is read while
// the last is garbage; without a limit the collector lets the heap grow to
// twice the live heap and more. With it, peak RSS stays under 2 x
// batch_bytes plus what is not Go's (SQLite's caches, the binary): about
// 30 MB. (From poller bench on 1.5 MB mail in 32 MiB batches: no limit
// 118 MiB, twice the cap 93-96 MiB, one and a half times 82 MiB, at the
// same speed.)
func limitMemory(accounts []account, getenv func(string) string) {
	if getenv("GOMEMLIMIT") != "" || len(accounts) == 0 {
		return
	}
	var most int64
	for _, a := range accounts {
		most = max(most, a.batching.BatchBytes)
	}
	debug.SetMemoryLimit(most + most/2)
}

// poller is what "once" and "run" work with: the config, the store, the
// resolved mailboxes and the pass recorder.
type poller struct {
	*env
	accounts []account
	rec      passRecorder
	notify   *notifier // nil when notify: is off
}

// openPoller opens the store of f and resolves the mailboxes and the
// logger.
func openPoller(ctx context.Context, f pollerFlags, getenv func(string) string, stderr io.Writer) (*poller, error) {
	f.getenv, f.poll = getenv, true // every problem found before the store is created
	e, err := f.open(ctx, true)
	if err != nil {
		return nil, err
	}
	accounts, err := e.cfg.accounts(getenv)
	if err == nil {
		limitMemory(accounts, getenv)
		if f.trace {
			for i := range accounts {
				accounts[i].cfg.Trace = stderr
			}
		}
		var logger *slog.Logger
		if logger, err = e.cfg.logger(stderr, f.verbose); err == nil {
			var n *notifier
			if n, err = e.cfg.notifier(getenv, e.store, logger); err == nil {
				rec := passRecorder{store: e.store, logger: logger, notify: n.ingest()}
				return &poller{env: e, accounts: accounts, rec: rec, notify: n}, nil
			}
		}
	}
	e.Close()
	return nil, fmt.Errorf("config %s: %w", f.config, err)
}

// pass runs one pass over an account's mailbox, skipping it when another
// worker holds its lease.
func pass(ctx context.Context, a account, store *crmstore.Store, logger *slog.Logger, notify *ingest.Notify) (ingest.PassSummary, error) {
	return leasedPass(ctx, a, store, logger, notify, false)
}

// leasedPass runs one pass holding the mailbox's lease in the store; wait
// waits for another worker's pass to end instead of skipping the mailbox.
func leasedPass(ctx context.Context, a account, store *crmstore.Store, logger *slog.Logger, notify *ingest.Notify, wait bool) (ingest.PassSummary, error) {
	mailbox := a.cfg.Mailbox
	if mailbox == "" {
		mailbox = "INBOX"
	}
	if a.cfg.Logger == nil {
		a.cfg.Logger = logger
	}
	sum, err := ingest.Pass(ctx, a.dialer(), a.rules, store, ingest.PassOptions{
		Batching: a.batching,
		// No With("mailbox", ...): every line of a pass names its mailbox
		// ("main/INBOX") already.
		Logger: logger,
		Notify: notify,
		Lease:  &ingest.LeaseOptions{Leaser: store, Mailbox: a.cfg.Name + "/" + mailbox, Holder: ingest.NewHolder(), Wait: wait},
	})
	if sum.Mailbox == "" {
		sum.Mailbox = a.cfg.Name
	}
	return sum, err
}
