// Command poller turns a catch-all mailbox into email logging for a small
// team's CRM. See README.md for the subcommands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(runProcess(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// runProcess is the process around run: signals, the error line, the exit
// status. The first SIGINT or SIGTERM asks for a graceful stop (the batch
// in hand is committed and acknowledged); a second one exits at once,
// which loses nothing either, as unacknowledged mail stays unseen.
// SIGHUP is ignored, but by "run", which reloads its config on it.
func runProcess(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	// A hangup (cron's or ssh's terminal going away) never ends a pass
	// midway; "run" takes SIGHUP over to reload its config.
	signal.Ignore(syscall.SIGHUP)
	go func() {
		if _, ok := <-signals; !ok {
			return
		}
		cancel()
		if _, ok := <-signals; ok {
			fmt.Fprintln(stderr, "poller: second signal, exiting now")
			os.Exit(130)
		}
	}()
	err := run(ctx, args, getenv, stdout, stderr)
	if err == nil {
		return 0
	}
	if !errors.Is(err, errReported) {
		fmt.Fprintln(stderr, "poller:", err)
	}
	var u usageError
	if errors.As(err, &u) {
		if u.usage != "" {
			fmt.Fprint(stderr, usageLines(u.usage))
		}
		return 2
	}
	return 1
}
