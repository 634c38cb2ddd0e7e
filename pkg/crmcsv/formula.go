package crmcsv

import "strings"

// formulaStarts are the characters with which a spreadsheet (Excel,
// LibreOffice, Google Sheets) takes a cell for a formula (OWASP's "CSV
// injection" rule).
const formulaStarts = "=+-@\t\r"

// neutralise makes a cell that a spreadsheet would run as a formula inert
// by putting a single quote before it, as OWASP recommends.
func neutralise(cell string) string {
	if cell != "" && strings.IndexByte(formulaStarts, cell[0]) >= 0 {
		return "'" + cell
	}
	return cell
}

// restore undoes neutralise: a cell written as a quote followed by a
// formula character reads back as it was.
func restore(cell string) string {
	if len(cell) >= 2 && cell[0] == '\'' && strings.IndexByte(formulaStarts, cell[1]) >= 0 {
		return cell[1:]
	}
	return cell
}
