// Package deploy holds no code: it is the files for running flashstation on
// a factory station (systemd unit, udev rules, Prometheus configuration and
// rules, Grafana dashboard, example station.toml). Its tests check those
// files with the tools that will read them: systemd-analyze, promtool, the
// fixtures package, and the probe table of drivers/discover.
package deploy
