package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"

	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/poller-crm/poller/pkg/imapsource"
	"github.com/poller-crm/poller/pkg/sqlite"
)

// runCheck implements "poller check --config FILE": validate the config,
// reach and log in to each mailbox, look at its folders, open the store,
// and report each step as ok or the exact problem with a hint. It changes
// nothing on the server.
func runCheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("check", stderr)
	var sf storeFlags
	sf.register(fs)
	if rest, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("check: takes flags only (--config FILE [--db PATH])")
	}
	if sf.config == "" {
		return usagef("check: --config FILE is required")
	}
	problems := 0
	report := func(indent, name string, err error, note string) {
		switch {
		case err != nil:
			problems++
			fmt.Fprintf(stdout, "%sFAIL  %s: %v\n", indent, name, err)
			if hint := imapsource.Hint(err); hint != "" {
				fmt.Fprintf(stdout, "%s      hint: %s\n", indent, hint)
			}
		case note != "":
			fmt.Fprintf(stdout, "%sok    %s (%s)\n", indent, name, note)
		default:
			fmt.Fprintf(stdout, "%sok    %s\n", indent, name)
		}
	}
	cfg, _, err := loadConfig(sf.config)
	report("", "config "+sf.config, err, "")
	if err != nil {
		return fmt.Errorf("check: %d problem(s): %w", problems, errReported)
	}
	accounts, err := cfg.accounts(getenv)
	if err != nil {
		report("", "mailboxes", err, "")
	}
	for _, a := range accounts {
		fmt.Fprintf(stdout, "mailbox %s (%s, %s):\n", a.cfg.Name, a.cfg.Addr(), a.cfg.TLS)
		for _, step := range imapsource.Check(ctx, a.cfg) {
			report("  ", step.Name, step.Err, step.Note)
		}
	}
	if cfg.Notify != nil {
		addr, err := cfg.checkSMTP(ctx, getenv)
		tls := cfg.Notify.SMTP.TLS
		if tls == "" {
			tls = "starttls"
		}
		note := "connected, EHLO"
		if cfg.Notify.SMTP.Username != "" {
			note += ", logged in as " + cfg.Notify.SMTP.Username
		}
		report("", fmt.Sprintf("notify smtp %s (%s)", addr, tls), err, note+"; no mail sent")
	}
	path := sf.db
	if path == "" {
		path = cfg.storePath()
	}
	report("", "store "+path, checkStore(ctx, path), "")
	if problems > 0 {
		return fmt.Errorf("check: %d problem(s): %w", problems, errReported)
	}
	fmt.Fprintln(stdout, "all good")
	return nil
}

// checkStore opens the store (creating it when new) and makes sure no
// other process holds its write lock.
func checkStore(ctx context.Context, path string) error {
	store, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		return err
	}
	defer store.Close()
	if res, err := store.IntegrityCheck(ctx); err != nil || res != "ok" {
		return fmt.Errorf("integrity_check: %s %v", res, err)
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=1000")
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		var se sqlite3.Error
		if errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked) {
			return fmt.Errorf("the database is locked: another process is writing to it (another poller?)")
		}
		return err
	}
	_, err = conn.ExecContext(ctx, "ROLLBACK")
	return err
}
