package faultproxy

import (
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// echoServer echoes every connection until the test ends.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				io.Copy(c, c)
				c.Close()
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

func dial(t *testing.T, p *Proxy) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// roundTrip sends s and reads back what the proxy forwards within a short
// time: the bytes, and whether the connection was closed.
func roundTrip(t *testing.T, c net.Conn, s string, want int) (string, bool) {
	t.Helper()
	if _, err := c.Write([]byte(s)); err != nil {
		return "", true
	}
	return read(t, c, want)
}

// read reads until want bytes arrived, the connection closed, or 300 ms
// passed without data.
func read(t *testing.T, c net.Conn, want int) (string, bool) {
	t.Helper()
	var got []byte
	buf := make([]byte, 4096)
	for len(got) < want {
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return string(got), false
		}
		if err != nil {
			return string(got), true
		}
	}
	return string(got), false
}

func TestForwardsBothWays(t *testing.T) {
	p := Start(t, echoServer(t))
	c := dial(t, p)
	if got, closed := roundTrip(t, c, "hello", 5); got != "hello" || closed {
		t.Fatalf("echo = %q (closed %v), want hello", got, closed)
	}
	if n := p.Connections(); n != 1 {
		t.Errorf("Connections = %d, want 1", n)
	}
}

func TestCutAfterIsExactAndOneShot(t *testing.T) {
	p := Start(t, echoServer(t))
	c := dial(t, p)
	if got, _ := roundTrip(t, c, "0123", 4); got != "0123" {
		t.Fatalf("before arming: %q", got)
	}
	f := p.CutAfter(6)
	if got, closed := roundTrip(t, c, "abcd", 4); got != "abcd" || closed {
		t.Fatalf("within budget: %q (closed %v)", got, closed)
	}
	if got, closed := roundTrip(t, c, "efghij", 6); got != "ef" || !closed {
		t.Fatalf("crossing the budget: %q (closed %v), want ef then closed", got, closed)
	}
	if !f.HasFired() {
		t.Error("fault not reported as fired")
	}
	c2 := dial(t, p)
	if got, closed := roundTrip(t, c2, strings.Repeat("x", 100), 100); len(got) != 100 || closed {
		t.Errorf("second connection after the one-shot fault: %d bytes (closed %v)", len(got), closed)
	}
	if n := p.Connections(); n != 2 {
		t.Errorf("Connections = %d, want 2", n)
	}
}

func TestCutWhenFindsAPatternSplitAcrossReads(t *testing.T) {
	p := Start(t, echoServer(t))
	c := dial(t, p)
	f := p.CutWhen([]byte("FETCH ("))
	if got, _ := roundTrip(t, c, "* 1 FE", 6); got != "* 1 FE" {
		t.Fatalf("first half: %q", got)
	}
	got, closed := roundTrip(t, c, "TCH (UID 1)", 11)
	if got != "TCH (" || !closed {
		t.Fatalf("after the pattern: %q (closed %v), want %q then closed", got, closed, "TCH (")
	}
	select {
	case <-f.Fired():
	case <-time.After(time.Second):
		t.Fatal("Fired not closed")
	}
}

func TestCutWhenIgnoresBytesBeforeArming(t *testing.T) {
	p := Start(t, echoServer(t))
	c := dial(t, p)
	roundTrip(t, c, "FETC", 4)
	p.CutWhen([]byte("FETCH"))
	if got, closed := roundTrip(t, c, "H and more", 10); got != "H and more" || closed {
		t.Fatalf("a match straddling the arming fired: %q (closed %v)", got, closed)
	}
}

func TestStallWhenHoldsTheConnectionUntilTheClientCloses(t *testing.T) {
	p := Start(t, echoServer(t))
	c := dial(t, p)
	f := p.StallWhen([]byte("OK"))
	got, closed := roundTrip(t, c, "A1 OK done\r\n", 12)
	if got != "A1 OK" || closed {
		t.Fatalf("stall: %q (closed %v), want %q and the connection open", got, closed, "A1 OK")
	}
	if got, closed := roundTrip(t, c, "more\r\n", 6); got != "" || closed {
		t.Fatalf("stalled connection forwarded %q (closed %v)", got, closed)
	}
	if !f.HasFired() {
		t.Error("fault not reported as fired")
	}
	c.Close()
	// The stalled link ends once the client has gone.
	deadline := time.Now().Add(2 * time.Second)
	for {
		p.mu.Lock()
		n := len(p.links)
		p.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("stalled link still open after the client closed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	c2 := dial(t, p)
	if got, _ := roundTrip(t, c2, "OK again", 8); got != "OK again" {
		t.Errorf("after the stall: %q", got)
	}
}

func TestEarliestFaultWins(t *testing.T) {
	p := Start(t, echoServer(t))
	c := dial(t, p)
	late := p.CutAfter(100)
	early := p.CutWhen([]byte("b"))
	if got, closed := roundTrip(t, c, "abc", 3); got != "ab" || !closed {
		t.Fatalf("got %q (closed %v), want ab then closed", got, closed)
	}
	if !early.HasFired() || late.HasFired() {
		t.Fatalf("fired: early %v, late %v", early.HasFired(), late.HasFired())
	}
	// The budget of the other fault counted the 2 forwarded bytes.
	c2 := dial(t, p)
	if got, closed := roundTrip(t, c2, strings.Repeat("y", 99), 99); len(got) != 98 || !closed {
		t.Fatalf("second connection: %d bytes (closed %v), want 98 then closed", len(got), closed)
	}
}

func TestCutNowAndRefuse(t *testing.T) {
	p := Start(t, echoServer(t))
	c := dial(t, p)
	roundTrip(t, c, "x", 1)
	p.CutNow()
	if _, closed := read(t, c, 1); !closed {
		t.Error("CutNow left the connection open")
	}
	p.Refuse(true)
	c2 := dial(t, p)
	if _, closed := roundTrip(t, c2, "x", 1); !closed {
		t.Error("Refuse left a new connection open")
	}
	p.Refuse(false)
	c3 := dial(t, p)
	if got, _ := roundTrip(t, c3, "x", 1); got != "x" {
		t.Errorf("after Refuse(false): %q", got)
	}
	if n := p.Connections(); n != 3 {
		t.Errorf("Connections = %d, want 3", n)
	}
}

func TestUnreachableTargetClosesTheClient(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := Start(t, addr)
	c := dial(t, p)
	if _, closed := read(t, c, 1); !closed {
		t.Error("connection to a dead target left open")
	}
}

func TestCloseEndsEveryGoroutine(t *testing.T) {
	p := Start(t, echoServer(t))
	c1 := dial(t, p)
	c2 := dial(t, p)
	p.StallWhen([]byte("z"))
	roundTrip(t, c1, "abc", 3)
	roundTrip(t, c2, "xyz", 3) // stalled after "xyz"
	buf := make([]byte, 1<<20)
	if !strings.Contains(string(buf[:runtime.Stack(buf, true)]), "faultproxy.(*Proxy)") {
		t.Fatal("no proxy goroutine found while running: the check below would prove nothing")
	}
	p.Close()
	p.Close()
	if _, closed := read(t, c2, 1); !closed {
		t.Error("Close left the stalled connection open")
	}
	// Close waits for the proxy's goroutines: none may be left.
	stacks := string(buf[:runtime.Stack(buf, true)])
	if strings.Contains(stacks, "faultproxy.(*Proxy)") {
		t.Fatalf("proxy goroutines left after Close:\n%s", stacks)
	}
}
