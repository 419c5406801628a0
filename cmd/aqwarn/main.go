// Command aqwarn is the air-quality early-warning service and its tools.
//
//	aqwarn serve [--config FILE] [--demo] ...   run the service (default)
//	aqwarn aqi ...                              compute AQI from JSON lines or station CSVs
//
// main only calls run, so tests call run directly. run dispatches to the
// commands; serve loads the configuration and runs the service that
// package app assembles.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "aqwarn:", err)
		os.Exit(1)
	}
}

const usage = `aqwarn — air-quality early warning (HJ 633 AQI, county heavy-pollution plan)

Usage:
  aqwarn [serve] [flags]   run the service (embedded broker, store and demo stations by default)
  aqwarn aqi [flags]       compute AQI from JSON lines (stdin) or station CSV files
  aqwarn replay [flags]    run the warning engine over station CSV history (auto-approving)
  aqwarn stats [flags]     a year's air-quality statistics (good days, heavy days, PM2.5 annual mean) over station CSV files
  aqwarn compliance [flags] did listed firms really stop? power-based rules R1–R8 over a list, a power CSV and warnings
  aqwarn simulate [flags]  publish station data over MQTT as stations do (demo episode or CSV files)
  aqwarn broker-acl [flags] write a Mosquitto password file, ACL and settings for the stations and units
  aqwarn help              this text

Run "aqwarn COMMAND -h" for the flags of a command.
`

// run is the whole program; it returns when ctx ends or the command is done.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && (args[0] == "" || args[0][0] != '-') {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return runServe(ctx, args, getenv, stdout, stderr)
	case "aqi":
		return runAQI(ctx, args, stdin, stdout, stderr)
	case "replay":
		return runReplay(ctx, args, stdout, stderr)
	case "stats":
		return runStats(ctx, args, stdout, stderr)
	case "compliance":
		return runCompliance(ctx, args, stdout, stderr)
	case "simulate":
		return runSimulate(ctx, args, stdout, stderr)
	case "broker-acl":
		return runBrokerACL(args, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}
