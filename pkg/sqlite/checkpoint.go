package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// checkpointer copies committed pages from the WAL into the database file
// in the background, right after a write transaction commits, while the
// pass fetches and parses its next batch. Otherwise SQLite does it inside
// the commit that takes the WAL past its autocheckpoint size (1,000
// pages), on the writer's time: for large mail, a third of the commit. A
// passive checkpoint blocks neither readers nor the writer, and the
// autocheckpoint stays as the backstop; a checkpoint that fails (busy) is
// left to the next one.
type checkpointer struct {
	db   *sql.DB
	kick chan struct{}
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// startCheckpointer starts the checkpointer of the database at dsn, on a
// connection of its own (neither traced nor taken from the store's pool).
func startCheckpointer(dsn string) *checkpointer {
	db := sql.OpenDB(newConnector(dsn, nil))
	db.SetMaxOpenConns(1)
	c := &checkpointer{db: db, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

func (c *checkpointer) run() {
	defer close(c.done)
	defer c.db.Close()
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
			c.db.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
}

// committed asks for a checkpoint soon; it never waits.
func (c *checkpointer) committed() {
	select {
	case c.kick <- struct{}{}:
	default: // one is asked for already
	}
}

// close stops the checkpointer once its checkpoint in progress, if any,
// is done. Closing again does nothing.
func (c *checkpointer) close() {
	c.once.Do(func() { close(c.stop) })
	<-c.done
}
