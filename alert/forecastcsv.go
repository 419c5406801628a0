package alert

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// ParseForecastCSV reads forecasts from CSV with a header row. Daily rows
// have a date column (date, aqi, primary, pm25, pm10, o3_8h); hourly rows a
// time column (time, pm25, pm10, so2, no2, co, o3). The region, source and
// issued_at columns may be left out when def gives them. Rows with the
// same region, source and issue time make one forecast. Times are RFC 3339
// or "2006-01-02 15:04" China time. Every problem is reported at once.
func ParseForecastCSV(r io.Reader, def Forecast) ([]Forecast, error) {
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, &Error{Code: CodeForecastInvalid, Message: "CSV has no header row", MessageZH: "CSV 缺少表头"}
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	_, hasDate := col["date"]
	_, hasTime := col["time"]
	var probs []string
	if hasDate == hasTime {
		probs = append(probs, "the header needs exactly one of the columns date (daily) or time (hourly)")
	}
	for _, c := range []struct {
		name string
		ok   bool
	}{{"region", def.Region != ""}, {"source", def.Source != ""}, {"issued_at", !def.IssuedAt.IsZero()}} {
		if _, in := col[c.name]; !in && !c.ok {
			probs = append(probs, "column "+c.name+" is missing")
		}
	}
	if hasDate {
		if _, ok := col["aqi"]; !ok {
			probs = append(probs, "column aqi is missing")
		}
	}
	if len(probs) > 0 {
		return nil, &Error{Code: CodeForecastInvalid, Message: "invalid forecast CSV", MessageZH: "预报 CSV 无效", Problems: probs}
	}
	type key struct {
		region, source string
		issued         int64
	}
	var order []key
	byKey := map[key]*Forecast{}
	line := 1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			probs = append(probs, fmt.Sprintf("line %d: %v", line, err))
			continue
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		num := func(name string) *float64 {
			s := get(name)
			if s == "" || strings.EqualFold(s, "NA") {
				return nil
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				probs = append(probs, fmt.Sprintf("line %d: %s %q is not a number", line, name, s))
				return nil
			}
			return &v
		}
		f := Forecast{Region: def.Region, Source: def.Source, IssuedAt: def.IssuedAt}
		if v := get("region"); v != "" {
			f.Region = v
		}
		if v := get("source"); v != "" {
			f.Source = v
		}
		if v := get("issued_at"); v != "" {
			t, err := parseTime(v)
			if err != nil {
				probs = append(probs, fmt.Sprintf("line %d: issued_at %q: %v", line, v, err))
				continue
			}
			f.IssuedAt = t
		}
		k := key{f.Region, f.Source, f.IssuedAt.UnixNano()}
		cur := byKey[k]
		if cur == nil {
			cur = &f
			byKey[k] = cur
			order = append(order, k)
		}
		if hasDate {
			a, err := strconv.Atoi(get("aqi"))
			if err != nil {
				probs = append(probs, fmt.Sprintf("line %d: aqi %q is not a whole number", line, get("aqi")))
				continue
			}
			cur.Daily = append(cur.Daily, DailyForecast{Date: get("date"), AQI: a, Primary: get("primary"),
				PM25: num("pm25"), PM10: num("pm10"), O3_8h: num("o3_8h")})
			continue
		}
		t, err := parseTime(get("time"))
		if err != nil {
			probs = append(probs, fmt.Sprintf("line %d: time %q: %v", line, get("time"), err))
			continue
		}
		cur.Hourly = append(cur.Hourly, HourlyForecast{Time: t, PM25: num("pm25"), PM10: num("pm10"),
			SO2: num("so2"), NO2: num("no2"), CO: num("co"), O3: num("o3")})
	}
	if len(probs) > 0 {
		return nil, &Error{Code: CodeForecastInvalid, Message: "invalid forecast CSV", MessageZH: "预报 CSV 无效", Problems: probs}
	}
	out := make([]Forecast, 0, len(order))
	for _, k := range order {
		out = append(out, *byKey[k])
	}
	return out, nil
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, CST); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errors.New("not an RFC 3339 time or 2006-01-02 15:04 (China time)")
}
