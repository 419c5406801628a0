package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/aqwarn/aqwarn/alert"
	"github.com/aqwarn/aqwarn/broker"
	"github.com/aqwarn/aqwarn/broker/mosquitto"
	"github.com/aqwarn/aqwarn/configs"
)

// runBrokerACL is "aqwarn broker-acl": the password file, ACL and settings
// of an external Mosquitto for the configuration's stations and the plan's
// units (package broker/mosquitto).
func runBrokerACL(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("broker-acl", "Usage: aqwarn broker-acl --out DIR [flags]\n\n"+
		"Writes a Mosquitto password file (PBKDF2-SHA512, as mosquitto_passwd) and ACL from the station\n"+
		"registry and the plan's member units, with the broker settings the service needs.\n\nFlags:\n", stderr)
	configPath := fs.String("config", getenv("AQWARN_CONFIG"), "configuration file (stations, plan, mqtt.client_id, mqtt.topic_prefix)")
	out := fs.String("out", "", "directory to write passwd, acl, mosquitto.conf, credentials.txt and aqwarn-mqtt.yaml (required)")
	passwords := fs.String("passwords", "", "keep these passwords: a credentials.txt of an earlier run (username password per line); others are generated")
	forecaster := fs.String("forecaster", "forecaster", "username of the forecast centre's account")
	maxBytes := fs.Int("max-message-bytes", broker.DefaultMaxMessageBytes, "largest MQTT packet the broker accepts")
	if stop, err := parseFlags(fs, args); stop {
		return err
	}
	if *out == "" {
		fs.Usage()
		return errors.New("broker-acl: --out is required")
	}
	cfg, err := configs.Load(*configPath, getenv)
	if err != nil {
		return err
	}
	b, err := cfg.OpenPlan()
	if err != nil {
		return fmt.Errorf("plan %s: %w", cfg.Plan, err)
	}
	plan, err := alert.ParsePlan(b)
	if err != nil {
		return fmt.Errorf("plan %s: %w", cfg.Plan, err)
	}
	o := mosquitto.Options{Forecaster: *forecaster, MaxMessageBytes: *maxBytes}
	if *passwords != "" {
		if o.Passwords, err = mosquitto.ReadCredentials(*passwords); err != nil {
			return err
		}
	}
	res, err := mosquitto.Write(*out, cfg, plan, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "broker-acl: %d accounts (%d passwords kept, %d generated) written to %s\n", len(res.Credentials), res.Kept, res.Generated, res.Dir)
	fmt.Fprintf(stdout, "  mosquitto: include %s/mosquitto.conf; service: merge aqwarn-mqtt.yaml, AQWARN_MQTT_PASSWORD from credentials.txt\n", res.Dir)
	return nil
}
