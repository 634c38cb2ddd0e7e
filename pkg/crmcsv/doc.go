// Package crmcsv reads the CSV files a team imports to seed its CRM
// (companies, contacts, deals) and writes the CSV files of an export.
//
// Reading is strict and all-or-nothing: the header row names the columns
// (case-insensitive, surrounding spaces ignored, in any order); an unknown
// column or a missing required one is an error; every row is checked, and
// each bad row is reported with its line in the file (the header is line 1)
// and what is wrong with it. A UTF-8 byte order mark, CRLF line ends and
// quoted fields (with commas, quotes or line breaks inside) are handled;
// rows whose cells are all blank are skipped.
//
// Each entity's columns are declared once (CompanyColumns, ContactColumns,
// DealColumns, with the CompanyRow, ContactRow and DealRow writers):
// export writes them and import reads them, so an export imports back.
//
// Writing produces RFC 4180 CSV with a header row; list-valued cells are
// joined with ";". Cells that a spreadsheet would take for a formula are
// neutralised with a leading single quote (OWASP's CSV injection rule), and
// reading takes it off, so an export imports back unchanged.
package crmcsv
