// Package faultproxy is a loopback TCP proxy for tests that injects network
// faults between a client and a server: a connection dropped after so many
// bytes or right after a given response, or a server that stops answering.
//
// A Proxy forwards every accepted connection to its target in both
// directions. Faults are armed on the Proxy by the test and apply to the
// server→client direction of the connections open when they are armed and of
// those accepted later: the first connection whose server bytes trigger a
// fault takes it. Every fault is one-shot: it disarms when it fires, so that
// the client's reconnection goes through. Several faults may be armed at
// once; they fire in the order their triggers arrive.
//
//	p := faultproxy.Start(t, server.Addr)
//	f := p.CutWhen([]byte("FETCH ("))
//	... point the client at p.Addr and run it ...
//	if !f.HasFired() { t.Fatal("the fault never fired") }
//	if p.Connections() < 2 { t.Fatal("no reconnection") }
package faultproxy

import (
	"bytes"
	"context"
	"net"
	"sync"
	"testing"
	"time"
)

// dialTimeout bounds the connection to the target for one client.
const dialTimeout = 5 * time.Second

// Proxy is a running fault-injecting proxy. Its methods are safe for
// concurrent use.
type Proxy struct {
	// Addr is the "127.0.0.1:PORT" the proxy listens on.
	Addr string

	target string
	ln     net.Listener
	ctx    context.Context // cancelled by Close: aborts dials to the target
	cancel context.CancelFunc
	wg     sync.WaitGroup // the accept loop and every connection's goroutines

	mu       sync.Mutex // guards everything below
	closed   bool
	accepted int
	refuse   bool
	links    map[*link]struct{}
	faults   []*Fault
}

// kind is what a fault does.
type kind int

const (
	cutAfter kind = iota
	cutWhen
	stallWhen
)

// Fault is one armed, one-shot fault, returned by the methods that arm it so
// that a test can check (or wait until) it fired.
type Fault struct {
	kind      kind
	remaining int64  // cutAfter: server bytes still to forward
	pattern   []byte // cutWhen, stallWhen
	// tails holds, for each connection, the last len(pattern)-1 server
	// bytes seen since the fault was armed, so that a pattern split across
	// two reads is still found.
	tails map[*link][]byte
	fired chan struct{}
}

// Fired returns a channel that is closed when the fault fires.
func (f *Fault) Fired() <-chan struct{} { return f.fired }

// HasFired reports whether the fault has fired.
func (f *Fault) HasFired() bool {
	select {
	case <-f.fired:
		return true
	default:
		return false
	}
}

// link is one proxied connection.
type link struct {
	client, server net.Conn
	once           sync.Once
	done           chan struct{} // closed when the link is cut
}

// cut closes both sides of the link (once).
func (l *link) cut() {
	l.once.Do(func() {
		close(l.done)
		l.client.Close()
		l.server.Close()
	})
}

// Start starts a proxy to target (host:port) on 127.0.0.1 and a free port,
// and closes it in t.Cleanup (see Close).
func Start(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("faultproxy: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Proxy{
		Addr:   ln.Addr().String(),
		target: target,
		ln:     ln,
		ctx:    ctx,
		cancel: cancel,
		links:  map[*link]struct{}{},
	}
	p.wg.Add(1)
	go p.acceptLoop()
	t.Cleanup(p.Close)
	return p
}

// Close stops listening, cuts every connection and waits until all of the
// proxy's goroutines have exited. Calling it again does nothing.
func (p *Proxy) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		p.wg.Wait()
		return
	}
	p.closed = true
	p.ln.Close()
	p.cancel()
	for l := range p.links {
		l.cut()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// Connections returns how many client connections the proxy has accepted,
// refused ones and those whose target could not be reached included.
func (p *Proxy) Connections() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

// CutAfter arms a fault that forwards n more bytes from the server (counted
// over all connections from now on) and then closes both sides of the
// connection that carried the n-th byte, as a connection dropped in the
// middle of a response would be. With n = 0 the next server bytes are not
// forwarded at all. An idle connection is not cut until its server sends
// something.
func (p *Proxy) CutAfter(n int64) *Fault {
	return p.arm(&Fault{kind: cutAfter, remaining: max(n, 0)})
}

// CutWhen arms a fault that closes both sides of the connection right after
// its server sent pattern: the bytes up to the end of pattern reach the
// client, nothing after them does. pattern must not be empty.
func (p *Proxy) CutWhen(pattern []byte) *Fault {
	return p.arm(&Fault{kind: cutWhen, pattern: bytes.Clone(pattern)})
}

// StallWhen arms a fault that stops forwarding the server's bytes right
// after the server sent pattern (which reaches the client), while holding
// the connection open: the client waits for an answer that never comes. The
// stalled connection stays that way until the client closes it (or Close).
// pattern must not be empty.
func (p *Proxy) StallWhen(pattern []byte) *Fault {
	return p.arm(&Fault{kind: stallWhen, pattern: bytes.Clone(pattern)})
}

// CutNow closes both sides of every open connection at once, whatever is in
// flight: what the client sends next never reaches the server.
func (p *Proxy) CutNow() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for l := range p.links {
		l.cut()
	}
}

