package crmstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
)

// dbtx runs a transaction's statements: a *sql.Tx, or a connTx.
type dbtx interface {
	Querier
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// committer is a transaction that commits.
type committer interface {
	dbtx
	Commit() error
}

// connTx is a transaction run as statements on one connection of the pool.
// Each query of a *sql.Tx starts a goroutine to watch the transaction's
// context; on a connection, a query on a context that cannot be cancelled
// starts none, and a batch of Record runs some fifteen queries a message.
type connTx struct {
	*sql.Conn
	ctx  context.Context
	done bool
}

// beginConn begins a write transaction (Dialect.Begin) on a connection of
// its own; ctx should be one that cannot be cancelled.
func (s *Store) beginConn(ctx context.Context) (*connTx, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	begin := s.dialect.Begin
	if begin == "" {
		begin = "BEGIN"
	}
	if _, err := conn.ExecContext(ctx, begin); err != nil {
		conn.Close()
		return nil, err
	}
	return &connTx{Conn: conn, ctx: ctx}, nil
}

// Commit commits the transaction and gives the connection back; a commit
// that fails is rolled back.
func (t *connTx) Commit() error {
	if t.done {
		return sql.ErrTxDone
	}
	if _, err := t.ExecContext(t.ctx, "COMMIT"); err != nil {
		t.Rollback()
		return err
	}
	t.done = true
	return t.Close()
}

// Rollback rolls the transaction back, unless it is over, and gives the
// connection back.
func (t *connTx) Rollback() error {
	if t.done {
		return nil
	}
	t.done = true
	_, err := t.ExecContext(t.ctx, "ROLLBACK")
	if err != nil {
		// The connection may still be inside the transaction: it must not
		// go back to the pool.
		t.Raw(func(any) error { return driver.ErrBadConn })
	}
	if cerr := t.Close(); err == nil {
		err = cerr
	}
	return err
}
