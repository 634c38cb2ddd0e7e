package mailfile

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// maxMessageSize is the largest message Next returns: 1 GiB.
const maxMessageSize = 1 << 30

// readBufferSize is the size of the buffered reader used for each file.
const readBufferSize = 64 << 10

// ErrMessageTooLarge is wrapped by the error Next returns for a message over
// 1 GiB. The error names the file and, for an mbox, the message's index.
var ErrMessageTooLarge = errors.New("message too large")

// Message is one raw message read from disk.
type Message struct {
	Path  string // the file it came from (for mbox: the mbox file)
	Index int    // 1-based position in an mbox file; 0 for a file holding one message
	Raw   []byte // the message exactly as stored (for mbox: the "From " line removed, ">From " unescaped)
	// Size is the message's whole size. It is len(Raw) unless the message
	// is over the limit set with HeaderOnlyAbove: then Raw holds only its
	// header section.
	Size int64
}

// Origin is a stable, human-readable name for where m came from: the path,
// or "path#N" for the N-th message of an mbox.
func (m Message) Origin() string {
	if m.Index == 0 {
		return m.Path
	}
	return m.Path + "#" + strconv.Itoa(m.Index)
}

// kind is how a file found by Open is read.
type kind int

const (
	kindSingle kind = iota // one message (a Maildir file)
	kindMbox               // an mbox file
	kindSniff              // an mbox if its first line is a From_ line, else one message
)

// item is one file found by Open.
type item struct {
	path string
	kind kind
	size int64
}

// Source iterates over the messages found under a list of paths. It is not
// safe for concurrent use.
type Source struct {
	items []item
	pos   int   // index in items of the file being read
	total int64 // sum of the items' sizes
	done  int64 // sum of the sizes of the items already finished
	cur   *mboxReader
	max   int64 // largest message returned; maxMessageSize except in tests
	// headerOnly, when positive, is the size above which only a message's
	// header section is kept (HeaderOnlyAbove).
	headerOnly int64
	closed     bool
}

// maxHeaderSection bounds the header section kept of a message over the
// HeaderOnlyAbove limit.
const maxHeaderSection = 1 << 20

// HeaderOnlyAbove makes Next return only the header section (and the whole
// size) of messages larger than n bytes, so that a message too large to log
// is never held whole; such messages may then exceed the 1 GiB limit.
func (s *Source) HeaderOnlyAbove(n int64) { s.headerOnly = n }

// Open classifies each path (a .eml or other single-message file, a Maildir
// folder, an mbox file, or a directory to walk) and returns a Source. A path
// that does not exist or cannot be read is an error naming it. Nothing is
// read yet beyond what classification needs: directories are listed, a
// regular file given directly is opened to check that it can be read, and a
// file without an extension met in a walk has its first line read.
func Open(paths []string) (*Source, error) {
	s := &Source{max: maxMessageSize}
	for _, p := range paths {
		if err := s.addPath(p); err != nil {
			return nil, err
		}
	}
	for _, it := range s.items {
		s.total += it.size
	}
	return s, nil
}

// addPath classifies one path given to Open.
func (s *Source) addPath(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return wrap("open", p, err)
	}
	switch {
	case fi.Mode().IsRegular():
		f, err := os.Open(p)
		if err != nil {
			return wrap("open", p, err)
		}
		f.Close()
		k := kindSniff
		if mboxName(filepath.Base(p)) {
			k = kindMbox
		}
		s.items = append(s.items, item{path: p, kind: k, size: fi.Size()})
		return nil
	case fi.IsDir():
		if isMaildir(p) {
			return s.addMaildir(p)
		}
		if base := filepath.Base(filepath.Clean(p)); (base == "cur" || base == "new") && isMaildir(filepath.Dir(filepath.Clean(p))) {
			return s.addMaildirFiles(p)
		}
		return s.walk(p)
	default:
		return fmt.Errorf("open %s: not a regular file or directory", p)
	}
}

// walk adds what a directory that is not a Maildir holds, recursively, in
// name order.
func (s *Source) walk(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return wrap("read directory", dir, err)
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		p := filepath.Join(dir, name)
		fi, err := entryInfo(p, e)
		if err != nil {
			return err
		}
		if fi == nil {
			continue
		}
		if fi.IsDir() {
			if isMaildir(p) {
				err = s.addMaildir(p)
			} else {
				err = s.walk(p)
			}
			if err != nil {
				return err
			}
			continue
		}
		switch ext := filepath.Ext(name); {
		case mboxName(name):
			s.items = append(s.items, item{path: p, kind: kindMbox, size: fi.Size()})
		case strings.EqualFold(ext, ".eml"):
			s.items = append(s.items, item{path: p, kind: kindSniff, size: fi.Size()})
		case ext == "":
			ok, err := startsWithFromLine(p)
			if err != nil {
				return err
			}
			if ok {
				s.items = append(s.items, item{path: p, kind: kindMbox, size: fi.Size()})
			}
		}
	}
	return nil
}

