package imapsource

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/emersion/go-imap/v2"

	"github.com/poller-crm/poller/pkg/ingest"
)

// RecentHeaders reads the header sections of the newest n messages of the
// mailbox, newest first, changing nothing: the mailbox is selected
// read-only (EXAMINE), no folder is created, and BODY.PEEK[HEADER] sets no
// \Seen. "poller check" reads their Authentication-Results.
func RecentHeaders(ctx context.Context, cfg Config, n int) ([][]byte, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("mailbox %s: %w", cfg.Name, err)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout())
	defer cancel()
	client, err := dial(ctx, cfg, nil)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", cfg.Addr(), err)
	}
	defer client.Close()
	c := &Conn{c: client, cfg: cfg}
	var uids []uint32
	err = c.guard(ctx, func() error {
		if err := c.login(ctx); err != nil {
			return err
		}
		if _, err := client.Select(cfg.mailbox(), &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			return fmt.Errorf("examine %s: %w", cfg.mailbox(), err)
		}
		all, err := client.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
		if err != nil {
			return fmt.Errorf("search: %w", err)
		}
		for _, uid := range all.AllUIDs() {
			uids = append(uids, uint32(uid))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(uids)
	if len(uids) > n {
		uids = uids[len(uids)-n:]
	}
	if len(uids) == 0 {
		return nil, nil
	}
	fetched, err := c.FetchHeaders(ctx, uids)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(fetched, func(a, b ingest.Fetched) int { return cmp.Compare(b.UID, a.UID) })
	out := make([][]byte, len(fetched))
	for i, f := range fetched {
		out[i] = f.Raw
	}
	client.Logout().Wait()
	return out, nil
}
