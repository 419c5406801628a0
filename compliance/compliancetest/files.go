package compliancetest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Files are the names WriteFiles writes in its directory.
const (
	PowerFile     = "power.csv"
	WarningsFile  = "warnings.json"
	CalendarFile  = "calendar.json"
	ApprovalsFile = "approvals.json"
	EmissionsFile = "emissions.csv"
)

// WriteFiles writes the scenario as `aqwarn compliance` reads it: the
// power CSV (time,enterprise,meter,kwh), the warnings, calendar and
// approvals as JSON, the emissions CSV (time,mn,pollutant,unit,value).
func (s *Scenario) WriteFiles(dir string) error {
	in := s.Input
	if err := writeWith(filepath.Join(dir, PowerFile), func(w *bufio.Writer) {
		w.WriteString("time,enterprise,meter,kwh\n")
		for _, m := range in.Readings.Meters() {
			firm := EnterpriseOf(in.List, m)
			for i, v := range in.Readings.Column(m) {
				end := in.Readings.End(i).Format(time.RFC3339)
				if v != v {
					continue // missing: no row
				}
				fmt.Fprintf(w, "%s,%s,%s,%s\n", end, firm, m, strconv.FormatFloat(float64(v), 'f', -1, 32))
			}
		}
	}); err != nil {
		return err
	}
	if err := writeWith(filepath.Join(dir, EmissionsFile), func(w *bufio.Writer) {
		w.WriteString("time,mn,pollutant,unit,value\n")
		for _, es := range in.Emissions {
			for _, p := range es.Points {
				fmt.Fprintf(w, "%s,%s,%s,%s,%s\n", p.End.Format(time.RFC3339), es.MN, es.Pollutant, es.Unit, strconv.FormatFloat(p.Value, 'f', -1, 64))
			}
		}
	}); err != nil {
		return err
	}
	type stop struct {
		Enterprise string `json:"enterprise"`
		Unit       string `json:"unit,omitempty"`
		From       string `json:"from"`
		To         string `json:"to"`
	}
	cal := struct {
		Holidays    []string `json:"holidays"`
		WarningDays []string `json:"warning_days"`
		Stops       []stop   `json:"stops"`
	}{}
	for _, d := range in.Calendar.Holidays {
		cal.Holidays = append(cal.Holidays, d.String())
	}
	for _, d := range in.Calendar.WarningDays {
		cal.WarningDays = append(cal.WarningDays, d.String())
	}
	for _, s := range in.Calendar.Stops {
		cal.Stops = append(cal.Stops, stop{s.Enterprise, s.Unit, s.From.String(), s.To.String()})
	}
	for name, v := range map[string]any{WarningsFile: in.Warnings, CalendarFile: cal, ApprovalsFile: in.Approvals} {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func writeWith(path string, write func(*bufio.Writer)) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	write(w)
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
