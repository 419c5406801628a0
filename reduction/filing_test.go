package reduction

import (
	"bytes"
	"encoding/csv"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// schemaColumns reads the column names from the schema's table: the
// backquoted first cell of each row.
func schemaColumns(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("testdata/filing-schema.md")
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9_]+)` \\|").FindAllStringSubmatch(string(b), -1) {
		cols = append(cols, m[1])
	}
	return cols
}

// readFiling writes the list and reads it back, without its BOM.
func readFiling(t *testing.T, l *List) [][]string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteFilingCSV(&b, l); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("\uFEFF")) {
		t.Error("no byte-order mark")
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b.Bytes(), []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// The filing CSV's header is the schema's column list, in order, and every
// row has every column (notes acceptance 6).
func TestFilingCSVMatchesSchema(t *testing.T) {
	cols := schemaColumns(t)
	if !slices.Equal(cols, FilingColumns()) {
		t.Fatalf("schema columns:\n%v\nFilingColumns():\n%v", cols, FilingColumns())
	}
	rows := readFiling(t, demo(t))
	if !slices.Equal(rows[0], cols) {
		t.Errorf("header = %v", rows[0])
	}
	if len(rows) != 1+30*3 {
		t.Errorf("%d rows, want 1 + 30 sources × 3 levels", len(rows))
	}
	col := func(name string) int { return slices.Index(cols, name) }
	for _, r := range rows[1:] {
		if r[col("enterprise_id")] == "cem-b" && r[col("level")] == LevelOrange {
			if r[col("actions")] != "limit_pct;hdv_ban_cn4" || !strings.Contains(r[col("key_indicators")], "≤ 2800 t/d（基数 3500）") ||
				r[col("origins")] != "default:cement_clinker/B;default:cement_clinker/B" {
				t.Errorf("cem-b orange row = %v", r)
			}
		}
		if r[col("enterprise_id")] == "food-g" && !strings.HasPrefix(r[col("exempt")], "guarantee: ") {
			t.Errorf("food-g exempt = %q", r[col("exempt")])
		}
		// Nothing private in the filing either.
		for _, c := range r {
			if strings.Contains(c, "1390000") || strings.Contains(c, "1370000") || strings.Contains(c, "+86") {
				t.Errorf("private number in %v", r)
			}
		}
	}
}

// A name that is a formula is written inert (internal/csvsafe has the
// rule's cases).
func TestFilingNeutralisesFormulas(t *testing.T) {
	l := &List{ID: "x", Year: 2026, Enterprises: []Enterprise{{ID: "f", NameZH: "=1+2", SourceType: SourceOther, Status: StatusProducing}}}
	if rows := readFiling(t, l); rows[1][slices.Index(FilingColumns(), "name_zh")] != "'=1+2" {
		t.Errorf("name cell = %q", rows[1][4])
	}
}
