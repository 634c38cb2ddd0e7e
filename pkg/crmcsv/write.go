package crmcsv

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"
)

// Write writes a header row and then rows to w as CSV. Every row must have
// as many cells as the header. A cell that a spreadsheet would run as a
// formula (it begins with =, +, -, @, a tab or a CR) is written with a
// single quote before it; Read* takes the quote off again.
func Write(w io.Writer, header []string, rows [][]string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("write csv header: %w", err)
	}
	for i, r := range rows {
		if len(r) != len(header) {
			return fmt.Errorf("write csv row %d: %d cells for %d columns", i+1, len(r), len(header))
		}
		safe := make([]string, len(r))
		for j, cell := range r {
			safe[j] = neutralise(cell)
		}
		if err := cw.Write(safe); err != nil {
			return fmt.Errorf("write csv row %d: %w", i+1, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// JoinList makes one cell of a list of values, separated by ListSeparator.
func JoinList(values []string) string { return strings.Join(values, ListSeparator) }
