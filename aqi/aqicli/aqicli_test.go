package aqicli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
)

// config is the Config of the command's flags --mode, --edition, --method
// (defaults hourly, auto, platform).
func config(t *testing.T, args ...string) Config {
	t.Helper()
	flags := map[string]string{"--mode": "hourly", "--edition": "auto", "--method": "platform"}
	for i := 0; i+1 < len(args); i += 2 {
		flags[args[i]] = args[i+1]
	}
	cfg, err := ParseConfig(flags["--mode"], flags["--edition"], flags["--method"])
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func jsonLines(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = JSONLines(context.Background(), config(t, args...), strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

func csvFiles(t *testing.T, files []string, args ...string) (stdout string, err error) {
	t.Helper()
	var out bytes.Buffer
	err = CSV(context.Background(), config(t, args...), files, &out)
	return out.String(), err
}

func decodeLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("output %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func TestAQIJSONLines(t *testing.T) {
	cases := []struct {
		name string
		args []string
		in   string
		want string // the output line, compared as JSON
	}{
		{
			// 2012 platform hour: PM2.5 75 → 100 (primary), PM10 75 → 63, SO2 11 → 4, NO2 71 → 36, CO 1.4 → 14, O3 2 → 1.
			name: "2012 hour", args: []string{"--edition", "2012"},
			in: `{"id":"dongsi","pm25":75,"pm10":75,"so2":11,"no2":71,"co":1.4,"o3":2}`,
			want: `{"id":"dongsi","aqi":100,"iaqi":{"pm25":100,"pm10":63,"so2":4,"no2":36,"co":14,"o3":1},"primary":["pm25"],"level":2,
				"category_zh":"良","category_en":"Moderate","color":"#FFFF00","edition":2012,"flags":[],"over_standard":null}`,
		},
		{
			// The same hour after the cutover (auto by time): 2026 → 114, sensitive groups of PM.
			name: "auto 2026", args: nil,
			in: `{"id":7,"time":"2026-03-01T01:00:00+08:00","pm25":75,"pm10":75,"so2":11,"no2":71,"co":1.4,"o3":2}`,
			want: `{"id":7,"time":"2026-03-01T01:00:00+08:00","aqi":114,"iaqi":{"pm25":114,"pm10":68,"so2":4,"no2":36,"co":14,"o3":1},
				"primary":["pm25"],"level":3,"category_zh":"轻度污染","category_en":"Lightly Polluted","color":"#FF7E00","edition":2026,"flags":[],
				"sensitive_groups":["children","elderly","respiratory_disease","cardiovascular_disease"]}`,
		},
		{
			// The hour labelled 00:00 on 1 March is February's last hour: 2012.
			name: "auto cutover hour", args: nil,
			in: `{"time":"2026-03-01T00:00:00+08:00","pm25":75}`,
			want: `{"time":"2026-03-01T00:00:00+08:00","aqi":100,"iaqi":{"pm25":100},"primary":["pm25"],"level":2,
				"category_zh":"良","category_en":"Moderate","color":"#FFFF00","edition":2012,"flags":[]}`,
		},
		{
			// 2026 NA: PM2.5 60 → 100 with CO measured but null (missing).
			name: "2026 NA", args: []string{"--edition", "2026"},
			in: `{"pm25":60,"co":null,"no2":"/"}`,
			want: `{"aqi":null,"iaqi":{"pm25":100,"co":null},"primary":[],"level":null,"category_zh":"NA","category_en":"NA",
				"color":null,"edition":2026,"flags":["missing_co"]}`,
		},
		{
			// Daily 2012 with the daily max 1h O3: 1071 → 436 while the 8h mean above 800 has no term.
			name: "daily 2012 ozone", args: []string{"--mode", "daily", "--edition", "2012"},
			in: `{"o3":1071,"o3_8h":1071,"pm25":138.875}`,
			want: `{"aqi":436,"iaqi":{"o3":436,"o3_8h":null,"pm25":185},"primary":["o3"],"level":6,"category_zh":"严重污染",
				"category_en":"Severely Polluted","color":"#7E0023","edition":2012,"flags":["o3_8h_above_800"],"over_standard":["o3","pm25"]}`,
		},
		{
			// Daily, a bare date names the natural day: 2026-02-28 is still 2012 (PM2.5 60 → 82).
			name: "daily date", args: []string{"--mode", "daily"},
			in: `{"time":"2026-02-28","pm25":60}`,
			want: `{"time":"2026-02-28","aqi":82,"iaqi":{"pm25":82},"primary":["pm25"],"level":2,"category_zh":"良",
				"category_en":"Moderate","color":"#FFFF00","edition":2012,"flags":[]}`,
		},
		{
			// Literal 2012 hour: the 24h PM2.5 mean 50 → 69 replaces the 1h 300; 8h O3 170 → 110 decides.
			name: "literal", args: []string{"--edition", "2012", "--method", "literal"},
			in: `{"pm25":300,"pm25_24h":50,"o3":150,"o3_8h":170}`,
			want: `{"aqi":110,"iaqi":{"pm25":69,"o3":47,"o3_8h":110},"primary":["o3_8h"],"level":3,"category_zh":"轻度污染",
				"category_en":"Lightly Polluted","color":"#FF7E00","edition":2012,"flags":[],"over_standard":["o3_8h"]}`,
		},
	}
	for _, c := range cases {
		out, errOut, err := jsonLines(t, c.in+"\n", c.args...)
		if err != nil || errOut != "" {
			t.Errorf("%s: err %v, stderr %q", c.name, err, errOut)
			continue
		}
		var got, want map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%s: output %q: %v", c.name, out, err)
		}
		if err := json.Unmarshal([]byte(c.want), &want); err != nil {
			t.Fatalf("%s: bad want: %v", c.name, err)
		}
		if want["over_standard"] == nil {
			delete(want, "over_standard")
		}
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(want)
		if !bytes.Equal(gb, wb) {
			t.Errorf("%s:\n got %s\nwant %s", c.name, gb, wb)
		}
	}
}

func TestAQIJSONLinesBadLines(t *testing.T) {
	in := strings.Join([]string{
		`{"pm25":75}`,                    // line 1: fine
		`not json`,                       // line 2: not JSON
		``,                               // line 3: blank, skipped silently
		`{"pm25":-1}`,                    // line 4: negative
		`{"pm25":"12"}`,                  // line 5: a string
		`{"pm25":30}`,                    // line 6: fine
		`{"time":"yesterday","pm25":30}`, // line 7: bad time
	}, "\n")
	out, errOut, err := jsonLines(t, in, "--edition", "2012")
	if err == nil || !strings.Contains(err.Error(), "4 bad input line(s)") {
		t.Errorf("error %v, want 4 bad lines", err)
	}
	for _, n := range []string{"line 2:", "line 4:", "line 5:", "line 7:"} {
		if !strings.Contains(errOut, n) {
			t.Errorf("stderr lacks %q:\n%s", n, errOut)
		}
	}
	if lines := decodeLines(t, out); len(lines) != 2 || lines[0]["aqi"] != 100.0 || lines[1]["aqi"] != 43.0 {
		t.Errorf("output %v", lines)
	}
	// --edition auto without time is a bad line, not a guess.
	_, errOut, err = jsonLines(t, `{"pm25":75}`)
	if err == nil || !strings.Contains(errOut, "line 1:") || !strings.Contains(errOut, "time") {
		t.Errorf("auto without time: %v %q", err, errOut)
	}
}

func TestAQICSV(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/beijing/PRSA_Data_*_2015112501-2015120300.csv.gz")
	if len(files) != 3 {
		t.Fatalf("excerpt files: %v", files)
	}
	out, err := csvFiles(t, files)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], ","); got != "station,time,edition,hourly_aqi,hourly_level,hourly_primary,daily_aqi,daily_level,daily_primary" {
		t.Errorf("header %s", got)
	}
	// Three stations and the region, 192 hours each.
	if len(rows) != 1+4*192 {
		t.Fatalf("%d rows", len(rows))
	}
	get := func(station, time string) []string {
		for _, r := range rows {
			if r[0] == station && r[1] == time {
				return r
			}
		}
		t.Fatalf("no row %s %s", station, time)
		return nil
	}
	// Hand-checked in aqi/beijing_test.go: Dongsi hour 2015-11-25 01:00 is 100 (PM2.5);
	// the natural day 2015-12-01 (window ending 2015-12-02 00:00) is 493 (PM2.5).
	if r := get("Dongsi", "2015-11-25T01:00:00+08:00"); strings.Join(r[2:], ",") != "2012,100,2,pm25,,," {
		t.Errorf("first Dongsi row %v (daily must be empty for an incomplete window)", r)
	}
	if r := get("Dongsi", "2015-12-02T00:00:00+08:00"); r[6] != "493" || r[7] != "6" || r[8] != "pm25" {
		t.Errorf("Dongsi day 2015-12-01: %v", r)
	}
	// 2015-12-01 09:00: PM10 and PM2.5 beyond the index at Dongsi: both primary at 500.
	if r := get("Dongsi", "2015-12-01T09:00:00+08:00"); r[3] != "500" || r[5] != "pm10;pm25" {
		t.Errorf("Dongsi 2015-12-01 09:00: %v", r)
	}
	if r := get("region", "2015-12-01T09:00:00+08:00"); r[3] == "" || r[2] != "2012" {
		t.Errorf("region row %v", r)
	}

	// --edition 2026 re-evaluates the same hour: 114.
	out, err = csvFiles(t, files[2:], "--edition", "2026")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Dongsi,2015-11-25T01:00:00+08:00,2026,114,3,pm25,,,\n") {
		t.Errorf("2026 row missing:\n%.300s", out)
	}

	// Two periods of one station are joined with the gap filled: 2013-08-12 01:00 … 2015-12-03 00:00
	// is 20,232 hours.
	both, _ := filepath.Glob("../../testdata/beijing/PRSA_Data_Dongsi_*.csv.gz")
	out, err = csvFiles(t, both)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out, "\n") - 1; n != 20232 {
		t.Errorf("joined Dongsi has %d rows, want 20232", n)
	}
}

