// Package mailfile reads messages stored on disk: single .eml files, Maildir
// folders and mbox files.
//
// It does not parse MIME. It finds message files, splits mbox files into
// messages and hands out each message's raw bytes together with a stable
// origin ("path" or "path#N" for the N-th message of an mbox file), in a
// deterministic order: paths in the order given, folder contents sorted by
// name.
//
// # Classification
//
// Open classifies each path it is given:
//
//   - A regular file named *.mbox, *.mbx or mbox is an mbox file. Any other
//     regular file is sniffed when it is read: if its first line is a From_
//     line it is an mbox file, otherwise the whole file is one message.
//   - A directory with a cur and/or new subdirectory is a Maildir: the files
//     of new, then of cur, each sorted by name, are single messages; tmp is
//     skipped. Maildir++ subfolders (subdirectories named ".Something" that
//     are Maildirs themselves) are read after, in name order. A cur or new
//     directory given directly (whose parent is a Maildir) is read the same
//     way.
//   - Any other directory is walked recursively in name order. It yields
//     .eml files (extension compared case-insensitively; sniffed like a
//     top-level file), nested Maildirs, files named *.mbox, *.mbx or mbox,
//     and files without an extension whose first line is a From_ line.
//     Hidden names (starting with "."), other files and symbolic links to
//     directories are skipped, so a walk cannot loop.
//
// # mbox format
//
// A From_ line is a line that begins "From ", followed by a sender (a word
// without blanks) and a date that contains a time of day ("d:dd"), for
// example "From alice@example.com Sat Jan  3 01:05:34 1996". A From_ line
// separates messages when it is the first line of the file (leading blank
// lines are ignored) or follows a blank line. The From_ line is not part of
// the message, nor is the blank line before the next separator (or the last
// blank line of the file). In every message line matching ^>+From one '>'
// is removed (mboxrd unescaping, which also undoes mboxo's ">From "). LF
// and CRLF line endings are both accepted and kept as stored.
//
// mboxo files are ambiguous: a body line "From ..." that was not escaped
// cannot always be told from a separator. This package resolves it as
// follows. A line starting "From " that does not follow a blank line is
// always message text. A line starting "From " after a blank line is a
// separator only when it looks like a From_ line as defined above (so
// "From here on, ..." stays in the body); one that does look like a From_
// line splits the message, as every mbox reader must.
//
// Content before the first From_ line that is not blank (a file named .mbox
// that does not start with a From_ line) is returned as message 1 rather
// than dropped.
//
// mbox files are streamed: memory use is bounded by one message plus a
// small buffer. A message over 1 GiB is an error that names the file and
// the message's index (wrapping ErrMessageTooLarge); reading continues with
// the next message if Next is called again.
package mailfile
