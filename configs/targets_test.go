package configs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The demo names the illustrative targets; they load against the plan.
func TestDefaultHasTheDemoTargets(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	ts := c.ParsedTargets()
	if ts == nil || ts.ID != "jianghua-2026" || !ts.Illustrative || len(ts.List()) == 0 {
		t.Fatalf("ParsedTargets() = %+v", ts)
	}
}

// targets: is checked at start, strictly, against the plan and the
// stations; left out there are none.
func TestTargetsCheckedAtStart(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	demo, err := files.ReadFile("default.yaml")
	if err != nil {
		t.Fatal(err)
	}
	good := write("good.yaml", "id: t\nyear: 2026\nscopes:\n  - {scope: station, id: tuojiang-1, heavy_days_max: 2}\n")
	for _, c := range []struct {
		name, path string
		want       []string // "" : loads
	}{
		// No key: no targets, nothing refused.
		{"absent", "", nil},
		// A station of the registry and a known key: loads.
		{"good", good, nil},
		// A region the plan does not have, with its line.
		{"unknown region", write("r.yaml", "id: t\nyear: 2026\nscopes:\n  - scope: region\n    id: mars\n    heavy_days_max: 1\n"),
			[]string{`line 5: scopes[0].id: "mars" is not a region of the plan`}},
		// A station nobody configured.
		{"unknown station", write("s.yaml", "id: t\nyear: 2026\nscopes:\n  - {scope: station, id: nowhere-9, heavy_days_max: 1}\n"),
			[]string{`"nowhere-9" is not a configured station`}},
		// A misspelt key refuses the file, both problems listed.
		{"misspelt key", write("k.yaml", "id: t\nyear: 2026\nscopes:\n  - {scope: region, id: jianghua, pm25_anual_max: 30, good_day_ratio_pct: 120}\n"),
			[]string{"pm25_anual_max", "good_day_ratio_pct: 120"}},
		// A file that is not there.
		{"missing file", filepath.Join(dir, "none.yaml"), []string{"targets " + filepath.Join(dir, "none.yaml")}},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The demo configuration with its targets: line replaced.
			var b strings.Builder
			for _, line := range strings.Split(string(demo), "\n") {
				if !strings.HasPrefix(line, "targets:") {
					b.WriteString(line + "\n")
				}
			}
			if c.path != "" {
				b.WriteString("targets: " + c.path + "\n")
			}
			cfg, err := Parse([]byte(b.String()), nil)
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if (cfg.ParsedTargets() != nil) != (c.path != "") {
					t.Errorf("ParsedTargets() = %v with targets %q", cfg.ParsedTargets(), c.path)
				}
				return
			}
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q:\n%v", w, err)
				}
			}
		})
	}
}