// entryInfo returns the FileInfo of a directory entry when it is a regular
// file or a real directory, and nil for anything to skip: symbolic links to
// directories, dangling links, devices, sockets and pipes. A symbolic link
// to a regular file is followed.
func entryInfo(p string, e fs.DirEntry) (fs.FileInfo, error) {
	if e.Type()&fs.ModeSymlink != 0 {
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() {
			return nil, nil
		}
		return fi, nil
	}
	if !e.IsDir() && !e.Type().IsRegular() {
		return nil, nil
	}
	fi, err := e.Info()
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil // removed since the directory was listed
		}
		return nil, wrap("stat", p, err)
	}
	return fi, nil
}

// isMaildir reports whether dir has a cur or a new subdirectory. An error
// counts as "no": a directory that cannot be read is reported when it is
// listed.
func isMaildir(dir string) bool {
	for _, sub := range []string{"cur", "new"} {
		if fi, err := os.Stat(filepath.Join(dir, sub)); err == nil && fi.IsDir() {
			return true
		}
	}
	return false
}

// addMaildir adds the messages of a Maildir: new, then cur, then its
// Maildir++ subfolders in name order.
func (s *Source) addMaildir(dir string) error {
	for _, sub := range []string{"new", "cur"} {
		p := filepath.Join(dir, sub)
		if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return wrap("open", p, err)
			}
			continue
		}
		if err := s.addMaildirFiles(p); err != nil {
			return err
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return wrap("read directory", dir, err)
	}
	for _, e := range entries {
		name := e.Name()
		if len(name) < 2 || name[0] != '.' || name == ".." || !e.IsDir() {
			continue // e.IsDir is false for a symbolic link: not followed
		}
		p := filepath.Join(dir, name)
		if isMaildir(p) {
			if err := s.addMaildir(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// addMaildirFiles adds the files of a Maildir's cur or new directory, in
// name order, each as one message. Hidden files are skipped.
func (s *Source) addMaildirFiles(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return wrap("read directory", dir, err)
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		p := filepath.Join(dir, name)
		fi, err := entryInfo(p, e)
		if err != nil {
			return err
		}
		if fi == nil || fi.IsDir() {
			continue
		}
		s.items = append(s.items, item{path: p, kind: kindSingle, size: fi.Size()})
	}
	return nil
}

// mboxName reports whether a file name says the file is an mbox.
func mboxName(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return name == "mbox" || ext == ".mbox" || ext == ".mbx"
}

// startsWithFromLine reports whether the first line of the file at p is a
// From_ line.
func startsWithFromLine(p string) (bool, error) {
	f, err := os.Open(p)
	if err != nil {
		return false, wrap("open", p, err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 4096)
	ok, err := sniff(br)
	if err != nil {
		return false, wrap("read", p, err)
	}
	return ok, nil
}

// sniff reports whether the first line readable from br is a From_ line,
// without consuming it. Only the first 4 KiB of a line are looked at.
func sniff(br *bufio.Reader) (bool, error) {
	buf, err := br.Peek(br.Size())
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return false, err
	}
	if i := bytes.IndexByte(buf, '\n'); i >= 0 {
		buf = buf[:i+1]
	}
	return isFromLine(buf), nil
}

// wrap returns err with the operation and the path in front. An
// *fs.PathError is unwrapped first so that the path appears only once.
func wrap(op, path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == path {
		err = pe.Err
	}
	return fmt.Errorf("%s %s: %w", op, path, err)
}

// Next returns the next message, or io.EOF after the last. It checks ctx
// between messages and returns ctx.Err() once ctx is done.
//
// An error other than io.EOF or ctx.Err() concerns one file or one message
// (it names them); Next may be called again to go on with the next message.
// The returned Raw belongs to the caller.
func (s *Source) Next(ctx context.Context) (Message, error) {
	if s.closed {
		return Message{}, fmt.Errorf("mailfile: Next after Close: %w", os.ErrClosed)
	}
	for {
		if err := ctx.Err(); err != nil {
			return Message{}, err
		}
		if s.cur != nil {
			m, err := s.cur.next()
			switch {
			case err == nil:
				return m, nil
			case err == io.EOF:
				s.finishItem()
				continue
			case errors.Is(err, ErrMessageTooLarge):
				return Message{}, err // the reader is positioned at the next message
			default:
				s.finishItem()
				return Message{}, err
			}
		}
		if s.pos >= len(s.items) {
			return Message{}, io.EOF
		}
		it := s.items[s.pos]
		if it.kind == kindSingle && it.size > s.max && s.headerOnly <= 0 {
			s.finishItem()
			return Message{}, tooLarge(it.path, s.max)
		}
		f, err := os.Open(it.path)
		if err != nil {
			s.finishItem()
			return Message{}, wrap("open", it.path, err)
		}
		br := bufio.NewReaderSize(f, readBufferSize)
		k := it.kind
		if k == kindSniff {
			k = kindSingle
			isMbox, err := sniff(br)
			if err != nil {
				f.Close()
				s.finishItem()
				return Message{}, wrap("read", it.path, err)
			}
			if isMbox {
				k = kindMbox
			}
		}
		if k == kindMbox {
			s.cur = &mboxReader{path: it.path, c: f, br: br, max: s.max, headerOnly: s.headerOnly, atStart: true}
			continue
		}
		var m Message
		if s.headerOnly > 0 && it.size > s.headerOnly {
			m, err = readHeaderSection(it.path, br, it.size)
		} else {
			m, err = s.readSingle(it.path, br, it.size)
		}
		f.Close()
		s.finishItem()
		return m, err
	}
}

// readSingle reads a whole file as one message. The buffer is sized from
// the file's size, so a large message is held once, not regrown.
func (s *Source) readSingle(path string, r io.Reader, size int64) (Message, error) {
	var buf bytes.Buffer
	buf.Grow(int(min(size, s.max)) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(r, s.max+1)); err != nil {
		return Message{}, wrap("read", path, err)
	}
	raw := buf.Bytes()
	if int64(len(raw)) > s.max {
		return Message{}, tooLarge(path, s.max)
	}
	if s.headerOnly > 0 && int64(len(raw)) > s.headerOnly { // grew since Open
		return Message{Path: path, Raw: headerSection(raw), Size: int64(len(raw))}, nil
	}
	return Message{Path: path, Raw: raw, Size: int64(len(raw))}, nil
}

// readHeaderSection reads a message's header section, up to and with the
// blank line that ends it (at most maxHeaderSection bytes).
func readHeaderSection(path string, r io.Reader, size int64) (Message, error) {
	br := bufio.NewReader(io.LimitReader(r, maxHeaderSection))
	var buf []byte
	for {
		line, err := br.ReadSlice('\n')
		buf = append(buf, line...)
		if isBlank(line) || err == io.EOF || err == bufio.ErrBufferFull && len(buf) >= maxHeaderSection {
			break
		}
		if err != nil && err != bufio.ErrBufferFull {
			return Message{}, wrap("read", path, err)
		}
	}
	return Message{Path: path, Raw: buf, Size: size}, nil
}

// headerSection returns raw up to and with the blank line ending its
// header section (at most maxHeaderSection bytes).
func headerSection(raw []byte) []byte {
	end := min(len(raw), maxHeaderSection)
	for _, sep := range [][]byte{[]byte("\r\n\r\n"), []byte("\n\n")} {
		if i := bytes.Index(raw[:end], sep); i >= 0 {
			return raw[:i+len(sep)]
		}
	}
	return raw[:end]
}

// tooLarge is the error for a message over max bytes; origin names it.
func tooLarge(origin string, max int64) error {
	return fmt.Errorf("read %s: %w (over %d bytes)", origin, ErrMessageTooLarge, max)
}

// finishItem closes the current file, if any, and moves to the next item.
func (s *Source) finishItem() {
	if s.cur != nil {
		s.cur.c.Close()
		s.cur = nil
	}
	if s.pos < len(s.items) {
		s.done += s.items[s.pos].size
		s.pos++
	}
}

// TotalBytes is the size of all the files Open found (for a progress line).
func (s *Source) TotalBytes() int64 { return s.total }

// ReadBytes is how many of the bytes counted in TotalBytes Next has consumed
// so far. It never exceeds TotalBytes and equals it once Next has returned
// io.EOF (a file that changed size since Open counts with its size at Open).
func (s *Source) ReadBytes() int64 {
	n := s.done
	if s.cur != nil {
		n += min(s.cur.n, s.items[s.pos].size)
	}
	return n
}

// Close releases any open file. Next must not be called after Close.
func (s *Source) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.cur != nil {
		err := s.cur.c.Close()
		s.cur = nil
		return err
	}
	return nil
}
