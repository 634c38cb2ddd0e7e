package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
)

// reloading runs the daemon over p, and on each signal from hup loads the
// config again. A config that loads and validates (the checks of every
// command, the mailboxes' secrets, the log settings, the schedule) takes
// over: the running daemon finishes the passes in hand, as on a stop, and
// a new one starts with the new rules, mailboxes, schedule, users (synced
// into the store), web app and log settings, beginning with a pass. A
// config that does not, or that cannot start (an address in use), is
// logged in one line and the previous one runs on.
func reloading(ctx context.Context, p *poller, hup <-chan os.Signal, reopen func() (*poller, error)) error {
	// prev is the poller a reload replaces, kept until the new one has
	// started, to fall back to.
	var prev *poller
	closeAll := func() {
		p.Close()
		if prev != nil {
			prev.Close()
		}
	}
	for {
		run, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		started := make(chan struct{})
		go func() { done <- p.daemon(run, ctx, func() { close(started) }) }()
		var next *poller
		for next == nil {
			select {
			case <-started:
				started = nil
				if prev != nil {
					prev.Close()
					prev = nil
					p.rec.logger.Info("config reloaded", "mailboxes", len(p.accounts), "schedule", p.cfg.scheduleSpec())
				}
			case err := <-done:
				stop()
				if err != nil && prev != nil && ctx.Err() == nil {
					prev.rec.logger.Error("config not reloaded, still running the previous one", "error", oneLine(err))
					p.Close()
					p, prev = prev, nil
					next = p // start it again
					continue
				}
				closeAll()
				return err
			case <-hup:
				n, err := reopen()
				if err != nil {
					p.rec.logger.Error("config not reloaded, still running the previous one", "error", oneLine(err))
					continue
				}
				next = n
			}
		}
		if next == p { // falling back: the failed daemon has ended
			continue
		}
		stop()
		<-done           // a daemon that has started ends with nil
		if prev != nil { // reloaded again before the last reload started
			p.Close()
		} else {
			prev = p
		}
		p = next
	}
}

// reopenPoller loads the config of f again and opens what "run" needs,
// the way "run" does at start; the store is opened anew (store settings
// may have changed) and the config's users are synced into it.
func reopenPoller(ctx context.Context, f pollerFlags, getenv func(string) string, stderr io.Writer) (*poller, error) {
	p, err := openPoller(ctx, f, getenv, stderr)
	if err != nil {
		return nil, err
	}
	if _, _, err := p.cfg.cronSchedule(); err != nil {
		p.Close()
		return nil, fmt.Errorf("config %s: %w", f.config, err)
	}
	return p, nil
}

// oneLine joins the lines of a multi-line error (errors.Join) with "; ".
func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}
