package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/poller-crm/poller/pkg/crmstore"
	"github.com/poller-crm/poller/pkg/postgres"
)

// runCopyStore implements "poller copy-store [--config FILE] [--from-db
// PATH] --to-url URL | --to-url-file FILE": copy a whole SQLite store
// (one consistent snapshot: a worker may keep writing) into an empty
// PostgreSQL store, then print each table's rows and checksums, source
// and copy. It fails when a checksum differs.
func runCopyStore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("copy-store", stderr)
	config := fs.String("config", "", "config file whose store.path is the source")
	from := fs.String("from-db", "", "the SQLite database to copy (default: the config's store.path)")
	toURL := fs.String("to-url", "", "the PostgreSQL database to copy into, postgres://user@host/db (the password: PGPASSWORD or --to-url-file)")
	toURLFile := fs.String("to-url-file", "", "a file holding the PostgreSQL URL (chmod 600)")
	if rest, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("copy-store: takes flags only, not %q", rest[0])
	}
	dst := storeTarget{url: *toURL}
	switch {
	case *toURL != "" && *toURLFile != "":
		return usagef("copy-store: give --to-url or --to-url-file, not both")
	case *toURLFile != "":
		u, err := readSecret(*toURLFile)
		if err != nil {
			return fmt.Errorf("copy-store: --to-url-file: %w", err)
		}
		dst.url = u
	case *toURL == "":
		return usagef("copy-store: --to-url postgres://... is required")
	}
	if _, err := postgres.CheckURL(dst.url); err != nil {
		return usagef("copy-store: the destination: %v", err)
	}
	src := storeTarget{path: *from}
	if *from == "" {
		if *config == "" {
			if *config = findConfig("", os.Getenv); *config == "" {
				return usagef("copy-store: give --from-db PATH (or --config FILE)")
			}
		}
		cfg, _, err := loadConfig(*config)
		if err != nil {
			return err
		}
		if src, err = cfg.storeTarget(); err != nil {
			return err
		}
		if src.postgres() {
			return usagef("copy-store: the config's store is PostgreSQL already; give --from-db PATH")
		}
	}
	if _, err := os.Stat(src.path); err != nil {
		return fmt.Errorf("copy-store: no database at %s: %w", src.path, err)
	}
	source, err := openStoreReadOnly(ctx, src, crmstore.Options{})
	if err != nil {
		return err
	}
	defer source.Close()
	target, err := openStore(ctx, dst, crmstore.Options{})
	if err != nil {
		return err
	}
	defer target.Close()
	rep, err := source.CopyTo(ctx, target)
	if err != nil {
		return fmt.Errorf("copy-store: %s to %s: %w", src, dst, err)
	}
	tw := newTable(stdout)
	fmt.Fprintln(tw, "TABLE\tROWS\tSOURCE SHA-256\tCOPY SHA-256\t")
	var total int64
	for _, t := range rep.Tables {
		same := "same"
		if t.Source != t.Copy {
			same = "DIFFERS"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", t.Table, t.Rows, t.Source[:16], t.Copy[:16], same)
		total += t.Rows
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if !rep.Identical() {
		return errors.New("copy-store: the copy differs from the source (see the tables marked DIFFERS); the copy is committed: inspect it, or drop and recreate the database to try again")
	}
	fmt.Fprintf(stdout, "copied %d rows in %d tables from %s to %s; every checksum matches\n", total, len(rep.Tables), src, dst)
	fmt.Fprintln(stdout, "next: set store.url (or store.url_file) in the config instead of store.path")
	return nil
}
