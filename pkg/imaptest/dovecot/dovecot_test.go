package dovecot

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

var testUser = User{Name: "catchall@example.test", Password: `s3cret "quoted" \ pass`}

// tlsConfig returns a client TLS config trusting s.CAFile.
func tlsConfig(t *testing.T, s *Server, serverName string) *tls.Config {
	t.Helper()
	pem, err := os.ReadFile(s.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("CAFile holds no certificate")
	}
	return &tls.Config{RootCAs: pool, ServerName: serverName}
}

// login logs c in as u and registers its closing.
func login(t *testing.T, s *Server, c *imapclient.Client, u User) {
	t.Helper()
	t.Cleanup(func() { c.Close() })
	if err := c.Login(u.Name, u.Password).Wait(); err != nil {
		t.Fatalf("LOGIN: %v\n%s", err, s.LogTail(20))
	}
}

func TestConnect(t *testing.T) {
	t.Parallel()
	s := Start(t, testUser)

	t.Run("plain", func(t *testing.T) {
		c, err := imapclient.DialInsecure(s.Addr, nil)
		if err != nil {
			t.Fatal(err)
		}
		login(t, s, c, testUser)
		if !c.Caps().Has(imap.CapIMAP4rev1) {
			t.Errorf("caps after login: %v", c.Caps())
		}
	})
	t.Run("implicit TLS localhost", func(t *testing.T) {
		c, err := imapclient.DialTLS(s.TLSAddr, &imapclient.Options{TLSConfig: tlsConfig(t, s, "localhost")})
		if err != nil {
			t.Fatal(err)
		}
		login(t, s, c, testUser)
	})
	t.Run("implicit TLS IP", func(t *testing.T) {
		c, err := imapclient.DialTLS(s.TLSAddr, &imapclient.Options{TLSConfig: tlsConfig(t, s, "127.0.0.1")})
		if err != nil {
			t.Fatal(err)
		}
		login(t, s, c, testUser)
	})
	t.Run("STARTTLS", func(t *testing.T) {
		// DialStartTLS takes ServerName from the address (127.0.0.1).
		cfg := tlsConfig(t, s, "")
		c, err := imapclient.DialStartTLS(s.Addr, &imapclient.Options{TLSConfig: cfg})
		if err != nil {
			t.Fatal(err)
		}
		login(t, s, c, testUser)
	})
	t.Run("TLS untrusted", func(t *testing.T) {
		c, err := imapclient.DialTLS(s.TLSAddr, &imapclient.Options{TLSConfig: &tls.Config{ServerName: "localhost", RootCAs: x509.NewCertPool()}})
		if err == nil {
			c.Close()
			t.Fatal("DialTLS without the CA succeeded")
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		c, err := imapclient.DialInsecure(s.Addr, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Login(testUser.Name, "wrong").Wait(); err == nil {
			t.Fatal("LOGIN with a wrong password succeeded")
		}
	})
}

// message returns a small CRLF message numbered i.
func message(i int) []byte {
	return []byte(fmt.Sprintf("From: a@example.test\r\nTo: catchall@example.test\r\n"+
		"Subject: message %d\r\nMessage-ID: <%d@example.test>\r\n"+
		"Date: Mon, 02 Jan 2006 15:04:05 +0000\r\n\r\nBody of message %d.\r\n", i, i, i))
}

func TestDeliver(t *testing.T) {
	t.Parallel()
	s := Start(t, testUser)
	raws := [][]byte{message(1), message(2), message(3)}
	s.Deliver(t, testUser.Name, raws...)

	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	login(t, s, c, testUser)
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages != 3 {
		t.Fatalf("SELECT INBOX: %d messages, want 3", sel.NumMessages)
	}
	sd, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	uids := sd.AllUIDs()
	if len(uids) != 3 {
		t.Fatalf("UID SEARCH UNSEEN: %v, want 3 UIDs", uids)
	}
	msgs, err := c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{
		UID:         true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 3 {
		t.Fatalf("FETCH: %d messages, want 3", len(msgs))
	}
	for i, m := range msgs {
		if len(m.BodySection) != 1 {
			t.Fatalf("message %d: %d body sections", i, len(m.BodySection))
		}
		// UIDs follow delivery order.
		if got := m.BodySection[0].Bytes; !bytes.Equal(got, raws[m.SeqNum-1]) {
			t.Errorf("message seq %d (UID %d):\n got %q\nwant %q", m.SeqNum, m.UID, got, raws[m.SeqNum-1])
		}
	}
	// Peek must not have set \Seen: still 3 unseen, and Dovecot moved the
	// files from new/ to cur/ without the S flag.
	sd, err = c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(sd.AllUIDs()); n != 3 {
		t.Errorf("unseen after BODY.PEEK: %d, want 3", n)
	}
	if err := c.Store(imap.UIDSetNum(uids[0]), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagSeen}, Silent: true}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if got := countSeen(t, s.Maildir(testUser.Name)); got != 1 {
		t.Errorf("files with S flag in cur/: %d, want 1", got)
	}
}

// countSeen counts the files in md/cur whose Maildir info has the S flag.
func countSeen(t *testing.T, md string) int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(md, "cur"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if _, info, ok := strings.Cut(e.Name(), ":2,"); ok && strings.Contains(info, "S") {
			n++
		}
	}
	return n
}

func TestDeliverMany(t *testing.T) {
	t.Parallel()
	s := Start(t, testUser)
	const n = 500
	raws := make([][]byte, n)
	for i := range raws {
		raws[i] = message(i)
	}
	start := time.Now()
	s.Deliver(t, testUser.Name, raws...)
	t.Logf("Deliver of %d messages took %v", n, time.Since(start))

	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	login(t, s, c, testUser)
	start = time.Now()
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first SELECT of %d messages took %v", n, time.Since(start))
	if sel.NumMessages != n {
		t.Fatalf("SELECT INBOX: %d messages, want %d", sel.NumMessages, n)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1, n/2, n), &imap.FetchOptions{
		BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if want := raws[m.SeqNum-1]; !bytes.Equal(m.BodySection[0].Bytes, want) {
			t.Errorf("seq %d: got %q, want %q (UIDs not in delivery order?)", m.SeqNum, m.BodySection[0].Bytes, want)
		}
	}
}

func TestDeliverWhileSelected(t *testing.T) {
	t.Parallel()
	s := Start(t, testUser)
	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	login(t, s, c, testUser)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	s.Deliver(t, testUser.Name, message(1), message(2))
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	if got := c.Mailbox().NumMessages; got != 2 {
		t.Errorf("after Deliver and NOOP: %d messages, want 2", got)
	}
}

func TestTwoServers(t *testing.T) {
	t.Parallel()
	alice := User{Name: "alice", Password: "a"}
	bob := User{Name: "bob", Password: "b"}
	s1 := Start(t, alice)
	s2 := Start(t, bob, alice)
	if s1.Addr == s2.Addr || s1.TLSAddr == s2.TLSAddr || s1.Dir == s2.Dir {
		t.Fatalf("servers share an address or folder: %+v %+v", s1, s2)
	}
	s1.Deliver(t, "alice", message(1))
	s2.Deliver(t, "alice", message(1), message(2))
	for _, tc := range []struct {
		s    *Server
		u    User
		want uint32
	}{{s1, alice, 1}, {s2, alice, 2}, {s2, bob, 0}} {
		c, err := imapclient.DialInsecure(tc.s.Addr, nil)
		if err != nil {
			t.Fatal(err)
		}
		login(t, tc.s, c, tc.u)
		sel, err := c.Select("INBOX", nil).Wait()
		if err != nil {
			t.Fatal(err)
		}
		if sel.NumMessages != tc.want {
			t.Errorf("%s on %s: %d messages, want %d", tc.u.Name, tc.s.Addr, sel.NumMessages, tc.want)
		}
	}
	// bob does not exist on s1.
	c, err := imapclient.DialInsecure(s1.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(bob.Name, bob.Password).Wait(); err == nil {
		t.Error("bob logged in on the server without bob")
	}
}

func TestStop(t *testing.T) {
	t.Parallel()
	s := Start(t, testUser)
	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	login(t, s, c, testUser)

	start := time.Now()
	s.Stop()
	t.Logf("Stop took %v", time.Since(start))
	s.Stop() // twice is fine

	select {
	case <-c.Closed():
	case <-time.After(5 * time.Second):
		t.Error("the open connection survived Stop")
	}
	for _, addr := range []string{s.Addr, s.TLSAddr} {
		if c, err := imapclient.DialInsecure(addr, nil); err == nil {
			err = c.Noop().Wait()
			c.Close()
			t.Errorf("dial %s after Stop: connected (NOOP: %v)", addr, err)
		}
	}
	if _, err := os.Stat(s.Dir); err != nil {
		t.Errorf("the folder must survive Stop until Cleanup: %v", err)
	}
}

func TestNoUsers(t *testing.T) {
	t.Parallel()
	s := Start(t)
	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.WaitGreeting(); err != nil {
		t.Fatal(err)
	}
}

func TestCleanupRemovesFolder(t *testing.T) {
	t.Parallel()
	var dir string
	t.Run("inner", func(t *testing.T) {
		start := time.Now()
		s := Start(t, testUser)
		t.Logf("Start took %v (dir %s)", time.Since(start), s.Dir)
		dir = s.Dir
	})
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("folder %s still there after Cleanup: %v", dir, err)
	}
}

func TestCheckUser(t *testing.T) {
	for _, u := range []User{{Name: ""}, {Name: "a:b"}, {Name: "a/b"}, {Name: "a", Password: "p:w"}, {Name: "a", Password: "p\nw"}, {Name: ".."}} {
		if err := checkUser(u); err == nil {
			t.Errorf("checkUser(%+v) accepted", u)
		}
	}
	if err := checkUser(testUser); err != nil {
		t.Errorf("checkUser(%+v): %v", testUser, err)
	}
}

func TestTempDirFallback(t *testing.T) {
	t.Parallel()
	s := start(t, filepath.Join(t.TempDir(), "no-shm-here"), []User{testUser})
	if strings.HasPrefix(s.Dir, "/dev/shm/") {
		t.Fatalf("Dir %s is on /dev/shm", s.Dir)
	}
	s.Deliver(t, testUser.Name, message(1))
	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	login(t, s, c, testUser)
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages != 1 {
		t.Errorf("SELECT INBOX: %d messages, want 1", sel.NumMessages)
	}
}
