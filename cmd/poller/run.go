package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// errReported is returned when the problem was already written to stderr.
var errReported = errors.New("reported")

// usageError is a command line that does not fit a subcommand.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

// newFlagSet is a subcommand's flag set: errors are returned, not fatal.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func usagef(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

const usage = `usage: poller <command> [flags]

commands:
  demo    [--config FILE] [--fixtures DIR] [--db PATH]
          the main job with nothing to set up: an in-memory IMAP server holding
          fixtures/, one pass into a fresh SQLite file, and what happened
  explain --config FILE [--db PATH] [--json] MESSAGE.eml...
          decide what poller would do with each message, and why
  ingest  --config FILE [--db PATH] PATH...
          log .eml files, Maildir folders and mbox files into the store
  run     --config FILE [--db PATH] [-v]
          the daemon: a pass at start, then on the schedule (and on new mail with idle: true)
  once    --config FILE [--db PATH] [-v]
          one pass over every mailbox: log the unseen messages, then mark them
  check   --config FILE [--db PATH]
          validate the config, log in to each mailbox, check folders and store
  status  [--config FILE] [--db PATH]
          last passes, outcomes of the last day and week, the last 20 rejections
  healthcheck [--config FILE] [--url URL]
          exit 0 when the daemon's /healthz answers 200 (the image's HEALTHCHECK)
  import  companies|contacts|deals [--config FILE] [--db PATH] FILE.csv
          seed the CRM from a CSV file (header row names the columns); all or nothing
  export  [--config FILE] [--db PATH] [--format json|csv] [--out DIR] [--bodies]
          everything in the store: one JSON document on stdout, or a file per entity in DIR
  show    contact ADDRESS [--config FILE] [--db PATH]
          a contact's company, open deals and email timeline, newest first
  help    show this help
`

// run is the whole program: main only wires the process to it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usagef("no command given")
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "explain":
		return runExplain(ctx, rest, stdout, stderr)
	case "ingest":
		return runIngest(ctx, rest, stdout, stderr)
	case "demo":
		return runDemo(ctx, rest, stdout, stderr)
	case "run":
		return runDaemon(ctx, rest, getenv, stdout, stderr)
	case "once":
		return runOnce(ctx, rest, getenv, stdout, stderr)
	case "check":
		return runCheck(ctx, rest, getenv, stdout, stderr)
	case "status":
		return runStatus(ctx, rest, stdout, stderr)
	case "healthcheck":
		return runHealthcheck(ctx, rest, stdout, stderr)
	case "import":
		return runImport(ctx, rest, stdout, stderr)
	case "export":
		return runExport(ctx, rest, stdout, stderr)
	case "show":
		return runShow(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return usagef("unknown command %q", strings.TrimSpace(cmd))
	}
}
