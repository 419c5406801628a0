// Package compliancecli is what `aqwarn compliance` does: the compliance
// engine (package compliance) over files — a reduction list, a power CSV,
// the warnings as JSON and optionally a calendar, restart approvals and
// online-emission data — printing every event as JSON or text, so an
// office can check last winter's data before trusting the engine. Package
// compliance stays pure; the reading and writing are here.
package compliancecli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/compliance"
	"github.com/aqwarn/aqwarn/configs"
	"github.com/aqwarn/aqwarn/reduction"
)

// Usage documents the command; the flags follow it.
const Usage = `Usage:
  aqwarn compliance --list FILE --power FILE.csv --warnings FILE.json
                    [--format json|text] [--calendar FILE.json]
                    [--approvals FILE.json] [--emissions FILE.csv]
                    [--plan FILE] [--params FILE] [--now TIME] [--from TIME]
                    [--evidence]

Runs the compliance rules (R1–R8: stop not executed, limit not met, night
production, treatment off, treatment stopped early, restart without
approval, data gap, emissions up) over 15-minute meter readings and prints
every event. The baseline of a meter is the median of the same quarter hour
over the last 28 normal days before each warning (holidays, warning days and
recorded stops left out; weekdays and weekends apart); every threshold is in
the parameter file (default: the embedded configs/compliance/defaults.yaml).

--power     CSV with the header time,enterprise,meter,kwh: one row per meter
            and 15-minute interval, time the interval's end in RFC 3339 with
            its offset (2026-02-25T18:15:00+08:00), kwh the energy (empty:
            missing). The meters are the list's (monitoring.meters; a meter
            on no unit is the firm's main meter).
--warnings  JSON [{"level","effective_start","lift"}] (optional "id" and
            "primary", the primary pollutant; a missing lift: in force).
--calendar  JSON {"holidays":[DAY…],"workdays":[DAY…],"warning_days":[DAY…],
            "stops":[{"enterprise","unit","from","to"}]} with DAY YYYY-MM-DD.
--approvals JSON [{"enterprise","unit","from","until","ref"}]: restarts
            approved before the lift (rule R6).
--emissions CSV time,mn,pollutant,unit,value of online monitors (HJ 212 MN
            of the list), at most hourly (rule R8).
--now       the end of the checks (default: the end of the last interval in
            the power file); --from also checks treatment off (R4) outside
            the warnings from then.
--plan      the county plan the list is checked against (default: the
            embedded plans/jianghua-2024.yaml).

Flags:
`

// Config is what the command's flags ask for.
type Config struct {
	List, Power, Warnings          string
	Calendar, Approvals, Emissions string
	Plan, Params                   string // path or embedded:NAME
	Format                         string // json or text
	Evidence                       bool   // keep the evidence series in JSON
	Now, From                      time.Time
}

// Defaults for Plan and Params.
const (
	DefaultPlan   = "embedded:plans/jianghua-2024.yaml"
	DefaultParams = "embedded:compliance/defaults.yaml"
)

// Check reports a Config the command cannot run.
func (c Config) Check() error {
	var problems []string
	for _, f := range []struct{ flag, v string }{{"--list", c.List}, {"--power", c.Power}, {"--warnings", c.Warnings}} {
		if f.v == "" {
			problems = append(problems, f.flag+" is required")
		}
	}
	if c.Format != "json" && c.Format != "text" {
		problems = append(problems, fmt.Sprintf("--format %q: want json or text", c.Format))
	}
	if len(problems) > 0 {
		return errors.New("compliance: " + strings.Join(problems, "; "))
	}
	return nil
}

// Report is what the command prints.
type Report struct {
	List     string               `json:"list"`
	Now      time.Time            `json:"now"`
	Warnings []compliance.Warning `json:"warnings"`
	// Counts are the events per rule.
	Counts  map[compliance.Rule]int `json:"counts"`
	Events  []compliance.Event      `json:"events"`
	Skipped []compliance.Skip       `json:"skipped,omitempty"`
}

