package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aqwarn/aqwarn/compliance/compliancecli"
)

// runCompliance is "aqwarn compliance": the compliance rules over a
// reduction list, a power CSV and the warnings (package
// compliance/compliancecli).
func runCompliance(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("compliance", compliancecli.Usage, stderr)
	var cfg compliancecli.Config
	fs.StringVar(&cfg.List, "list", "", "reduction list (YAML), e.g. configs/reduction/jianghua-2026.yaml")
	fs.StringVar(&cfg.Power, "power", "", "power CSV: time,enterprise,meter,kwh")
	fs.StringVar(&cfg.Warnings, "warnings", "", `warnings JSON: [{"level","effective_start","lift"}]`)
	fs.StringVar(&cfg.Format, "format", "json", "json or text")
	fs.StringVar(&cfg.Calendar, "calendar", "", "calendar JSON: holidays, workdays, warning_days, stops")
	fs.StringVar(&cfg.Approvals, "approvals", "", "restart approvals JSON")
	fs.StringVar(&cfg.Emissions, "emissions", "", "online-monitor CSV: time,mn,pollutant,unit,value")
	fs.StringVar(&cfg.Plan, "plan", compliancecli.DefaultPlan, "county plan the list is checked against")
	fs.StringVar(&cfg.Params, "params", compliancecli.DefaultParams, "engine parameters (YAML)")
	fs.BoolVar(&cfg.Evidence, "evidence", false, "keep each event's evidence series in the JSON")
	now := fs.String("now", "", "end of the checks, RFC 3339 (default: the end of the power data)")
	from := fs.String("from", "", "also check treatment off (R4) outside the warnings from this time, RFC 3339")
	if stop, err := parseFlags(fs, args); stop {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("compliance: unexpected arguments %q", fs.Args())
	}
	for _, t := range []struct {
		flag, v string
		dst     *time.Time
	}{{"--now", *now, &cfg.Now}, {"--from", *from, &cfg.From}} {
		if t.v == "" {
			continue
		}
		v, err := time.Parse(time.RFC3339, t.v)
		if err != nil {
			return fmt.Errorf("compliance: %s %q is not RFC 3339 (2026-02-28T18:00:00+08:00)", t.flag, t.v)
		}
		*t.dst = v
	}
	return compliancecli.Run(ctx, cfg, stdout)
}
