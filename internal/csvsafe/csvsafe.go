// Package csvsafe writes CSV that a spreadsheet opens without running
// anything in it (CSV formula injection, audit L2): the episode report's
// CSV and the reduction list's filing export.
package csvsafe

import (
	"encoding/csv"
	"strconv"
	"strings"
)

// Cell is c made inert: a cell starting with = + - @ (or a tab or CR) gets
// a leading apostrophe, unless it is a number (-5 stays -5).
func Cell(c string) string {
	if c == "" || !strings.ContainsRune("=+-@\t\r", rune(c[0])) {
		return c
	}
	if _, err := strconv.ParseFloat(c, 64); err == nil {
		return c
	}
	return "'" + c
}

// Writer is a csv.Writer whose every cell goes through Cell.
type Writer struct{ *csv.Writer }

// Write writes one row, each cell made inert.
func (w Writer) Write(row []string) error {
	out := make([]string, len(row))
	for i, c := range row {
		out[i] = Cell(c)
	}
	return w.Writer.Write(out)
}
