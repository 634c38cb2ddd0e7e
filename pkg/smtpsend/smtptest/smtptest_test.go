package smtptest

import (
	"net"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"
)

func TestServer(t *testing.T) {
	s := StartOptions(t, Options{TLS: TLSStartTLS})
	send := func() error {
		c, err := smtp.DialStartTLS(s.Addr(), s.ClientTLSConfig())
		if err != nil {
			return err
		}
		defer c.Close()
		return c.SendMail("a@example.com", []string{"b@example.com"}, strings.NewReader("Subject: x\r\n\r\nbody\r\n"))
	}
	if err := send(); err != nil {
		t.Fatalf("send: %v", err)
	}
	s.Refuse(StageRcpt, 451)
	if err := send(); err == nil || !strings.Contains(err.Error(), "451") {
		t.Errorf("send while refusing = %v, want a 451", err)
	}
	s.Refuse(StageRcpt, 0)
	s.Stop()
	s.Stop()
	if c, err := net.Dial("tcp", s.Addr()); err == nil {
		c.Close()
		t.Errorf("dial a stopped server: connected, want refused")
	}
	s.Restart()
	if err := send(); err != nil {
		t.Fatalf("send after Restart: %v", err)
	}
	msgs := s.Messages()
	if len(msgs) != 2 || !msgs[0].TLS || msgs[1].To[0] != "b@example.com" {
		t.Fatalf("Messages() = %+v, want two over TLS to b@example.com", msgs)
	}
	msgs[0].Data[0] = 'X'
	if s.Messages()[0].Data[0] == 'X' {
		t.Error("Messages() shares its buffers with the server")
	}
}
