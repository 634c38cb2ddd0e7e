package web

import (
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Sign-in limits: a burst of attempts, then one more every so often. The
// limit per address guards a user's password against guessing from many
// places; the limit per client guards every user against one place.
const (
	addressBurst = 5
	addressEvery = time.Minute
	clientBurst  = 20
	clientEvery  = 10 * time.Second
	// limitsKept bounds each table: beyond it, limiters back to full are
	// dropped.
	limitsKept = 10000
)

// signInLimits rate-limits sign-in attempts, by the submitted address and
// by the client's address, on the server's clock.
type signInLimits struct {
	mu      sync.Mutex
	address map[string]*rate.Limiter
	client  map[string]*rate.Limiter
}

func newSignInLimits() *signInLimits {
	return &signInLimits{address: map[string]*rate.Limiter{}, client: map[string]*rate.Limiter{}}
}

// allow takes one attempt from both limiters and reports whether both had
// one to give.
func (l *signInLimits) allow(now time.Time, address, client string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := take(l.address, address, now, rate.Every(addressEvery), addressBurst)
	c := take(l.client, client, now, rate.Every(clientEvery), clientBurst)
	return a && c
}

// succeeded forgets the failed attempts on an address once its user signs
// in.
func (l *signInLimits) succeeded(address string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.address, address)
}

func take(m map[string]*rate.Limiter, key string, now time.Time, every rate.Limit, burst int) bool {
	lim, ok := m[key]
	if !ok {
		if len(m) >= limitsKept {
			for k, v := range m {
				if v.TokensAt(now) >= float64(burst) {
					delete(m, k)
				}
			}
		}
		lim = rate.NewLimiter(every, burst)
		m[key] = lim
	}
	return lim.AllowN(now, 1)
}

// clientKey is the key of the connecting client: its IP address, or for
// IPv6 its /64, which one host usually holds whole.
func clientKey(remoteAddr string) string {
	addr, ok := remoteIP(remoteAddr)
	if !ok {
		return remoteAddr
	}
	if addr.Is6() {
		p, err := addr.Prefix(64)
		if err == nil {
			return p.String()
		}
	}
	return addr.String()
}

// remoteIP parses an http.Request's RemoteAddr ("ip:port").
func remoteIP(remoteAddr string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(remoteAddr); err == nil {
		return ap.Addr().Unmap(), true
	}
	if a, err := netip.ParseAddr(strings.Trim(remoteAddr, "[]")); err == nil {
		return a.Unmap(), true
	}
	return netip.Addr{}, false
}
