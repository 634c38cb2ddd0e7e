package imapsource

import (
	"context"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Watch keeps a second connection in IDLE (RFC 2177) on the mailbox and
// sends on notify, without blocking, whenever the server reports new
// messages, until ctx ends. After an error it reconnects, waiting retry.
// A server without IDLE is an error.
func Watch(ctx context.Context, cfg Config, notify chan<- struct{}, retry time.Duration) error {
	signal := func() {
		select {
		case notify <- struct{}{}:
		default:
		}
	}
	for {
		err := watchOnce(ctx, cfg, signal)
		if ctx.Err() != nil {
			return nil
		}
		if err == errNoIdle {
			return fmt.Errorf("mailbox %s: %w", cfg.Name, err)
		}
		select {
		case <-time.After(retry):
		case <-ctx.Done():
			return nil
		}
	}
}

var errNoIdle = fmt.Errorf("the server does not support IDLE")

func watchOnce(ctx context.Context, cfg Config, signal func()) error {
	handler := &imapclient.UnilateralDataHandler{
		Mailbox: func(data *imapclient.UnilateralDataMailbox) {
			if data.NumMessages != nil {
				signal()
			}
		},
	}
	c, err := dialSelect(ctx, cfg, handler)
	if err != nil {
		return err
	}
	defer c.c.Close()
	if caps := c.c.Caps(); !caps.Has(imap.CapIdle) && !caps.Has(imap.CapIMAP4rev2) {
		return errNoIdle
	}
	idle, err := c.c.Idle()
	if err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- idle.Wait() }()
	select {
	case <-ctx.Done():
		idle.Close()
		return nil
	case err := <-done:
		return fmt.Errorf("idle: %w", err)
	}
}