func TestAQIParseConfig(t *testing.T) {
	for _, c := range []struct {
		mode, edition, method string
		want                  Config
	}{
		{"hourly", "auto", "platform", Config{}},
		{"daily", "2012", "literal", Config{Edition: aqi.Edition2012, Method: aqi.Literal2012, Daily: true}},
		{"hourly", "2026", "platform", Config{Edition: aqi.Edition2026}},
	} {
		if got, err := ParseConfig(c.mode, c.edition, c.method); err != nil || got != c.want {
			t.Errorf("ParseConfig(%q, %q, %q) = %+v, %v; want %+v", c.mode, c.edition, c.method, got, err, c.want)
		}
	}
	for _, c := range [][3]string{
		{"weekly", "auto", "platform"}, {"hourly", "2019", "platform"}, {"hourly", "auto", "guess"}, {"", "auto", "platform"},
	} {
		if _, err := ParseConfig(c[0], c[1], c[2]); err == nil || !strings.HasPrefix(err.Error(), "aqi: --") {
			t.Errorf("ParseConfig%q: %v", c, err)
		}
	}
	// Auto picks by the end of the period; a fixed edition stays.
	cut := time.Date(2026, 3, 1, 0, 0, 0, 0, aqi.CST)
	if a := (Config{}); a.EditionFor(cut) != aqi.Edition2012 || a.EditionFor(cut.Add(time.Hour)) != aqi.Edition2026 {
		t.Error("auto edition around the cutover")
	}
	if f := (Config{Edition: aqi.Edition2012}); f.EditionFor(cut.AddDate(1, 0, 0)) != aqi.Edition2012 {
		t.Error("a fixed edition changed with time")
	}
}

// The same station twice over the same period is refused; a missing file
// is an error naming it.
func TestAQICSVRefuses(t *testing.T) {
	f := "../../testdata/beijing/PRSA_Data_Dongsi_2015112501-2015120300.csv.gz"
	if _, err := csvFiles(t, []string{f, f}); err == nil || !strings.Contains(err.Error(), "overlapping data") {
		t.Errorf("overlap: %v", err)
	}
	if _, err := csvFiles(t, []string{"no-such.csv"}); err == nil || !strings.Contains(err.Error(), "no-such.csv") {
		t.Errorf("missing file: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := CSV(ctx, Config{}, []string{f}, io.Discard); err == nil {
		t.Error("a cancelled context ran")
	}
}
