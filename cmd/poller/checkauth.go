package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/mail"
	"sort"

	"github.com/poller-crm/poller/pkg/crm"
	"github.com/poller-crm/poller/pkg/imapsource"
)

// authSample is how many of the newest messages check reads the headers of
// to suggest a trusted_authserv_id.
const authSample = 50

// checkSpoofing says whether the spoofing check is on. When it is off, it
// reads the header sections of the newest messages of the first mailbox
// (read-only, no \Seen) and suggests the authserv-id that most of their
// topmost Authentication-Results fields carry: the receiving server's. It
// is advice, never a failed step.
func checkSpoofing(ctx context.Context, w io.Writer, cfg *config, accounts []account) {
	if id := cfg.CRM.Auth.TrustedAuthservID; id != "" {
		fmt.Fprintf(w, "ok    spoofing check on (crm.auth.trusted_authserv_id: %s)\n", id)
		return
	}
	fmt.Fprintln(w, "WARN  spoofing check off: crm.auth.trusted_authserv_id is not set, so anyone can mail the log address")
	fmt.Fprintln(w, "      with From: a user's address and have emails and contacts credited to that user")
	if len(accounts) == 0 {
		return
	}
	a := accounts[0]
	heads, err := imapsource.RecentHeaders(ctx, a.cfg, authSample)
	if err != nil {
		fmt.Fprintf(w, "      could not read the newest messages of %s to suggest one: %v\n", a.cfg.Name, err)
		return
	}
	id, n := commonAuthservID(heads)
	if id == "" {
		fmt.Fprintf(w, "      none of the %d newest messages of %s carries an Authentication-Results header: does your receiving server add one?\n", len(heads), a.cfg.Name)
		return
	}
	fmt.Fprintf(w, "      suggestion: set crm.auth.trusted_authserv_id: %s (the topmost Authentication-Results of %d of the %d newest messages of %s)\n",
		id, n, len(heads), a.cfg.Name)
}

// commonAuthservID is the authserv-id that most messages' topmost
// Authentication-Results field carries, and how many carry it; ties go to
// the alphabetically first.
func commonAuthservID(heads [][]byte) (string, int) {
	counts := map[string]int{}
	for _, h := range heads {
		m, err := mail.ReadMessage(bytes.NewReader(append(bytes.TrimRight(h, "\r\n"), "\r\n\r\n"...)))
		if err != nil {
			continue
		}
		values := m.Header["Authentication-Results"]
		if len(values) == 0 {
			continue
		}
		if id := crm.AuthservID(values[0]); id != "" {
			counts[id]++
		}
	}
	ids := make([]string, 0, len(counts))
	for id := range counts {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		if counts[ids[i]] != counts[ids[j]] {
			return counts[ids[i]] > counts[ids[j]]
		}
		return ids[i] < ids[j]
	})
	if len(ids) == 0 {
		return "", 0
	}
	return ids[0], counts[ids[0]]
}
