package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// runStatus implements "poller status": the last passes, what happened to
// the mail of the last day and week, and the last 20 rejections with their
// reasons, so that "why wasn't my email logged?" takes one command.
func runStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("status", stderr)
	var sf storeFlags
	sf.register(fs)
	if rest, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("status: takes flags only ([--config FILE] [--db PATH])")
	}
	sf.existing = true
	e, err := sf.open(ctx, false)
	if err != nil {
		return err
	}
	defer e.Close()
	loc := time.Local
	if e.cfg != nil {
		if loc, err = e.cfg.location(); err != nil {
			return err
		}
	}
	st, err := e.store.Status(ctx, 10, 20)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Store %s (%d MB)\n\n", e.store.Where(), e.store.Size()>>20)
	fmt.Fprintln(stdout, "Last passes:")
	if len(st.Passes) == 0 {
		fmt.Fprintln(stdout, "  none yet (poller run or poller once records them)")
	}
	tw := newTable(stdout)
	for _, p := range st.Passes {
		result := fmt.Sprintf("seen %d, logged %d, rejected %d, duplicate %d, failed %d", p.Seen, p.Logged, p.Rejected, p.Duplicate, p.Failed)
		if p.Quarantined > 0 {
			result += fmt.Sprintf(", quarantined %d", p.Quarantined)
		}
		if p.Error != "" {
			result = "FAILED: " + p.Error
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", p.FinishedAt.In(loc).Format("2006-01-02 15:04:05 MST"), p.Mailbox,
			p.FinishedAt.Sub(p.StartedAt).Round(time.Millisecond), result)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "\nLast 24 hours: %s\n", outcomeLine(st.Day))
	fmt.Fprintf(stdout, "Last 7 days:   %s\n", outcomeLine(st.Week))
	if c, err := e.store.OutboxCounts(ctx); err == nil && len(c) > 0 {
		fmt.Fprintf(stdout, "Notices:       queued %d, sending %d, sent %d, failed %d\n", c["queued"], c["sending"], c["sent"], c["failed"])
	}
	fmt.Fprintf(stdout, "\nLast %d rejections (newest first):\n", len(st.Rejections))
	if len(st.Rejections) == 0 {
		fmt.Fprintln(stdout, "  none")
	}
	for _, r := range st.Rejections {
		fmt.Fprintf(stdout, "  %s  %-19s from %s, %q\n      %s (%s)\n", r.ProcessedAt.In(loc).Format("2006-01-02 15:04 MST"), r.Reason,
			dash(r.From), firstLine(r.Subject, 60), r.Detail, r.Origin)
	}
	return nil
}

// outcomeLine formats outcome counts like the ingest summary.
func outcomeLine(counts map[string]int) string {
	var reasons []string
	for k, n := range counts {
		if reason, ok := strings.CutPrefix(k, "rejected:"); ok {
			reasons = append(reasons, fmt.Sprintf("%s %d", reason, n))
		}
	}
	sort.Strings(reasons)
	line := fmt.Sprintf("logged %d, rejected %d", counts["logged"], counts["rejected"])
	if len(reasons) > 0 {
		line += " (" + strings.Join(reasons, ", ") + ")"
	}
	return line + fmt.Sprintf(", duplicate %d, failed %d", counts["duplicate"], counts["failed"])
}
