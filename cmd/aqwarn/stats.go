package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aqwarn/aqwarn/aqi"
	"github.com/aqwarn/aqwarn/stats/statscli"
)

// runStats is "aqwarn stats": a year's air-quality statistics over station
// CSVs taken as one region (package stats/statscli).
func runStats(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("stats", statscli.Usage, stderr)
	var cfg statscli.Config
	csvFiles(fs, &cfg.Files)
	fs.IntVar(&cfg.Year, "year", 0, "calendar year (China time)")
	fs.StringVar(&cfg.Format, "format", "json", "json or text")
	fs.StringVar(&cfg.Station, "station", "", "one station of the files instead of the region")
	edition := fs.String("edition", "auto", "auto, 2012 or 2026")
	fs.BoolVar(&cfg.Days, "days", false, "include every day of the year (JSON)")
	fs.StringVar(&cfg.Targets, "targets", "", "targets file to evaluate against the year, e.g. configs/targets/jianghua-2026.yaml")
	fs.StringVar(&cfg.TargetScope, "target-scope", "", "scope id of the targets (default: the file's first)")
	asOf := fs.String("as-of", "", "evaluate the targets at the end of this day, YYYY-MM-DD (default: the end of the year)")
	if stop, err := parseFlags(fs, gatherFiles(args)); stop {
		return err
	}
	cfg.Files = append(cfg.Files, fs.Args()...)
	switch *edition {
	case "auto":
	case "2012", "2026":
		cfg.Edition, _ = aqi.ParseEdition(*edition)
	default:
		return fmt.Errorf("stats: --edition %q: want auto, 2012 or 2026", *edition)
	}
	if *asOf != "" {
		d, err := time.ParseInLocation(time.DateOnly, *asOf, aqi.CST)
		if err != nil {
			return fmt.Errorf("stats: --as-of %q is not YYYY-MM-DD", *asOf)
		}
		cfg.AsOf = d.AddDate(0, 0, 1)
	}
	return statscli.Run(ctx, cfg, stdout)
}
