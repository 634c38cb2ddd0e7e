package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/poller-crm/poller/pkg/ingest"
)

// Acquire takes the lease on mailbox for holder until ttl from now, in one
// immediate transaction, unless another holder's lease has not expired:
// then it returns that lease and false. Holding it already renews it.
func (s *Store) Acquire(ctx context.Context, mailbox, holder string, ttl time.Duration) (ingest.Lease, bool, error) {
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE (_txlock in the DSN)
	if err != nil {
		return ingest.Lease{}, false, describe(err)
	}
	defer tx.Rollback()
	now := s.opts.Now()
	var cur ingest.Lease
	var since, expires string
	err = tx.QueryRowContext(ctx, `SELECT holder, acquired_at, expires_at FROM leases WHERE mailbox = ?`, mailbox).
		Scan(&cur.Holder, &since, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return ingest.Lease{}, false, describe(err)
	default:
		cur.Mailbox = mailbox
		cur.Since, _ = time.Parse(timeLayout, since)
		cur.Expires, _ = time.Parse(timeLayout, expires)
		if cur.Holder != holder && now.Before(cur.Expires) {
			return cur, false, nil
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO leases (mailbox, holder, acquired_at, expires_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (mailbox) DO UPDATE SET
			acquired_at = CASE WHEN holder = excluded.holder THEN acquired_at ELSE excluded.acquired_at END,
			holder = excluded.holder, expires_at = excluded.expires_at`,
		mailbox, holder, formatTime(now), formatTime(now.Add(ttl)))
	if err != nil {
		return ingest.Lease{}, false, describe(err)
	}
	if err := tx.Commit(); err != nil {
		return ingest.Lease{}, false, describe(err)
	}
	return ingest.Lease{Mailbox: mailbox, Holder: holder, Since: now, Expires: now.Add(ttl)}, true, nil
}

// Renew extends holder's lease on mailbox to ttl from now. A lease that
// another holder took (after it expired) is lost: ingest.ErrLeaseLost.
func (s *Store) Renew(ctx context.Context, mailbox, holder string, ttl time.Duration) error {
	res, err := s.db.ExecContext(ctx, `UPDATE leases SET expires_at = ? WHERE mailbox = ? AND holder = ?`,
		formatTime(s.opts.Now().Add(ttl)), mailbox, holder)
	if err != nil {
		return fmt.Errorf("renew the lease on %s: %w", mailbox, describe(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ingest.ErrLeaseLost
	}
	return nil
}

// Release gives up holder's lease on mailbox; a lease held by someone
// else is left alone.
func (s *Store) Release(ctx context.Context, mailbox, holder string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM leases WHERE mailbox = ? AND holder = ?`, mailbox, holder); err != nil {
		return fmt.Errorf("release the lease on %s: %w", mailbox, describe(err))
	}
	return nil
}

// Lease returns the lease on mailbox, if any (expired or not).
func (s *Store) Lease(ctx context.Context, mailbox string) (ingest.Lease, bool, error) {
	l := ingest.Lease{Mailbox: mailbox}
	var since, expires string
	err := s.db.QueryRowContext(ctx, `SELECT holder, acquired_at, expires_at FROM leases WHERE mailbox = ?`, mailbox).
		Scan(&l.Holder, &since, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return ingest.Lease{}, false, nil
	}
	if err != nil {
		return ingest.Lease{}, false, describe(err)
	}
	l.Since, _ = time.Parse(timeLayout, since)
	l.Expires, _ = time.Parse(timeLayout, expires)
	return l, true, nil
}

var _ ingest.Leaser = (*Store)(nil)