// Run reads the files, evaluates and writes the report.
func Run(ctx context.Context, cfg Config, stdout io.Writer) error {
	if err := cfg.Check(); err != nil {
		return err
	}
	rep, err := Evaluate(ctx, cfg)
	if err != nil {
		return err
	}
	if cfg.Format == "text" {
		return rep.WriteText(stdout)
	}
	return rep.WriteJSON(stdout)
}

// Evaluate reads the files and runs the engine.
func Evaluate(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Plan == "" {
		cfg.Plan = DefaultPlan
	}
	if cfg.Params == "" {
		cfg.Params = DefaultParams
	}
	b, err := readFile(cfg.Params, configs.Compliance)
	if err != nil {
		return nil, err
	}
	p, err := compliance.ParseParams(b)
	if err != nil {
		return nil, fmt.Errorf("compliance: %s: %w", cfg.Params, err)
	}
	list, err := LoadList(cfg.List, cfg.Plan)
	if err != nil {
		return nil, err
	}
	if err := p.CheckList(list); err != nil {
		return nil, fmt.Errorf("compliance: %s: %w", cfg.Params, err)
	}
	in := compliance.Input{List: list, From: cfg.From}
	f, err := os.Open(cfg.Power)
	if err != nil {
		return nil, fmt.Errorf("compliance: %w", err)
	}
	defer f.Close()
	if in.Readings, err = ReadPower(ctx, f, list); err != nil {
		return nil, fmt.Errorf("compliance: %s: %w", cfg.Power, err)
	}
	if in.Warnings, err = readJSON[[]compliance.Warning](cfg.Warnings, decodeWarnings); err != nil {
		return nil, err
	}
	if cfg.Calendar != "" {
		if in.Calendar, err = readJSON[compliance.Calendar](cfg.Calendar, decodeCalendar); err != nil {
			return nil, err
		}
	}
	if cfg.Approvals != "" {
		if in.Approvals, err = readJSON[[]compliance.Approval](cfg.Approvals, decodeApprovals); err != nil {
			return nil, err
		}
	}
	if cfg.Emissions != "" {
		ef, err := os.Open(cfg.Emissions)
		if err != nil {
			return nil, fmt.Errorf("compliance: %w", err)
		}
		defer ef.Close()
		if in.Emissions, err = ReadEmissions(ctx, ef, list); err != nil {
			return nil, fmt.Errorf("compliance: %s: %w", cfg.Emissions, err)
		}
	}
	in.Now = cfg.Now
	if in.Now.IsZero() && in.Readings.Len > 0 {
		in.Now = in.Readings.End(in.Readings.Len - 1)
	}
	res := p.Evaluate(in)
	rep := &Report{List: list.ID, Now: in.Now, Warnings: in.Warnings, Counts: map[compliance.Rule]int{}, Events: res.Events, Skipped: res.Skipped}
	for i, e := range rep.Events {
		rep.Counts[e.Rule]++
		if !cfg.Evidence {
			rep.Events[i].Evidence = nil
		}
	}
	return rep, nil
}

// LoadList reads a reduction list and checks it against a plan (a path or
// embedded:plans/NAME.yaml).
func LoadList(path, planPath string) (*reduction.List, error) {
	pb, err := readFile(planPath, configs.Plans)
	if err != nil {
		return nil, err
	}
	plan, err := alert.ParsePlan(pb)
	if err != nil {
		return nil, fmt.Errorf("compliance: plan %s: %w", planPath, err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("compliance: %w", err)
	}
	l, err := configs.ParseListFor(plan, b)
	if err != nil {
		return nil, fmt.Errorf("compliance: %s: %w", path, err)
	}
	return l, nil
}

// readFile reads a path, or embedded:NAME from fsys.
func readFile(path string, fsys fs.FS) ([]byte, error) {
	var b []byte
	var err error
	if name, ok := strings.CutPrefix(path, "embedded:"); ok {
		b, err = fs.ReadFile(fsys, name)
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("compliance: %w", err)
	}
	return b, nil
}

func readJSON[T any](path string, decode func([]byte) (T, error)) (T, error) {
	var zero T
	b, err := os.ReadFile(path)
	if err != nil {
		return zero, fmt.Errorf("compliance: %w", err)
	}
	v, err := decode(b)
	if err != nil {
		return zero, fmt.Errorf("compliance: %s: %w", path, err)
	}
	return v, nil
}

// strict decodes JSON refusing unknown fields and trailing data.
func strict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON value")
	}
	return nil
}

