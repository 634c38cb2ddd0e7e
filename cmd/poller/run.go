package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
)

const usage = `usage: poller <command> [flags]
the config: --config FILE, else $POLLER_CONFIG, else ./poller.yaml, else /etc/poller/config.yaml

commands:
  demo    [--config FILE] [--fixtures DIR] [--db PATH] [--serve [--listen ADDR]]
          the main job with nothing to set up: an in-memory IMAP server holding
          fixtures/, one pass into a fresh SQLite file, and what happened;
          --serve then opens the result in the web app
  explain --config FILE [--db PATH] [--json] MESSAGE.eml...
          decide what poller would do with each message, and why
  ingest  --config FILE [--db PATH] [--notify] PATH...
          log .eml files, Maildir folders and mbox files into the store;
          --notify sends the notices of notify: (historical mail never notifies otherwise)
  reprocess --config FILE [--db PATH] [--reason R] [--since DATE] [--id N] [--dry-run]
          decide rejected messages again with the config's current rules (after adding
          a user, an alias, a team inbox or a never-log entry), print what changes and
          log them in the store; DATE is YYYY-MM-DD (in timezone) or RFC 3339
  run     --config FILE [--db PATH] [-v]
          the daemon: a pass at start, then on the schedule (and on new mail with idle: true);
          the web app too when web.listen is set; SIGHUP reloads the config
  serve   --config FILE [--db PATH] [--listen ADDR]
          the web app: sign in, see and search what poller logged, on
          web.listen (default 127.0.0.1:8080); "run" serves it too when web.listen is set
  user    password EMAIL --config FILE [--db PATH]
          set a user's web app password (asked on the terminal, or one line on stdin)
  user    list --config FILE [--db PATH]
          the config's users: admin or not, password set or not
  once    --config FILE [--db PATH] [-v] [--dry-run] [--trace] [--wait]
          one pass over every mailbox: log the unseen messages, then mark them;
          then send the notices that are due (notify:); --dry-run fetches and
          prints the decisions, recording and marking nothing; --trace writes the
          IMAP protocol trace on stderr (passwords, tokens and messages redacted);
          a mailbox another worker is polling is skipped, or with --wait waited for
  check   --config FILE [--db PATH]
          validate the config, log in to each mailbox, check folders and store,
          and connect to notify.smtp (EHLO and login, no mail sent)
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
  copy-store [--config FILE] [--from-db PATH] --to-url URL | --to-url-file FILE
          copy a whole SQLite store into an empty PostgreSQL database, keeping every id,
          and print each table's rows and checksums; the password goes in PGPASSWORD or the file
  bench   [--set small|large|both] [--n N] [--rounds 3] [--batch 200] [--seed 1] [--keep]
          poller once against a bare IMAP client on a throwaway Dovecot (needs dovecot-imapd)
  version the module version and commit poller was built from (also --version)
  help    show this help; CMD -h shows one command's
`

// run is the whole program: main only wires the process to it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usagef("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch {
	case cmd == "--version" || cmd == "-version" || cmd == "version":
		fmt.Fprintln(stdout, versionLine())
		return nil
	case cmd != "help" && wantsHelp(rest):
		if u := commandUsage(cmd); u != "" {
			fmt.Fprint(stdout, usageLines(u))
			return nil
		}
	}
	err := dispatch(ctx, cmd, rest, getenv, stdout, stderr)
	var ue usageError
	if errors.As(err, &ue) && ue.usage == "" {
		ue.usage = commandUsage(cmd)
		return ue
	}
	return err
}

// wantsHelp reports whether args ask for help (-h, -help, --help) before
// any "--".
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// commandUsage is cmd's part of the usage text: its lines and their
// description, or "" for an unknown command.
func commandUsage(cmd string) string {
	var b strings.Builder
	in := false
	for _, line := range strings.Split(usage, "\n") {
		switch {
		case strings.HasPrefix(line, "  "+cmd+" ") || line == "  "+cmd:
			in = true
		case strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "   "):
			in = false
		}
		if in && line != "" {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// usageLines formats a command's usage part: "usage: poller once --config ...".
func usageLines(u string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(u, "\n") {
		if rest, ok := strings.CutPrefix(line, "  "); ok && !strings.HasPrefix(rest, " ") {
			name, args, _ := strings.Cut(rest, " ")
			line = "usage: poller " + name + " " + strings.TrimLeft(args, " ")
		}
		b.WriteString(line)
	}
	return b.String()
}

// versionLine is the module version and VCS commit the binary was built
// from, as the Go toolchain records them.
func versionLine() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "poller (no build information)"
	}
	version := info.Main.Version
	if version == "" {
		version = "(devel)"
	}
	line := "poller " + version
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		line += " commit " + rev
		if modified == "true" {
			line += " (modified)"
		}
	}
	return line + " " + info.GoVersion
}

// dispatch runs one subcommand.
func dispatch(ctx context.Context, cmd string, rest []string, getenv func(string) string, stdout, stderr io.Writer) error {
	switch cmd {
	case "explain":
		return runExplain(ctx, rest, stdout, stderr)
	case "ingest":
		return runIngestEnv(ctx, rest, getenv, stdout, stderr)
	case "reprocess":
		return runReprocess(ctx, rest, stdout, stderr)
	case "copy-store":
		return runCopyStore(ctx, rest, stdout, stderr)
	case "demo":
		return runDemo(ctx, rest, stdout, stderr)
	case "run":
		return runDaemon(ctx, rest, getenv, stdout, stderr)
	case "once":
		return runOnce(ctx, rest, getenv, stdout, stderr)
	case "bench":
		return runBench(ctx, rest, stdout, stderr)
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
	case "serve":
		return runServe(ctx, rest, stdout, stderr)
	case "user":
		return runUser(ctx, rest, os.Stdin, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return usagef("unknown command %q", strings.TrimSpace(cmd))
	}
}
