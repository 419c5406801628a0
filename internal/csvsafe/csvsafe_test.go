package csvsafe

import (
	"bytes"
	"encoding/csv"
	"testing"
)

// A cell cannot become a live formula in a spreadsheet (audit L2);
// numbers, negative ones too, and text stay as they are.
func TestCell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`=HYPERLINK("http://evil.example/","click")`, `'=HYPERLINK("http://evil.example/","click")`}, // a formula
		{"+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},                                                 // DDE
		{"@SUM(A1)", "'@SUM(A1)"}, // @ formula
		{"-2+3", "'-2+3"},         // arithmetic
		{"\t=1", "'\t=1"},         // a tab first
		{"-12.5", "-12.5"},        // a number
		{"已通知全县中小学", "已通知全县中小学"}, // text
		{"", ""}, // empty
	} {
		if got := Cell(tc.in); got != tc.want {
			t.Errorf("Cell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// The Writer makes every cell of a row inert.
func TestWriter(t *testing.T) {
	var b bytes.Buffer
	w := Writer{Writer: csv.NewWriter(&b)}
	if err := w.Write([]string{"=1+2", "ok", "-3"}); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if got := b.String(); got != "'=1+2,ok,-3\n" {
		t.Errorf("wrote %q", got)
	}
}
