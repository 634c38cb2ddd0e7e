package smtpsend

import "context"

// Check connects as Send would (TLS as configured, EHLO, and AUTH when a
// username is set), then says QUIT: it sends no mail. Errors are *Error,
// naming the step that failed.
func Check(ctx context.Context, cfg Config) error {
	s := &session{cfg: cfg, addr: cfg.addr()}
	if err := cfg.Validate(); err != nil {
		return s.fail(OpValidate, err)
	}
	c, err := s.connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if cfg.Username != "" {
		if err := s.auth(c); err != nil {
			return s.failCtx(ctx, OpAuth, err)
		}
	}
	_ = c.Quit()
	return nil
}

// Addr is the server's host:port, with the default port of the TLS mode
// when Port is 0.
func (c Config) Addr() string { return c.addr() }