// Refuse makes the proxy, while on is true, close every new connection as
// soon as it accepts it, without contacting the target: a server that is
// gone. Open connections are not affected.
func (p *Proxy) Refuse(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = on
}

func (p *Proxy) arm(f *Fault) *Fault {
	if f.kind != cutAfter && len(f.pattern) == 0 {
		panic("faultproxy: empty pattern")
	}
	f.tails = map[*link][]byte{}
	f.fired = make(chan struct{})
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = append(p.faults, f)
	return f
}

func (p *Proxy) acceptLoop() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			return
		}
		p.accepted++
		refuse := p.refuse
		p.wg.Add(1)
		p.mu.Unlock()
		if refuse {
			c.Close()
			p.wg.Done()
			continue
		}
		go p.serve(c)
	}
}

// serve connects client to the target and forwards until the link is cut.
func (p *Proxy) serve(client net.Conn) {
	defer p.wg.Done()
	ctx, cancel := context.WithTimeout(p.ctx, dialTimeout)
	var d net.Dialer
	server, err := d.DialContext(ctx, "tcp", p.target)
	cancel()
	if err != nil {
		client.Close() // the target is gone: the client sees the connection closed
		return
	}
	l := &link{client: client, server: server, done: make(chan struct{})}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		l.cut()
		return
	}
	p.links[l] = struct{}{}
	p.mu.Unlock()

	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // client → server: forwarded as is
		defer wg.Done()
		buf := make([]byte, 32<<10)
		for {
			n, err := client.Read(buf)
			if n > 0 {
				if _, werr := server.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		l.cut()
	}()
	go func() { // server → client: where the faults apply
		defer wg.Done()
		p.forwardServer(l)
	}()
	wg.Wait()

	p.mu.Lock()
	delete(p.links, l)
	for _, f := range p.faults {
		delete(f.tails, l)
	}
	p.mu.Unlock()
}

// forwardServer copies the server's bytes to the client, applying the armed
// faults, until the link is cut or stalled.
func (p *Proxy) forwardServer(l *link) {
	buf := make([]byte, 32<<10)
	for {
		n, err := l.server.Read(buf)
		if n > 0 {
			keep, fault := p.inspect(l, buf[:n])
			if keep > 0 {
				if _, werr := l.client.Write(buf[:keep]); werr != nil {
					break
				}
			}
			if fault != nil {
				close(fault.fired)
				if fault.kind == stallWhen {
					<-l.done // hold the connection until the client (or Close) ends it
					return
				}
				break
			}
		}
		if err != nil {
			break
		}
	}
	l.cut()
}

// inspect runs chunk, just read from l's server, past the armed faults. It
// returns how many of its bytes to forward and the fault that fires after
// them, if any (already disarmed).
func (p *Proxy) inspect(l *link, chunk []byte) (keep int, fired *Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	keep, at := len(chunk), -1
	for i, f := range p.faults {
		pos := -1
		switch f.kind {
		case cutAfter:
			if f.remaining <= int64(len(chunk)) {
				pos = int(f.remaining)
			}
		default:
			tail := f.tails[l]
			seen := append(append([]byte(nil), tail...), chunk...)
			if j := bytes.Index(seen, f.pattern); j >= 0 {
				pos = j + len(f.pattern) - len(tail)
			}
		}
		if pos >= 0 && (at < 0 || pos < keep) {
			keep, at = pos, i
		}
	}
	// Bring the faults that did not fire up to date with what is forwarded.
	for i, f := range p.faults {
		if i == at {
			continue
		}
		switch f.kind {
		case cutAfter:
			f.remaining -= int64(keep)
		default:
			seen := append(f.tails[l], chunk[:keep]...)
			if over := len(seen) - (len(f.pattern) - 1); over > 0 {
				seen = seen[over:]
			}
			f.tails[l] = append([]byte(nil), seen...)
		}
	}
	if at >= 0 {
		fired = p.faults[at]
		p.faults = append(p.faults[:at], p.faults[at+1:]...)
	}
	return keep, fired
}
