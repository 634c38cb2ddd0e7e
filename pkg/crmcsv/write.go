package crmcsv

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Write writes a header row and then rows to w as CSV. Every row must have
// as many cells as the header.
func Write(w io.Writer, header []string, rows [][]string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("write csv header: %w", err)
	}
	for i, r := range rows {
		if len(r) != len(header) {
			return fmt.Errorf("write csv row %d: %d cells for %d columns", i+1, len(r), len(header))
		}
		if err := cw.Write(r); err != nil {
			return fmt.Errorf("write csv row %d: %w", i+1, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// WriteFile writes a header row and rows to the file at path, replacing it
// only once it is complete. The file is readable by its owner only: an
// export holds personal data.
func WriteFile(path string, header []string, rows [][]string) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	if err := Write(f, header, rows); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// JoinList makes one cell of a list of values, separated by ListSeparator.
func JoinList(values []string) string { return strings.Join(values, ListSeparator) }
