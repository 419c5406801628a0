package statscli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/stats"
)

// WriteJSON writes the report as one indented JSON document.
func (rep *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rep); err != nil {
		return fmt.Errorf("stats: write: %w", err)
	}
	return nil
}

// WriteText writes the report for a person: the headline figures first, one
// "key value" a line, then tables.
func (rep *Report) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	s := &rep.Summary
	what := fmt.Sprintf("region of %d stations (%s)", len(rep.Stations), strings.Join(rep.Stations, ", "))
	if rep.Scope.Kind == "station" {
		what = "station " + rep.Scope.ID
	}
	p("aqwarn stats %d: %s\n", rep.Year, what)
	p("data           %s … %s, %d of %d hours of the year\n", rep.Data.First, rep.Data.Last, rep.Data.HoursInData, rep.Data.HoursInYear)
	if rep.Data.Partial {
		p("               %s\n", rep.Data.Note)
	}
	p("good_days      %d of %d valid days (AQI ≤ 100)\n", rep.GoodDays, s.ValidDays)
	p("good_ratio_pct %s\n", num(rep.GoodRatio, 1, ""))
	p("heavy_days     %d (AQI > 200)\n", rep.HeavyDays)
	p("pm25_annual    %s µg/m³ %s\n", num(rep.PM25Annual, 1, "-"), validity(&s.Pollutants.PM25))
	p("co_p95         %s mg/m³ %s\n", num(rep.COP95, 2, "-"), validity(&s.Pollutants.CO))
	p("o3_8h_p90      %s µg/m³ %s\n", num(rep.O3_8hP90, 1, "-"), validity(&s.Pollutants.O3_8h))
	p("days           %d in the year, %d valid\n", s.Days, s.ValidDays)
	for _, e := range s.Editions {
		p("edition        %s: %s … %s (%d days)\n", e.Name, e.From, e.To, e.Days)
	}

	p("\ncategories     days   %% of valid\n")
	for lv := 1; lv <= 6; lv++ {
		c := s.Categories.Level(lv)
		cat := aqi.CategoryOf(lv)
		p("  %-9s %-5s %4d   %s\n", stats.CategoryName(lv), cat.ZH, c.Days, num(c.RatioPct, 1, "-"))
	}
	if len(s.Heavy) > 0 {
		p("\nheavy days by primary pollutant: %s\n", primaries(s.HeavyPrimary))
		for _, h := range s.Heavy {
			p("  %s  AQI %3d  %s\n", h.Date, h.AQI, h.Primary)
		}
	}

	p("\npollutant  unit    valid_days  mean     P     value    valid\n")
	for _, t := range stats.Indicators {
		st := s.Pollutants.Of(t)
		dec := 1
		if t == aqi.TermCO {
			dec = 2
		}
		p("  %-7s  %-6s  %10d  %-7s  P%-3g %-7s  %s\n", t.Label(), st.Unit, st.ValidDays, num(st.Mean, dec, "-"),
			st.Percentile, num(st.PercentileValue, dec, "-"), validity(st))
	}

	p("\nperiod         days valid good  ratio%%  heavy  pm25    pm25_valid\n")
	for _, list := range [][]stats.Summary{rep.Seasons, rep.Months} {
		for i := range list {
			m := &list[i]
			p("  %-12s %4d %5d %4d  %-6s  %5d  %-6s  %v\n", m.Period.Label, m.Days, m.ValidDays, m.GoodDays,
				num(m.GoodRatio, 1, "-"), m.HeavyDays, num(m.Pollutants.PM25.Mean, 1, "-"), m.Pollutants.PM25.Valid)
		}
	}

	if c := rep.LastYear; c != nil {
		p("\nlast year      %-9s  %-6d  change\n", c.LastYear.Label, rep.Year)
		row := func(name string, ch stats.Change, dec int, unit string) {
			p("  %-14s %-9s  %-6s  %s%s\n", name, num(ch.LastYear, dec, "-"), num(ch.Now, dec, "-"), signed(ch.Diff, dec, unit), pctChange(ch))
		}
		row("good_days", c.GoodDays, 0, "")
		row("good_ratio_pct", c.GoodRatio, 1, " pp")
		row("heavy_days", c.HeavyDays, 0, "")
		row("pm25_mean", c.Means.PM25, 1, " µg/m³")
		if !c.HeavyDays.Valid {
			p("  (not comparable: one of the years' valid days do not cover it — a partial year)\n")
		} else if !c.Means.PM25.Valid {
			p("  (a PM2.5 mean of one of the years is not valid)\n")
		}
	} else {
		p("\nlast year      no data of %d in the files\n", rep.Year-1)
	}

	if len(rep.Targets) > 0 {
		p("\ntargets")
		if rep.TargetsNote != "" {
			p(" (%s)", rep.TargetsNote)
		}
		p("\n")
		for _, pr := range rep.Targets {
			p("  %-22s %-12s so far %s  %s\n", pr.Target.Kind, pr.Status, num(pr.SoFar, 1, "-"), pr.TextEN)
			p("  %-22s %-12s %s\n", "", "", pr.TextZH)
			for _, n := range pr.Notes {
				p("  %-22s %-12s note: %s\n", "", "", n)
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("stats: write: %w", err)
	}
	return nil
}

func num(v *float64, decimals int, none string) string {
	if v == nil {
		return none
	}
	return fmt.Sprintf("%.*f", decimals, *v)
}

func signed(v *float64, decimals int, unit string) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%+.*f%s", decimals, *v, unit)
}

func pctChange(c stats.Change) string {
	if c.DiffPct == nil {
		return ""
	}
	return fmt.Sprintf(" (%+.1f %%)", *c.DiffPct)
}

func validity(st *stats.PollutantStat) string {
	if st.Valid {
		return "valid"
	}
	return "NOT VALID: " + strings.Join(st.Invalid, "; ")
}

func primaries(m map[string]int) string {
	var parts []string
	for _, t := range []aqi.Term{aqi.TermPM25, aqi.TermPM10, aqi.TermO3_8h, aqi.TermO3, aqi.TermNO2, aqi.TermSO2, aqi.TermCO} {
		if n := m[t.String()]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", t.Label(), n))
		}
	}
	return strings.Join(parts, ", ")
}
