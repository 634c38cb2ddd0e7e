package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/poller-crm/poller/pkg/crmstore"
)

// runShow implements "poller show contact ADDRESS [--config FILE] [--db
// PATH]": the contact, its company, open deals and email timeline.
func runShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("show", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("show: say what to show: poller show contact ADDRESS")
	}
	if pos[0] != "contact" {
		return usagef("show: unknown kind %q (want: poller show contact ADDRESS)", pos[0])
	}
	if len(pos) != 2 {
		return usagef("show contact: give exactly one address (got %d)", len(pos)-1)
	}
	addr := strings.ToLower(strings.TrimSpace(pos[1]))
	sf.existing = true
	e, err := sf.open(ctx, false)
	if err != nil {
		return err
	}
	defer e.Close()
	v, err := e.store.ShowContact(ctx, addr)
	if errors.Is(err, crmstore.ErrNotFound) {
		return fmt.Errorf("no contact %s in %s", addr, e.store.Where())
	}
	if err != nil {
		return fmt.Errorf("show contact: %w", err)
	}
	loc := time.Local
	if e.cfg != nil {
		if loc, err = e.cfg.location(); err != nil {
			return err
		}
	}
	if err := writeContact(stdout, v, loc); err != nil {
		return fmt.Errorf("show contact: write: %w", err)
	}
	return nil
}

// writeContact prints a contact view for people.
func writeContact(w io.Writer, v *crmstore.ContactView, loc *time.Location) error {
	c := v.Contact
	tw := newTable(w)
	showTime := func(t time.Time) string { return showTimeIn(t, loc) }
	if c.Name != "" {
		fmt.Fprintf(tw, "%s <%s>\n", showCell(c.Name, 80), c.Address)
	} else {
		fmt.Fprintf(tw, "%s\n", c.Address)
	}
	company := "none"
	if v.Company != nil {
		company = v.Company.Domain
		if v.Company.Name != "" {
			company += " (" + showCell(v.Company.Name, 60) + ")"
		}
	}
	owner := "none"
	if c.Owner != "" {
		owner = c.Owner
		if v.OwnerName != "" {
			owner += " (" + showCell(v.OwnerName, 60) + ")"
		}
	}
	fmt.Fprintf(tw, "  company:\t%s\n", company)
	fmt.Fprintf(tw, "  owner:\t%s\n", owner)
	fmt.Fprintf(tw, "  source:\t%s, since %s\n", c.Source, showTime(c.CreatedAt))

	if len(v.OpenDeals) == 0 {
		fmt.Fprintf(tw, "\nopen deals: none\n")
	} else {
		fmt.Fprintf(tw, "\nopen deals (%d, most recently updated first):\n", len(v.OpenDeals))
		fmt.Fprintf(tw, "  NAME\tSTAGE\tAMOUNT\tUPDATED\n")
		for _, d := range v.OpenDeals {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", showCell(d.Name, 50), orDash(showCell(d.Stage, 30)), showAmount(d.Amount), showTime(d.UpdatedAt))
		}
	}

	if len(v.Emails) == 0 {
		fmt.Fprintf(tw, "\nemails: none\n")
	} else {
		fmt.Fprintf(tw, "\nemails (%d, newest first):\n", len(v.Emails))
		fmt.Fprintf(tw, "  DATE\tKIND\tSUBJECT\tUSER\n")
		for _, m := range v.Emails {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", showTime(m.Date), m.Kind, orDash(showCell(m.Subject, 70)), orDash(m.AttributedUser))
		}
	}
	return tw.Flush()
}

// showTimeIn writes a time in loc to the minute, with the zone's name.
func showTimeIn(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}

// showAmount writes an amount with cents when it has them.
func showAmount(a *float64) string {
	if a == nil {
		return "-"
	}
	if *a == math.Trunc(*a) {
		return strconv.FormatFloat(*a, 'f', 0, 64)
	}
	return strconv.FormatFloat(*a, 'f', 2, 64)
}

// showCell makes a value safe for one table cell: control characters
// (tabs, line breaks, escapes) become spaces, and it is cut at max runes.
func showCell(s string, max int) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }), " ")
	if r := []rune(s); len(r) > max {
		s = string(r[:max-3]) + "..."
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