func decodeWarnings(b []byte) ([]compliance.Warning, error) {
	var ws []compliance.Warning
	if err := strict(b, &ws); err != nil {
		return nil, err
	}
	var problems []string
	for i, w := range ws {
		if w.Level != reduction.LevelPre && w.Level != reduction.LevelYellow && w.Level != reduction.LevelOrange && w.Level != reduction.LevelRed {
			problems = append(problems, fmt.Sprintf("warning %d: level %q, want pre, yellow, orange or red", i+1, w.Level))
		}
		if w.EffectiveStart.IsZero() {
			problems = append(problems, fmt.Sprintf("warning %d: effective_start missing", i+1))
		}
		if !w.Lift.IsZero() && !w.Lift.After(w.EffectiveStart) {
			problems = append(problems, fmt.Sprintf("warning %d: lift %s is not after effective_start", i+1, w.Lift.Format(time.RFC3339)))
		}
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return ws, nil
}

type calendarJSON struct {
	Holidays    []string `json:"holidays"`
	Workdays    []string `json:"workdays"`
	WarningDays []string `json:"warning_days"`
	Stops       []struct {
		Enterprise string `json:"enterprise"`
		Unit       string `json:"unit"`
		From       string `json:"from"`
		To         string `json:"to"`
	} `json:"stops"`
}

func decodeCalendar(b []byte) (compliance.Calendar, error) {
	var c calendarJSON
	if err := strict(b, &c); err != nil {
		return compliance.Calendar{}, err
	}
	var problems []string
	dates := func(what string, ss []string) []reduction.Date {
		var out []reduction.Date
		for i, s := range ss {
			d, err := reduction.ParseDate(s)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s[%d]: %v", what, i, err))
				continue
			}
			out = append(out, d)
		}
		return out
	}
	cal := compliance.Calendar{Holidays: dates("holidays", c.Holidays), Workdays: dates("workdays", c.Workdays), WarningDays: dates("warning_days", c.WarningDays)}
	for i, s := range c.Stops {
		ds := dates(fmt.Sprintf("stops[%d]", i), []string{s.From, s.To})
		if s.Enterprise == "" {
			problems = append(problems, fmt.Sprintf("stops[%d]: enterprise missing", i))
		}
		if len(ds) == 2 {
			if ds[1].Start().Before(ds[0].Start()) {
				problems = append(problems, fmt.Sprintf("stops[%d]: to %s before from %s", i, ds[1], ds[0]))
			}
			cal.Stops = append(cal.Stops, compliance.RecordedStop{Enterprise: s.Enterprise, Unit: s.Unit, From: ds[0], To: ds[1]})
		}
	}
	if len(problems) > 0 {
		return compliance.Calendar{}, errors.New(strings.Join(problems, "; "))
	}
	return cal, nil
}

func decodeApprovals(b []byte) ([]compliance.Approval, error) {
	var as []compliance.Approval
	if err := strict(b, &as); err != nil {
		return nil, err
	}
	for i, a := range as {
		if a.Enterprise == "" || a.From.IsZero() {
			return nil, fmt.Errorf("approval %d: enterprise and from are required", i+1)
		}
	}
	return as, nil
}
