package crmstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/poller-crm/poller/pkg/ingest"
)

// Acquire takes the lease on mailbox for holder until ttl from now, in one
// immediate transaction, unless another holder's lease has not expired:
// then it returns that lease and false. Holding it already renews it.
// With the dialect's session locks, the lock decides instead of the
// expiry: a holder keeps the lease for as long as its connection lives.
//
// Another holder's live lease is seen by a plain read first, outside any
// write transaction (a WAL reader never waits for the writer): a worker
// that finds the mailbox busy says so at once, even while the holder's
// commits keep the write lock taken back to back. Only a lease that is
// free, expired or its own takes the write transaction, which reads the
// row again before writing it.
func (s *Store) Acquire(ctx context.Context, mailbox, holder string, ttl time.Duration) (ingest.Lease, bool, error) {
	if s.dialect.Locks != nil {
		return s.acquireLocked(ctx, mailbox, holder, ttl)
	}
	cur, found, err := s.Lease(ctx, mailbox)
	if err != nil {
		return ingest.Lease{}, false, err
	}
	if found && cur.Holder != holder && s.opts.Now().Before(cur.Expires) {
		return cur, false, nil
	}
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE (_txlock in the DSN)
	if err != nil {
		return ingest.Lease{}, false, s.describe(err)
	}
	defer tx.Rollback()
	now := s.opts.Now()
	if cur, found, err = readLease(ctx, tx, mailbox); err != nil {
		return ingest.Lease{}, false, s.describe(err)
	}
	if found && cur.Holder != holder && now.Before(cur.Expires) {
		return cur, false, nil
	}
	if err := writeLease(ctx, tx, mailbox, holder, now, ttl); err != nil {
		return ingest.Lease{}, false, s.describe(err)
	}
	if err := tx.Commit(); err != nil {
		return ingest.Lease{}, false, s.describe(err)
	}
	return ingest.Lease{Mailbox: mailbox, Holder: holder, Since: now, Expires: now.Add(ttl)}, true, nil
}

// readLease reads the lease row of mailbox, if any.
func readLease(ctx context.Context, q Querier, mailbox string) (ingest.Lease, bool, error) {
	l := ingest.Lease{Mailbox: mailbox}
	var since, expires string
	err := q.QueryRowContext(ctx, `SELECT holder, acquired_at, expires_at FROM leases WHERE mailbox = ?`, mailbox).
		Scan(&l.Holder, &since, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return ingest.Lease{}, false, nil
	}
	if err != nil {
		return ingest.Lease{}, false, err
	}
	l.Since, _ = time.Parse(timeLayout, since)
	l.Expires, _ = time.Parse(timeLayout, expires)
	return l, true, nil
}

// execer is a *sql.DB or a *sql.Tx, to write through.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// writeLease records holder's lease on mailbox until ttl from now,
// keeping when it was acquired if holder held it already.
func writeLease(ctx context.Context, e execer, mailbox, holder string, now time.Time, ttl time.Duration) error {
	_, err := e.ExecContext(ctx, `INSERT INTO leases (mailbox, holder, acquired_at, expires_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (mailbox) DO UPDATE SET
			acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at ELSE excluded.acquired_at END,
			holder = excluded.holder, expires_at = excluded.expires_at`,
		mailbox, holder, formatTime(now), formatTime(now.Add(ttl)))
	return err
}

