package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/imapsource"
	"github.com/poller-crm/poller/pkg/sqlite"
)

// runCheck implements "poller check --config FILE": validate the config,
// listing every problem at once, then reach and log in to each mailbox,
// look at its folders and at the store, and report each step as ok or the
// exact problem with a hint. It changes nothing, on the server or here: a
// missing store "would be created", and is not.
func runCheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("check", stderr)
	var sf storeFlags
	sf.register(fs)
	if rest, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("check: takes flags only (--config FILE [--db PATH])")
	}
	if sf.config = findConfig(sf.config, getenv); sf.config == "" {
		return usagef("check: %v", errNoConfig)
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
	cfg, _, err := loadConfigEnv(sf.config, getenv, true)
	if err != nil {
		var ve ValidationErrors
		var ce *configError
		switch {
		case errors.As(err, &ve) && len(ve) == 1:
			report("", "config "+sf.config, ve[0], "")
		case errors.As(err, &ve):
			fmt.Fprintf(stdout, "FAIL  config %s: %d problems\n", sf.config, len(ve))
			for _, p := range ve {
				fmt.Fprintf(stdout, "      %v\n", p)
			}
			problems = len(ve)
		case errors.As(err, &ce):
			report("", "config "+sf.config, ce.err, "")
		default:
			report("", "config", err, "")
		}
		return fmt.Errorf("check: %d problem(s): %w", problems, errReported)
	}
	report("", "config "+sf.config, nil, "")
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
	checkSpoofing(ctx, stdout, cfg, accounts)
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
	target := dbTarget(sf.db)
	if sf.db == "" {
		if target, err = cfg.storeTarget(); err != nil {
			report("", "store", err, "")
			return fmt.Errorf("check: %d problem(s): %w", problems+1, errReported)
		}
	}
	var note string
	if target.postgres() {
		note, err = checkPostgresStore(ctx, target)
	} else {
		note, err = checkStore(ctx, target.path)
	}
	report("", "store "+target.String(), err, note)
	if problems > 0 {
		return fmt.Errorf("check: %d problem(s): %w", problems, errReported)
	}
	fmt.Fprintln(stdout, "all good")
	return nil
}

// checkPostgresStore connects to a PostgreSQL store without changing it:
// the server answers, and the schema is there and current (or would be
// created by a command that writes).
func checkPostgresStore(ctx context.Context, t storeTarget) (string, error) {
	store, err := openStoreReadOnly(ctx, t, crmstore.Options{})
	if err != nil && strings.Contains(err.Error(), "lacks migration") {
		return "connected; the schema is missing or older: once, run or serve create or upgrade it", nil
	}
	if err != nil {
		return "", err
	}
	defer store.Close()
	return "connected, schema current", nil
}

// checkStore looks at the store without changing it: a missing one
// would be created (its folder, or the nearest existing parent, must be
// writable); an existing one is opened read-only, checked for integrity
// and for another process holding its write lock.
func checkStore(ctx context.Context, path string) (note string, err error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		dir := filepath.Dir(path)
		for {
			st, err := os.Stat(dir)
			if err == nil && !st.IsDir() {
				return "", fmt.Errorf("would be created, but %s is not a folder", dir)
			}
			if err == nil {
				break
			}
			if parent := filepath.Dir(dir); parent != dir {
				dir = parent
				continue
			}
			return "", err
		}
		if err := writable(dir); err != nil {
			return "", fmt.Errorf("would be created, but %s is not writable: %w", dir, err)
		}
		if dir != filepath.Dir(path) {
			return fmt.Sprintf("would be created, with its folder (%s is writable)", dir), nil
		}
		return "would be created (its folder is writable)", nil
	} else if err != nil {
		return "", err
	}
	if err := writable(path); err != nil {
		return "", fmt.Errorf("not writable: %w", err)
	}
	store, err := sqlite.OpenReadOnly(ctx, path, crmstore.Options{})
	if err != nil && strings.Contains(err.Error(), "lacks migration") {
		return "an older schema: once, run or serve upgrade it", nil
	}
	if err != nil {
		return "", err
	}
	defer store.Close()
	if res, err := store.IntegrityCheck(ctx); err != nil || res != "ok" {
		return "", fmt.Errorf("integrity_check: %s %v", res, err)
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=1000")
	if err != nil {
		return "", err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		var se sqlite3.Error
		if errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked) {
			return "", fmt.Errorf("the database is locked: another process is writing to it (another poller?)")
		}
		return "", err
	}
	_, err = conn.ExecContext(ctx, "ROLLBACK")
	return "", err
}
