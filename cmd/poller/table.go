package main

import (
	"bytes"
	"io"
	"strings"

	"golang.org/x/text/width"
)

// table is text/tabwriter for terminals: it aligns tab-separated cells by
// their width on screen, so that CJK and other wide characters (two
// columns each) and combining marks (none) keep the columns straight.
// Write lines with cells ended by tabs, then Flush.
type table struct {
	w   io.Writer
	buf bytes.Buffer
}

// newTable returns a table writing to w with two spaces between columns.
func newTable(w io.Writer) *table { return &table{w: w} }

func (t *table) Write(p []byte) (int, error) { return t.buf.Write(p) }

// Flush writes the aligned table.
func (t *table) Flush() error {
	text := t.buf.String()
	t.buf.Reset()
	trailingNewline := strings.HasSuffix(text, "\n")
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	rows := make([][]string, len(lines))
	for i, line := range lines {
		rows[i] = strings.Split(line, "\t")
	}
	// As in text/tabwriter, a column is aligned over a block of
	// consecutive lines that all have a cell in it, ended by a tab.
	widths := make([][]int, len(rows))
	for i := range rows {
		widths[i] = make([]int, len(rows[i]))
	}
	var align func(lo, hi, col int)
	align = func(lo, hi, col int) {
		for i := lo; i < hi; {
			if len(rows[i])-1 <= col {
				i++
				continue
			}
			j, w := i, 0
			for ; j < hi && len(rows[j])-1 > col; j++ {
				w = max(w, displayWidth(rows[j][col]))
			}
			for k := i; k < j; k++ {
				widths[k][col] = w
			}
			align(i, j, col+1)
			i = j
		}
	}
	align(0, len(rows), 0)
	var out strings.Builder
	for i, cells := range rows {
		for j, cell := range cells {
			out.WriteString(cell)
			if j < len(cells)-1 {
				out.WriteString(strings.Repeat(" ", widths[i][j]-displayWidth(cell)+2))
			}
		}
		if i < len(rows)-1 || trailingNewline {
			out.WriteByte('\n')
		}
	}
	_, err := io.WriteString(t.w, out.String())
	return err
}

// displayWidth is how many terminal columns s takes: East Asian wide and
// full-width characters take two, combining marks and other zero-width
// characters none.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r == 0x200B || r == 0x200C || r == 0x200D || r == 0xFEFF:
		case r >= 0x0300 && r <= 0x036F, r >= 0x1AB0 && r <= 0x1AFF, r >= 0x20D0 && r <= 0x20FF, r >= 0xFE20 && r <= 0xFE2F:
		default:
			switch width.LookupRune(r).Kind() {
			case width.EastAsianWide, width.EastAsianFullwidth:
				n += 2
			default:
				n++
			}
		}
	}
	return n
}
