package central

import "github.com/prometheus/client_golang/prometheus"

// Registerer is where the forwarder's metrics go (a prometheus.Registry).
type Registerer = prometheus.Registerer

type forwardMetrics struct {
	backlog, oldest, up prometheus.Gauge
	forwarded, errors   prometheus.Counter
	serialConflicts     prometheus.Counter
}

func newForwardMetrics(reg Registerer) (*forwardMetrics, error) {
	m := &forwardMetrics{
		backlog: prometheus.NewGauge(prometheus.GaugeOpts{Name: "flashstation_central_backlog_attempts",
			Help: "Ended attempts recorded locally and not yet in the central database."}),
		oldest: prometheus.NewGauge(prometheus.GaugeOpts{Name: "flashstation_central_backlog_oldest_seconds",
			Help: "How long ago the oldest attempt not yet in the central database ended (0 when none waits)."}),
		up: prometheus.NewGauge(prometheus.GaugeOpts{Name: "flashstation_central_up",
			Help: "1 when the forwarder's last round reached the central database, else 0."}),
		forwarded: prometheus.NewCounter(prometheus.CounterOpts{Name: "flashstation_central_forwarded_attempts_total",
			Help: "Attempts delivered to the central database by this process."}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{Name: "flashstation_central_errors_total",
			Help: "Forwarding rounds that failed (server unreachable, refused, or the local store)."}),
		serialConflicts: prometheus.NewCounter(prometheus.CounterOpts{Name: "flashstation_central_serial_conflicts_total",
			Help: "Serial numbers this station used that the central database holds for another unit, station, or as skipped (should stay 0)."}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.backlog, m.oldest, m.up, m.forwarded, m.errors, m.serialConflicts} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