// Renew extends holder's lease on mailbox to ttl from now. A lease that
// another holder took (after it expired) is lost: ingest.ErrLeaseLost.
func (s *Store) Renew(ctx context.Context, mailbox, holder string, ttl time.Duration) error {
	if s.dialect.Locks != nil {
		if err := s.sessions.alive(ctx, mailbox, holder); err != nil {
			return err
		}
	}
	res, err := s.db.ExecContext(ctx, `UPDATE leases SET expires_at = ? WHERE mailbox = ? AND holder = ?`,
		formatTime(s.opts.Now().Add(ttl)), mailbox, holder)
	if err != nil {
		return fmt.Errorf("renew the lease on %s: %w", mailbox, s.describe(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ingest.ErrLeaseLost
	}
	return nil
}

// Release gives up holder's lease on mailbox; a lease held by someone
// else is left alone.
func (s *Store) Release(ctx context.Context, mailbox, holder string) error {
	if s.dialect.Locks != nil {
		defer s.sessions.release(ctx, s.dialect.Locks, mailbox, holder)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM leases WHERE mailbox = ? AND holder = ?`, mailbox, holder); err != nil {
		return fmt.Errorf("release the lease on %s: %w", mailbox, s.describe(err))
	}
	return nil
}

// Lease returns the lease on mailbox, if any (expired or not).
func (s *Store) Lease(ctx context.Context, mailbox string) (ingest.Lease, bool, error) {
	l, found, err := readLease(ctx, s.db, mailbox)
	if err != nil {
		return ingest.Lease{}, false, s.describe(err)
	}
	return l, found, nil
}

var _ ingest.Leaser = (*Store)(nil)

// acquireLocked takes the lease through the dialect's session lock, on a
// connection of its own kept until Release, then records the holder in
// the lease row for others to read.
func (s *Store) acquireLocked(ctx context.Context, mailbox, holder string, ttl time.Duration) (ingest.Lease, bool, error) {
	now := s.opts.Now()
	if !s.sessions.holds(mailbox, holder) {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return ingest.Lease{}, false, s.describe(err)
		}
		ok, err := s.dialect.Locks.TryLock(ctx, conn, leaseKey(mailbox))
		if err != nil || !ok {
			conn.Close()
			if err != nil {
				return ingest.Lease{}, false, s.describe(err)
			}
			cur, found, err := s.Lease(ctx, mailbox)
			if err != nil {
				return ingest.Lease{}, false, err
			}
			if !found {
				cur = ingest.Lease{Mailbox: mailbox, Holder: "another worker"}
			}
			return cur, false, nil
		}
		s.sessions.add(mailbox, holder, conn)
	}
	if err := writeLease(ctx, s.db, mailbox, holder, now, ttl); err != nil {
		s.sessions.release(ctx, s.dialect.Locks, mailbox, holder)
		return ingest.Lease{}, false, s.describe(err)
	}
	return ingest.Lease{Mailbox: mailbox, Holder: holder, Since: now, Expires: now.Add(ttl)}, true, nil
}

// leaseKey names a mailbox's session lock.
func leaseKey(mailbox string) string { return "poller lease: " + mailbox }

// leaseSessions are the connections holding session locks, by mailbox.
type leaseSessions struct {
	mu   sync.Mutex
	held map[string]leaseSession
}

type leaseSession struct {
	holder string
	conn   *sql.Conn
}

func newLeaseSessions() *leaseSessions { return &leaseSessions{held: map[string]leaseSession{}} }

func (l *leaseSessions) holds(mailbox, holder string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	h, ok := l.held[mailbox]
	return ok && h.holder == holder
}

func (l *leaseSessions) add(mailbox, holder string, conn *sql.Conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.held[mailbox] = leaseSession{holder: holder, conn: conn}
}

// alive checks that holder's lock on mailbox is still held: its
// connection answers. A lost connection has lost the lock.
func (l *leaseSessions) alive(ctx context.Context, mailbox, holder string) error {
	l.mu.Lock()
	h, ok := l.held[mailbox]
	l.mu.Unlock()
	if !ok || h.holder != holder {
		return ingest.ErrLeaseLost
	}
	if err := h.conn.PingContext(ctx); err != nil {
		return fmt.Errorf("%w: %v", ingest.ErrLeaseLost, err)
	}
	return nil
}

func (l *leaseSessions) release(ctx context.Context, locks SessionLocks, mailbox, holder string) {
	l.mu.Lock()
	h, ok := l.held[mailbox]
	if ok && h.holder == holder {
		delete(l.held, mailbox)
	}
	l.mu.Unlock()
	if !ok || h.holder != holder {
		return
	}
	locks.Unlock(context.WithoutCancel(ctx), h.conn, leaseKey(mailbox))
	h.conn.Close()
}

func (l *leaseSessions) closeAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for m, h := range l.held {
		h.conn.Close() // ending the session ends its locks
		delete(l.held, m)
	}
}
