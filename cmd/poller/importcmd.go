package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/poller-crm/poller/pkg/crmcsv"
)

// runImport implements "poller import companies|contacts|deals [--config
// FILE] [--db PATH] FILE.csv" and "poller import json EXPORT.json|DIR" (the
// companies, contacts and deals of an export): every row is checked first,
// and the file is imported all or nothing.
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("import: say what to import: poller import companies|contacts|deals FILE.csv, or poller import json EXPORT.json|DIR")
	}
	kind := pos[0]
	switch kind {
	case "companies", "contacts", "deals", "json":
	default:
		return usagef("import: unknown kind %q (want companies, contacts, deals or json)", kind)
	}
	if len(pos) != 2 {
		if kind == "json" {
			return usagef("import json: give exactly one export (the JSON document of poller export, or the folder of export --format json --out DIR; got %d)", len(pos)-1)
		}
		return usagef("import %s: give exactly one CSV file (got %d)", kind, len(pos)-1)
	}
	file := pos[1]
	var data []byte
	var doc *jsonImport
	if kind == "json" {
		doc, err = readJSONImport(file)
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return fmt.Errorf("import %s: %w", kind, err)
	}
	e, err := sf.open(ctx, false)
	if err != nil {
		return err
	}
	defer e.Close()
	if kind == "json" {
		return importJSON(ctx, e, doc, file, stdout)
	}

	var n int
	switch kind {
	case "companies":
		n, err = importCompanies(ctx, e, data, file)
	case "contacts":
		n, err = importContacts(ctx, e, data, file)
	case "deals":
		n, err = importDeals(ctx, e, data, file)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d %s from %s\n", n, importNoun(kind, n), file)
	return nil
}

func importCompanies(ctx context.Context, e *env, data []byte, file string) (int, error) {
	list, err := crmcsv.ReadCompanies(bytes.NewReader(data), file)
	if err != nil {
		return 0, badImport("companies", err)
	}
	if len(list) > 0 {
		if err := e.store.ImportCompanies(ctx, list); err != nil {
			return 0, fmt.Errorf("%s: nothing imported: %w", file, err)
		}
	}
	return len(list), nil
}

// userChecks checks the contacts' owners against the config's users.
func userChecks(e *env) crmcsv.Checks {
	var checks crmcsv.Checks
	if e.cfg != nil { // without a config the store still refuses an unknown owner, without the line
		users := map[string]bool{}
		for _, u := range e.cfg.crmUsers() {
			users[strings.ToLower(u.Email)] = true
		}
		checks.IsUser = func(addr string) bool { return users[addr] }
	}
	return checks
}

func importContacts(ctx context.Context, e *env, data []byte, file string) (int, error) {
	list, err := crmcsv.ReadContacts(bytes.NewReader(data), file, userChecks(e))
	if err != nil {
		return 0, badImport("contacts", err)
	}
	if len(list) > 0 {
		if err := e.store.ImportContacts(ctx, list); err != nil {
			return 0, fmt.Errorf("%s: nothing imported: %w", file, err)
		}
	}
	return len(list), nil
}

func importDeals(ctx context.Context, e *env, data []byte, file string) (int, error) {
	known, err := e.store.ContactAddresses(ctx)
	if err != nil {
		return 0, fmt.Errorf("import deals: %w", err)
	}
	checks := crmcsv.Checks{IsContact: func(addr string) bool { return known[addr] }}
	list, err := crmcsv.ReadDeals(bytes.NewReader(data), file, checks)
	if err != nil {
		return 0, badImport("deals", err)
	}
	if len(list) > 0 {
		if err := e.store.ImportDeals(ctx, list); err != nil {
			return 0, fmt.Errorf("%s: nothing imported: %w", file, err)
		}
	}
	return len(list), nil
}

// badImport says that a file with bad lines was not imported; several bad
// lines go one per line.
func badImport(kind string, err error) error {
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) && len(joined.Unwrap()) > 1 {
		return fmt.Errorf("import %s: nothing imported, fix these lines:\n%w", kind, err)
	}
	return fmt.Errorf("import %s: nothing imported: %w", kind, err)
}

func importNoun(kind string, n int) string {
	if n != 1 {
		return kind
	}
	return map[string]string{"companies": "company", "contacts": "contact", "deals": "deal"}[kind]
}
