package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/stdlib"
)

// connector opens pgx connections that speak the store core's SQL: each
// query is rewritten once (see rewrite) and Go booleans are sent as the
// 0/1 integers both schemas store them as. When trace is set it is told
// every statement.
type connector struct {
	pgx   driver.Connector
	trace func(query string)
	// rewritten caches rewrite's output by query text: the core runs a
	// few dozen distinct statements millions of times.
	rewritten sync.Map
}

// Connect implements driver.Connector.
func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.pgx.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &pgConn{Conn: conn.(*stdlib.Conn), c: c}, nil
}

// Driver implements driver.Connector.
func (c *connector) Driver() driver.Driver { return c.pgx.Driver() }

func (c *connector) query(q string) string {
	if c.trace != nil {
		c.trace(q)
	}
	if r, ok := c.rewritten.Load(q); ok {
		return r.(string)
	}
	r := rewrite(q)
	c.rewritten.Store(q, r)
	return r
}

// pgConn is a pgx connection whose statements are rewritten.
type pgConn struct {
	*stdlib.Conn
	c *connector
}

// ExecContext implements driver.ExecerContext.
func (p *pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	res, err := p.Conn.ExecContext(ctx, p.c.query(query), args)
	return res, ended(ctx, err)
}

// QueryContext implements driver.QueryerContext.
func (p *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := p.Conn.QueryContext(ctx, p.c.query(query), args)
	return rows, ended(ctx, err)
}

// PrepareContext implements driver.ConnPrepareContext.
func (p *pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := p.Conn.PrepareContext(ctx, p.c.query(query))
	return st, ended(ctx, err)
}

// ended adds the context's error to err when the context has ended: pgx
// reports a statement it did not send because the context was done as
// driver.ErrBadConn alone (safe to retry), and callers that stop on a
// cancelled context (errors.Is(err, context.Canceled)) must see it, as
// they do from SQLite. ErrBadConn stays in the chain, so database/sql
// still discards the connection.
func ended(ctx context.Context, err error) error {
	if err == nil || ctx.Err() == nil || errors.Is(err, ctx.Err()) {
		return err
	}
	return fmt.Errorf("%w: %w", ctx.Err(), err)
}

// CheckNamedValue implements driver.NamedValueChecker: booleans become
// 0/1, as the schema's flags are integers in both stores; text PostgreSQL
// cannot hold (invalid UTF-8, NUL, which SQLite keeps) has those bytes
// replaced by U+FFFD.
func (p *pgConn) CheckNamedValue(nv *driver.NamedValue) error {
	switch v := nv.Value.(type) {
	case bool:
		nv.Value = int64(0)
		if v {
			nv.Value = int64(1)
		}
	case string:
		nv.Value = validText(v)
	}
	return p.Conn.CheckNamedValue(nv)
}

// validText is s as PostgreSQL's text accepts it.
func validText(s string) string {
	if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}
