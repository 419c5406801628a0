package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/aqwarn/aqwarn/app"
	"github.com/aqwarn/aqwarn/configs"
)

// runServe starts the service (package app) and blocks until ctx ends,
// then shuts down in the reverse order of start.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "Usage: aqwarn serve [flags]\n\nFlags:\n", stderr)
	configPath := fs.String("config", getenv("AQWARN_CONFIG"), "configuration file (default: the embedded demo configuration)")
	// These override the configuration when given (--demo=false too).
	fs.Bool("demo", false, "replay the bundled smog episode through the broker as the stations would (--demo=false: off)")
	fs.Bool("demo-auto-approve", false, "sign every proposal as the demo roles (demo only)")
	fs.String("http", "", "HTTP listen address (overrides http.addr)")
	fs.String("mqtt-embedded-addr", "", "embedded broker address (overrides mqtt.embedded_addr)")
	fs.String("store-dir", "", "embedded store directory (overrides store.dir)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	pprofAddr := fs.String("pprof", getenv("AQWARN_PPROF_ADDR"), "serve net/http/pprof on this address (keep it on loopback), e.g. 127.0.0.1:6060")
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprintf(stderr, "\nEnvironment overrides: %s\n", strings.Join(configs.EnvNames(), ", "))
	}
	if stop, err := parseFlags(fs, args); stop {
		return err
	}
	// Flags given on the command line override the file and the
	// environment; they are checked with the rest, in one pass.
	flagEnv := map[string]string{}
	fs.Visit(func(f *flag.Flag) {
		if name, ok := map[string]string{"demo": "AQWARN_DEMO", "demo-auto-approve": "AQWARN_DEMO_AUTO_APPROVE",
			"http": "AQWARN_HTTP_ADDR", "mqtt-embedded-addr": "AQWARN_MQTT_EMBEDDED_ADDR", "store-dir": "AQWARN_STORE_DIR"}[f.Name]; ok {
			flagEnv[name] = f.Value.String()
		}
	})
	cfg, err := configs.Load(*configPath, func(k string) string {
		if v, ok := flagEnv[k]; ok {
			return v
		}
		return getenv(k)
	})
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	a, err := app.New(ctx, cfg, app.Options{Stdout: stdout, Stderr: stderr, Getenv: getenv, Logger: log, PprofAddr: *pprofAddr})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Start(ctx); err != nil {
		return err
	}
	return a.Wait(ctx)
}
