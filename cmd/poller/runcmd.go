package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/poller-crm/poller/pkg/imapsource"
	"github.com/poller-crm/poller/pkg/sqlite"
)

// defaultSchedule polls every five minutes.
const defaultSchedule = "*/5 * * * *"

// runDaemon implements "poller run --config FILE": a pass over every
// mailbox at start, then on the cron schedule (and, for mailboxes with
// idle: true, as soon as new mail arrives), until SIGINT or SIGTERM.
// Passes over one mailbox never overlap.
func runDaemon(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	verbose := fs.Bool("v", false, "log every decision")
	if rest, err := parseInterspersed(fs, args); err != nil || len(rest) > 0 {
		return usagef("run: takes flags only (--config FILE [--db PATH] [-v])")
	}
	e, err := sf.open(ctx, true)
	if err != nil {
		return err
	}
	defer e.Close()
	accounts, err := e.cfg.accounts(getenv)
	if err != nil {
		return fmt.Errorf("config %s: %w", sf.config, err)
	}
	schedule, loc, err := e.cfg.cronSchedule()
	if err != nil {
		return fmt.Errorf("config %s: %w", sf.config, err)
	}
	logger := newLogger(stderr, *verbose)
	d := &daemon{store: e.store, logger: logger, busy: make([]sync.Mutex, len(accounts)), accounts: accounts}

	logger.Info("poller started", "mailboxes", len(accounts), "schedule", e.cfg.scheduleSpec(), "timezone", loc.String(), "db", e.store.Path())
	c := cron.New(cron.WithLocation(loc))
	c.Schedule(schedule, cron.FuncJob(func() { d.passAll(ctx) }))
	var wg sync.WaitGroup
	for i, a := range accounts {
		if !a.idle {
			continue
		}
		notify := make(chan struct{}, 1)
		wg.Go(func() {
			if err := imapsource.Watch(ctx, a.cfg, notify, 30*time.Second); err != nil {
				logger.Warn("IDLE unavailable, polling on the schedule only", "mailbox", a.cfg.Name, "error", err)
			}
		})
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case <-notify:
					d.passOne(ctx, i)
				}
			}
		})
	}
	d.passAll(ctx)
	c.Start()
	<-ctx.Done()
	logger.Info("stopping: finishing the pass in hand")
	<-c.Stop().Done() // waits for a scheduled pass that is running
	wg.Wait()
	for i := range d.busy { // and for passes started by IDLE
		d.busy[i].Lock()
	}
	logger.Info("poller stopped")
	return nil
}

// daemon runs passes, one at a time per mailbox.
type daemon struct {
	store    *sqlite.Store
	logger   *slog.Logger
	accounts []account
	busy     []sync.Mutex
}

func (d *daemon) passAll(ctx context.Context) {
	for i := range d.accounts {
		if ctx.Err() != nil {
			return
		}
		d.passOne(ctx, i)
	}
}

// passOne runs a pass over mailbox i unless one is running, and logs its
// one-line summary.
func (d *daemon) passOne(ctx context.Context, i int) {
	a := d.accounts[i]
	if !d.busy[i].TryLock() {
		d.logger.Info("pass skipped: the previous one is still running", "mailbox", a.cfg.Name)
		return
	}
	defer d.busy[i].Unlock()
	sum, err := pass(ctx, a, d.store, d.logger)
	attrs := []any{"mailbox", a.cfg.Name, "seen", sum.Seen, "logged", sum.Logged, "rejected", sum.Rejected,
		"duplicate", sum.Duplicate, "failed", sum.Failed, "quarantined", sum.Quarantined, "duration", sum.Duration.Round(time.Millisecond)}
	for reason, n := range sum.ByReason {
		attrs = append(attrs, "rejected_"+string(reason), n)
	}
	switch {
	case err == nil, errors.Is(err, context.Canceled):
		d.logger.Info("pass", attrs...)
	default:
		d.logger.Error("pass failed", append(attrs, "error", imapsource.Describe(err))...)
	}
}

// scheduleSpec is the configured schedule, or the default.
func (c *Config) scheduleSpec() string {
	if c.Schedule == "" {
		return defaultSchedule
	}
	return c.Schedule
}

// cronSchedule parses schedule (a five-field cron expression, or
// @every/@hourly/... descriptors) and timezone (default: local time).
func (c *Config) cronSchedule() (cron.Schedule, *time.Location, error) {
	loc := time.Local
	if c.Timezone != "" {
		l, err := time.LoadLocation(c.Timezone)
		if err != nil {
			return nil, nil, fmt.Errorf("timezone %q: %w", c.Timezone, err)
		}
		loc = l
	}
	sched, err := cron.ParseStandard(c.scheduleSpec())
	if err != nil {
		return nil, nil, fmt.Errorf("schedule %q: %w (examples: \"*/5 * * * *\", \"@every 1m\")", c.scheduleSpec(), err)
	}
	return sched, loc, nil
}
