package imapsource

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

// TestTraceRedacts feeds a tracer both directions of an exchange, cut into
// chunks of every size: secrets and message contents never show, commands
// and responses do.
func TestTraceRedacts(t *testing.T) {
	const body = "Subject: hi\r\n\r\nThe quarterly numbers are attached.\r\n* not a response\r\nT9 OK not either\r\n"
	type seg struct {
		client bool
		data   string
	}
	c := func(s string) seg { return seg{true, s} }
	s := func(s string) seg { return seg{false, s} }
	tests := []struct {
		name           string
		segs           []seg
		want, notWants []string
	}{
		{
			name:     "login quoted",
			segs:     []seg{s("* OK ready\r\n"), c("T1 LOGIN \"log@x\" \"hunter2-pw\"\r\n"), s("T1 OK done\r\n")},
			want:     []string{"S: * OK ready", "C: T1 LOGIN [redacted]", "S: T1 OK done"},
			notWants: []string{"hunter2-pw", "log@x"},
		},
		{
			name: "login synchronizing literal",
			segs: []seg{c("T1 LOGIN \"log@x\" {10}\r\n"), s("+ Ready for literal data\r\n"), c("hunter2-pw\r\n"), s("T1 OK done\r\n"),
				c("T2 UID SEARCH UNSEEN\r\n")},
			want:     []string{"C: T1 LOGIN [redacted]", "S: + Ready", "S: T1 OK done", "C: T2 UID SEARCH UNSEEN"},
			notWants: []string{"hunter2-pw"},
		},
		{
			name:     "login two literals",
			segs:     []seg{c("T1 LOGIN {5+}\r\nlog@x {10+}\r\nhunter2-pw\r\n"), s("T1 OK done\r\n")},
			want:     []string{"C: T1 LOGIN [redacted]", "S: T1 OK done"},
			notWants: []string{"hunter2-pw", "log@x"},
		},
		{
			name:     "authenticate with initial response",
			segs:     []seg{c("T1 AUTHENTICATE PLAIN AGxvZ0B4AGh1bnRlcjItcHc=\r\n"), s("T1 OK done\r\n")},
			want:     []string{"C: T1 AUTHENTICATE PLAIN [redacted]", "S: T1 OK done"},
			notWants: []string{"AGxvZ0B4AGh1bnRlcjItcHc="},
		},
		{
			name: "authenticate with continuation",
			segs: []seg{c("T1 AUTHENTICATE XOAUTH2\r\n"), s("+ \r\n"), c("dXNlcj1sb2dAeAFhdXRoPUJlYXJlciB0b2tlbi0xMjMBAQ==\r\n"),
				s("+ eyJzdGF0dXMiOiI0MDEifQ==\r\n"), c("\r\n"), s("T1 NO bad token\r\n"), s("+ idling\r\n")},
			want:     []string{"C: T1 AUTHENTICATE XOAUTH2 [redacted]", "S: T1 NO bad token", "S: + idling"},
			notWants: []string{"dXNlcj1sb2dAeAFhdXRoPUJlYXJlciB0b2tlbi0xMjMBAQ==", "eyJzdGF0dXMiOiI0MDEifQ=="},
		},
		{
			name: "fetch body",
			segs: []seg{c("T3 UID FETCH 7 (UID RFC822.SIZE BODY.PEEK[])\r\n"),
				s("* 1 FETCH (UID 7 RFC822.SIZE 91 BODY[] {" + strconv.Itoa(len(body)) + "}\r\n" + body + ")\r\nT3 OK Fetch completed\r\n")},
			want:     []string{"C: T3 UID FETCH 7", "S: * 1 FETCH (UID 7", "bytes redacted]", "S:    )", "S: T3 OK Fetch completed"},
			notWants: []string{"quarterly", "Subject: hi", "not a response", "not either"},
		},
		{
			name:     "a line that is no protocol",
			segs:     []seg{s("Dear Bob, the numbers\r\n"), c("T4 NOOP\r\n")},
			want:     []string{"C: T4 NOOP", "S: [redacted]"},
			notWants: []string{"Dear Bob"},
		},
	}
	for _, tt := range tests {
		for _, chunk := range []int{1, 3, 7, 64, 4096} {
			var out bytes.Buffer
			tr := newTracer(&out, "main")
			client := &traceStream{t: tr, dir: "C: "}
			server := &traceStream{t: tr, dir: "S: ", server: true}
			for _, sg := range tt.segs {
				st := server
				if sg.client {
					st = client
				}
				for d := sg.data; len(d) > 0; {
					n := min(chunk, len(d))
					st.write([]byte(d[:n]))
					d = d[n:]
				}
			}
			got := out.String()
			for _, want := range tt.want {
				if !strings.Contains(got, want) {
					t.Errorf("%s, chunks of %d: trace lacks %q:\n%s", tt.name, chunk, want, got)
				}
			}
			for _, bad := range tt.notWants {
				if strings.Contains(got, bad) {
					t.Errorf("%s, chunks of %d: trace shows %q:\n%s", tt.name, chunk, bad, got)
				}
			}
			for _, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
				if !strings.HasPrefix(line, "imap main ") {
					t.Errorf("%s: line %q lacks the prefix", tt.name, line)
				}
			}
		}
	}
}
