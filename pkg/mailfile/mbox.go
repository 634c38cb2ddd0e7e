package mailfile

import (
	"bufio"
	"bytes"
	"io"
)

// mboxReader splits an mbox file into messages, one at a time. It reads the
// file in chunks of at most the bufio.Reader's size (a line longer than that
// arrives in several chunks), so memory is bounded by one message.
type mboxReader struct {
	path string
	c    io.Closer // the file br reads
	br   *bufio.Reader
	max  int64 // largest message returned
	// headerOnly, when positive: a message over this size keeps only its
	// header section (and its size is counted).
	headerOnly int64
	n          int64 // bytes consumed from the file

	index       int  // number of messages started so far
	atStart     bool // no line has been read yet
	pendingFrom bool // a separating From_ line has been consumed; its message is next
	midLine     bool // the last chunk read did not end a line
	discard     bool // the rest of the current line is dropped (a long From_ line)
	eof         bool
}

// next returns the next message of the file, or io.EOF after the last one.
func (r *mboxReader) next() (Message, error) {
	if r.eof {
		return Message{}, io.EOF
	}
	var (
		buf       []byte
		started   = r.pendingFrom // the message began with a From_ line
		nonBlank  bool            // buf holds a line that is not blank
		prevBlank = r.atStart     // a separator may come next
		lastBlank int             // length of the last line in buf if it is blank, else 0
		tooBig    bool
		size      int64 // bytes of the message so far
		truncated bool  // only the header section is kept
	)
	if started {
		r.index++
	}
	r.pendingFrom = false
	add := func(p []byte) {
		size += int64(len(p))
		if tooBig || truncated {
			return
		}
		if r.headerOnly > 0 && size > r.headerOnly {
			truncated, buf = true, headerSection(buf)
			return
		}
		if int64(len(buf))+int64(len(p)) > r.max {
			tooBig, buf = true, nil
			return
		}
		buf = append(buf, p...)
	}
	// finish ends the current message; trim says whether its last blank line
	// belongs to the mbox format.
	finish := func(trim bool) (Message, error) {
		if !started {
			r.index++ // content before any From_ line is a message too
		}
		if tooBig {
			return Message{}, tooLarge(Message{Path: r.path, Index: r.index}.Origin(), r.max)
		}
		if trim && !truncated {
			buf = buf[:len(buf)-lastBlank]
			size -= int64(lastBlank)
		}
		if buf == nil {
			buf = []byte{}
		}
		if !truncated {
			size = int64(len(buf))
		}
		return Message{Path: r.path, Index: r.index, Raw: buf, Size: size}, nil
	}
	for {
		chunk, err := r.br.ReadSlice('\n')
		if len(chunk) > 0 {
			r.n += int64(len(chunk))
			if r.midLine {
				// The rest of a long line.
				r.midLine = err == bufio.ErrBufferFull
				if !r.discard {
					add(chunk)
				}
			} else {
				r.midLine = err == bufio.ErrBufferFull
				if prevBlank && isFromLine(chunk) {
					r.atStart = false
					r.discard = r.midLine
					if started || nonBlank {
						r.pendingFrom = true
						return finish(true)
					}
					// The first message: drop any blank lines before it.
					started, buf, prevBlank, lastBlank = true, buf[:0], false, 0
					r.index++
					continue
				}
				r.atStart = false
				r.discard = false
				blank := isBlank(chunk)
				nonBlank = nonBlank || !blank
				prevBlank, lastBlank = blank, 0
				if blank {
					lastBlank = len(chunk)
				}
				add(unescape(chunk))
			}
		}
		switch {
		case err == io.EOF:
			r.eof = true
			if !started && !nonBlank {
				return Message{}, io.EOF
			}
			return finish(started)
		case err != nil && err != bufio.ErrBufferFull:
			r.eof = true
			return Message{}, wrap("read", r.path, err)
		}
	}
}

// isBlank reports whether line is an empty line ("\n" or "\r\n").
func isBlank(line []byte) bool {
	return len(line) == 1 && line[0] == '\n' || len(line) == 2 && line[0] == '\r' && line[1] == '\n'
}

// fromPrefix starts every From_ line.
const fromPrefix = "From "

// hasFromPrefix reports whether b begins with "From ".
func hasFromPrefix(b []byte) bool {
	return len(b) >= len(fromPrefix) && string(b[:len(fromPrefix)]) == fromPrefix
}

// unescape removes one '>' from a line matching ^>+From (mboxrd).
func unescape(line []byte) []byte {
	i := 0
	for i < len(line) && line[i] == '>' {
		i++
	}
	if i > 0 && hasFromPrefix(line[i:]) {
		return line[1:]
	}
	return line
}

// isFromLine reports whether line (with or without its line ending) is an
// mbox From_ line: "From ", a sender (a word without blanks; more blanks
// before it are tolerated), a blank, and a date holding a time of day
// ("d:dd"), as in "From alice@example.com Sat Jan  3 01:05:34 1996".
func isFromLine(line []byte) bool {
	if !hasFromPrefix(line) {
		return false
	}
	rest := bytes.TrimLeft(line[len(fromPrefix):], " \t")
	i := bytes.IndexAny(rest, " \t")
	if i <= 0 {
		return false
	}
	return hasTime(rest[i:])
}

// hasTime reports whether b contains a digit, a colon and two more digits.
func hasTime(b []byte) bool {
	for i := 0; i+3 < len(b); i++ {
		if isDigit(b[i]) && b[i+1] == ':' && isDigit(b[i+2]) && isDigit(b[i+3]) {
			return true
		}
	}
	return false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
