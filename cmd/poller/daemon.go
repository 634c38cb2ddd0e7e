package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/poller-crm/poller/pkg/imapsource"
	"github.com/poller-crm/poller/pkg/monitor"
)

// defaultSchedule polls every five minutes.
const defaultSchedule = "*/5 * * * *"

// runDaemon implements "poller run --config FILE": a pass over every
// mailbox at start, then on the cron schedule (and, for mailboxes with
// idle: true, as soon as new mail arrives), until SIGINT or SIGTERM;
// SIGHUP reloads the config (see reload.go). Passes over one mailbox
// never overlap.
func runDaemon(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := pollerFlags{storeFlags: storeFlags{getenv: getenv, poll: true}}
	if err := f.parse("run", args, stderr); err != nil {
		return err
	}
	// Before anything else: a SIGHUP during start must not be the
	// default action (exit).
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	p, err := reopenPoller(ctx, f, getenv, stderr)
	if err != nil {
		return err
	}
	return reloading(ctx, p, hup, func() (*poller, error) { return reopenPoller(ctx, f, getenv, stderr) })
}

// daemon runs p until ctx ends: the monitor and the web app when
// configured, a pass at start, then the schedule and IDLE. It calls
// started once it listens where the config says (an error before that
// means it could not start), and returns after the passes in hand have
// finished. stopping is the process's context: when only ctx ends, the
// daemon is being reloaded.
func (p *poller) daemon(ctx, stopping context.Context, started func()) error {
	e, accounts, rec, logger := p.env, p.accounts, p.rec, p.rec.logger
	schedule, loc, err := e.cfg.cronSchedule()
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if e.cfg.HTTP.Listen != "" {
		rec.monitor = monitor.New(monitor.Options{
			Interval: scheduleInterval(schedule, time.Now().In(loc)), MaxFailures: e.cfg.HTTP.UnhealthyAfter, StoreSize: e.store.Size})
		stop, err := serveMonitor(ctx, e.cfg.HTTP.Listen, rec.monitor, logger)
		if err != nil {
			return err
		}
		defer stop()
	}
	if e.cfg.Web.Listen != "" {
		_, stop, err := serveWebApp(ctx, e.cfg, e.store, e.cfg.Web.Listen, logger)
		if err != nil {
			return err
		}
		defer stop()
	}
	d := &daemon{rec: rec, logger: logger, accounts: accounts, busy: make([]sync.Mutex, len(accounts)), again: make([]atomic.Bool, len(accounts)),
		kick: make(chan struct{}, 1)}

	started()
	logger.Info("poller started", "mailboxes", len(accounts), "schedule", e.cfg.scheduleSpec(), "timezone", loc.String(), "db", e.store.Where())
	c := cron.New(cron.WithLocation(loc))
	c.Schedule(schedule, cron.FuncJob(func() { d.passAll(ctx) }))
	var wg sync.WaitGroup
	if p.notify != nil {
		// Sends what is due at start, after each pass and every minute;
		// on stop it finishes the notice in hand.
		wg.Go(func() { p.notify.loop(ctx, d.kick) })
	}
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
	if stopping.Err() == nil {
		logger.Info("reloading: finishing the pass in hand")
	} else {
		logger.Info("stopping: finishing the pass in hand")
	}
	<-c.Stop().Done() // waits for a scheduled pass that is running
	wg.Wait()
	for i := range d.busy { // and for passes started by IDLE
		d.busy[i].Lock()
	}
	if stopping.Err() != nil {
		logger.Info("poller stopped")
	}
	return nil
}

// daemon runs passes, one at a time per mailbox.
type daemon struct {
	rec      passRecorder
	logger   *slog.Logger
	accounts []account
	busy     []sync.Mutex
	again    []atomic.Bool // a pass was asked for while one was running
	kick     chan struct{} // a pass ended: send the notices it queued
}

func (d *daemon) passAll(ctx context.Context) {
	for i := range d.accounts {
		if ctx.Err() != nil {
			return
		}
		d.passOne(ctx, i)
	}
}

// passOne runs a pass over mailbox i. When one is already running, it
// asks that one to go again when it ends instead: passes never overlap, and
// a new-mail signal that arrives mid-pass (after its search) is not lost.
func (d *daemon) passOne(ctx context.Context, i int) {
	if !d.busy[i].TryLock() {
		d.again[i].Store(true)
		return
	}
	defer d.busy[i].Unlock()
	for {
		d.again[i].Store(false)
		d.rec.pass(ctx, d.accounts[i])
		select {
		case d.kick <- struct{}{}:
		default:
		}
		if ctx.Err() != nil || !d.again[i].Load() {
			return
		}
	}
}

// scheduleInterval estimates the time between two runs of sched.
func scheduleInterval(sched cron.Schedule, now time.Time) time.Duration {
	next := sched.Next(now)
	return sched.Next(next).Sub(next)
}

// scheduleSpec is the configured schedule, or the default.
func (c *config) scheduleSpec() string {
	if c.Schedule == "" {
		return defaultSchedule
	}
	return c.Schedule
}

// cronSchedule parses schedule (a five-field cron expression, or
// @every/@hourly/... descriptors) and timezone (default: local time).
func (c *config) cronSchedule() (cron.Schedule, *time.Location, error) {
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
