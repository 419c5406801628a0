package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aqwarn/aqwarn/aqi/aqicli"
)

// runAQI is "aqwarn aqi": AQI from JSON lines on stdin, or from station
// CSVs (package aqi/aqicli).
func runAQI(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("aqi", aqicli.Usage, stderr)
	mode := fs.String("mode", "hourly", "hourly or daily (JSON lines)")
	edition := fs.String("edition", "auto", "auto, 2012 or 2026")
	method := fs.String("method", "platform", "2012 real-time method: platform (as published) or literal (the 2012 table as written)")
	csvMode := fs.Bool("csv", false, "read station CSV files (the arguments) instead of JSON lines")
	if stop, err := parseFlags(fs, args); stop {
		return err
	}
	cfg, err := aqicli.ParseConfig(*mode, *edition, *method)
	if err != nil {
		return err
	}
	if *csvMode {
		if fs.NArg() == 0 {
			return errors.New("aqi: --csv needs at least one file")
		}
		return aqicli.CSV(ctx, cfg, fs.Args(), stdout)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("aqi: unexpected arguments %q (JSON lines are read from stdin; use --csv for files)", fs.Args())
	}
	return aqicli.JSONLines(ctx, cfg, stdin, stdout, stderr)
}
