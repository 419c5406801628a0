// Package aqwarn holds the domain vocabulary of the air-quality early-warning
// service: stations, readings, dead letters and the error model. It imports
// nothing but the standard library, so every adapter (MQTT, InfluxDB, SQLite,
// HTTP) can speak it without importing each other.
//
// The data flows one way: station → ingest → store → aqi → alert → api.
// Only cmd/aqwarn wires the packages together.
package aqwarn
