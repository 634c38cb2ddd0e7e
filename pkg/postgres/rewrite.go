package postgres

import (
	"strconv"
	"strings"
)

// rewrite turns a query of the store core, written in the SQL both SQLite
// and PostgreSQL speak with SQLite's habits, into PostgreSQL's:
//   - ? placeholders become $1, $2, … in order;
//   - SQLite's unary-plus index hints ("+mailbox = ?") are dropped;
//   - LIKE becomes ILIKE (SQLite's LIKE ignores ASCII case);
//   - group_concat( becomes string_agg(;
//   - CROSS JOIN becomes JOIN: the core writes CROSS JOIN only with an ON,
//     as SQLite's hint to keep the tables in the order written (a join
//     PostgreSQL's CROSS JOIN, which takes no ON, cannot express);
//   - a column followed by COLLATE NOCASE ("c.name COLLATE NOCASE", in
//     ORDER BY) becomes lower(column), which the schema's indexes are on.
//
// String literals, quoted identifiers, comments and dollar-quoted bodies
// are copied as they are.
func rewrite(q string) string {
	b := make([]byte, 0, len(q)+16)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := closing(q, i+1, c)
			b = append(b, q[i:j]...)
			i = j - 1
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b = append(b, q[i:i+j]...)
			i += j - 1
		case c == '$' && dollarTag(q[i:]) != "":
			tag := dollarTag(q[i:])
			end := strings.Index(q[i+len(tag):], tag)
			j := len(q)
			if end >= 0 {
				j = i + len(tag) + end + len(tag)
			}
			b = append(b, q[i:j]...)
			i = j - 1
		case c == '?':
			n++
			b = append(b, '$')
			b = strconv.AppendInt(b, int64(n), 10)
		case c == '+' && i+1 < len(q) && isIdentStart(q[i+1]) && (i == 0 || q[i-1] == ' ' || q[i-1] == '(' || q[i-1] == '\t' || q[i-1] == '\n'):
			// an index hint: drop the plus
		case (c == 'L' || c == 'l') && word(q, i, "LIKE"):
			b = append(b, "ILIKE"...)
			i += len("LIKE") - 1
		case (c == 'C' || c == 'c') && word(q, i, "CROSS") && wordAfter(q, i+len("CROSS"), "JOIN") > 0:
			i = wordAfter(q, i+len("CROSS"), "JOIN") - 1 // JOIN itself is copied next
		case (c == 'C' || c == 'c') && word(q, i, "COLLATE") && wordAfter(q, i+len("COLLATE"), "NOCASE") > 0 && columnAtEnd(b) >= 0:
			k := columnAtEnd(b)
			col := strings.TrimRight(string(b[k:]), " \t\r\n")
			b = append(append(append(b[:k], "lower("...), col...), ") "...)
			i = wordAfter(q, i+len("COLLATE"), "NOCASE") + len("NOCASE") - 1
		case (c == 'g' || c == 'G') && word(q, i, "group_concat"):
			b = append(b, "string_agg"...)
			i += len("group_concat") - 1
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// closing returns the index just past the quote that closes a literal
// opened before from, a doubled quote being an escaped one.
func closing(q string, from int, quote byte) int {
	for j := from; j < len(q); j++ {
		if q[j] == quote {
			if j+1 < len(q) && q[j+1] == quote {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(q)
}

// dollarTag is the $tag$ (or $$) that opens a dollar-quoted string at the
// start of s, or "" (a $1 placeholder is not one).
func dollarTag(s string) string {
	for j := 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '$':
			return s[:j+1]
		case isIdentStart(c) || (j > 1 && c >= '0' && c <= '9'):
		default:
			return ""
		}
	}
	return ""
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdent(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

// wordAfter returns the index of the keyword w after the white space at
// from, or -1 when something else follows.
func wordAfter(q string, from int, w string) int {
	j := from
	for j < len(q) && isSpace(q[j]) {
		j++
	}
	if j == from || !word(q, j, w) {
		return -1
	}
	return j
}

// columnAtEnd returns where the column name (a.b, or b) that b ends with,
// before white space, starts, or -1 when b does not end with one.
func columnAtEnd(b []byte) int {
	j := len(b)
	for j > 0 && isSpace(b[j-1]) {
		j--
	}
	k := j
	for k > 0 && (isIdent(b[k-1]) || b[k-1] == '.') {
		k--
	}
	if k == j || !isIdentStart(b[k]) || (k > 0 && (b[k-1] == '"' || b[k-1] == ')')) {
		return -1
	}
	return k
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// word reports whether q holds the keyword w (any case) at i as a whole
// word.
func word(q string, i int, w string) bool {
	if i+len(w) > len(q) || !strings.EqualFold(q[i:i+len(w)], w) {
		return false
	}
	if i > 0 && isIdent(q[i-1]) {
		return false
	}
	return i+len(w) == len(q) || !isIdent(q[i+len(w)])
}
