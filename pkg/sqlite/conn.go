package sqlite

import (
	"context"
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"math"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// connector opens connections with the store's SQL functions registered
// (no global sql.Register) and, when trace is set, reports every statement.
type connector struct {
	dsn   string
	drv   *sqlite3.SQLiteDriver
	trace func(query string)
}

func newConnector(dsn string, trace func(string)) *connector {
	c := &connector{dsn: dsn, trace: trace}
	c.drv = &sqlite3.SQLiteDriver{ConnectHook: setUpConn}
	return c
}

// setUpConn readies a new connection: statement journals in memory, and
// the functions the store's queries use.
func setUpConn(conn *sqlite3.SQLiteConn) error {
	// A write statement inside a transaction keeps the pages it changes in
	// a statement journal, to undo itself alone; past 64 KiB SQLite moves
	// that journal to a temporary file, and from then on every statement
	// of the transaction writes to it. A pass of 5,000 small messages
	// wrote 600 MB to such files (strace) for a 32 MB store; in memory
	// the journal costs a copy of each page, freed when the statement ends.
	if _, err := conn.Exec(`PRAGMA temp_store = MEMORY`, nil); err != nil {
		return fmt.Errorf("keep temporary files in memory: %w", err)
	}
	if err := conn.RegisterFunc("bm25", bm25, true); err != nil {
		return fmt.Errorf("register bm25: %w", err)
	}
	// The ranks of the search queries, with their tables' weights: a
	// function of one argument costs less per row than bm25's variadic
	// weights (go-sqlite3 converts every argument by reflection).
	if err := conn.RegisterFunc("email_rank", func(info []byte) float64 { return bm25(info, emailWeights[:]...) }, true); err != nil {
		return fmt.Errorf("register email_rank: %w", err)
	}
	if err := conn.RegisterFunc("party_rank", func(info []byte) float64 { return bm25(info, partyWeights[:]...) }, true); err != nil {
		return fmt.Errorf("register party_rank: %w", err)
	}
	return nil
}

// Connect implements driver.Connector.
func (c *connector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil || c.trace == nil {
		return conn, err
	}
	return &tracedConn{SQLiteConn: conn.(*sqlite3.SQLiteConn), trace: c.trace}, nil
}

// Driver implements driver.Connector.
func (c *connector) Driver() driver.Driver { return c.drv }

// tracedConn reports the statements run on a connection.
type tracedConn struct {
	*sqlite3.SQLiteConn
	trace func(string)
}

// QueryContext implements driver.QueryerContext.
func (c *tracedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	c.trace(query)
	return c.SQLiteConn.QueryContext(ctx, query, args)
}

// ExecContext implements driver.ExecerContext.
func (c *tracedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	c.trace(query)
	return c.SQLiteConn.ExecContext(ctx, query, args)
}

// PrepareContext implements driver.ConnPrepareContext.
func (c *tracedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.SQLiteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return &tracedStmt{SQLiteStmt: st.(*sqlite3.SQLiteStmt), query: query, trace: c.trace}, nil
}

// Prepare implements driver.Conn.
func (c *tracedConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// tracedStmt reports each execution of a prepared statement.
type tracedStmt struct {
	*sqlite3.SQLiteStmt
	query string
	trace func(string)
}

// QueryContext implements driver.StmtQueryContext.
func (s *tracedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.trace(s.query)
	return s.SQLiteStmt.QueryContext(ctx, args)
}

// ExecContext implements driver.StmtExecContext.
func (s *tracedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.trace(s.query)
	return s.SQLiteStmt.ExecContext(ctx, args)
}

// Column weights of the ranks: email_fts (subject, body_text, note,
// from_name, from_address) and contact_fts or company_fts (name, address
// or domain).
var (
	emailWeights = [...]float64{4, 1, 1, 2, 2}
	partyWeights = [...]float64{2, 1}
)

// BM25 parameters (the usual ones).
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// bm25 ranks an FTS4 row from matchinfo(t, 'pcnalx'), higher is better:
// Okapi BM25 summed over the query's phrases and the table's columns, each
// column weighted by the optional weights (1 for those not given). The IDF
// is log(1 + (N-n+0.5)/(n+0.5)), which is never negative.
func bm25(info []byte, weights ...float64) float64 {
	if len(info)%4 != 0 || len(info) < 12 {
		return 0
	}
	u := func(i int) float64 {
		if 4*i+4 > len(info) {
			return 0
		}
		return float64(binary.NativeEndian.Uint32(info[4*i:]))
	}
	phrases, cols := int(u(0)), int(u(1))
	rows := u(2)
	avg := 3           // a: average tokens per column, cols values
	length := 3 + cols // l: tokens in this row per column
	x := 3 + 2*cols    // x: 3 values per phrase and column
	if len(info) < 4*(x+3*phrases*cols) {
		return 0
	}
	var score float64
	for p := range phrases {
		for c := range cols {
			w := 1.0
			if c < len(weights) {
				w = weights[c]
			}
			if w == 0 {
				continue
			}
			at := x + 3*(p*cols+c)
			tf, docs := u(at), u(at+2)
			if tf == 0 {
				continue
			}
			idf := math.Log(1 + (rows-docs+0.5)/(docs+0.5))
			norm := 1.0
			if a := u(avg + c); a > 0 {
				norm = 1 - bm25B + bm25B*u(length+c)/a
			}
			score += w * idf * tf * (bm25K1 + 1) / (tf + bm25K1*norm)
		}
	}
	return score
}
