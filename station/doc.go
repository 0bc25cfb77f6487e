// Package station runs a flashing station: hotplug discovery, one worker per
// probe serial (absent -> idle -> running -> pass|fail -> idle), cycles
// started by a pedal press, the HTTP API with server-sent events, the
// embedded operator page, and Prometheus metrics on an injected registry.
package station
