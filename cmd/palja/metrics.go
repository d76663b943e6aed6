package main

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/palja/palja/profile"
)

// metrics implements [profile.Metrics] with Prometheus collectors in a
// registry of its own (never the global one), served by [metrics.handler]
// at /metrics:
//
//	palja_http_requests_total{method,route,status}        counter
//	palja_http_request_duration_seconds{method,route}     histogram
//	palja_rate_limited_total                              counter
//	palja_recomputes_total                                counter
//	palja_db_errors_total                                 counter
//
// plus the Go runtime (go_*) and process (process_*) collectors. route is
// the router's pattern such as /v1/profiles/{ref}, never a path with an id
// in it, so the number of series stays small.
type metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	rateLimits prometheus.Counter
	recomputes prometheus.Counter
	dbErrors   prometheus.Counter

	// children caches the label children of each (method, route, status),
	// so that a request costs a read-locked map lookup, an add and an
	// observe, and allocates nothing.
	mu       sync.RWMutex
	children map[requestLabels]*requestChildren
}

var _ profile.Metrics = (*metrics)(nil)

type requestLabels struct {
	method, route string
	status        int
}

type requestChildren struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

// durationBuckets suit an API whose requests take about a millisecond
// (prometheus.DefBuckets start at 5 ms).
var durationBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

func newMetrics() *metrics {
	m := &metrics{
		reg:      prometheus.NewRegistry(),
		children: make(map[requestLabels]*requestChildren),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "palja_http_requests_total",
			Help: "HTTP requests answered, by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "palja_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by method and route pattern.",
			Buckets: durationBuckets,
		}, []string{"method", "route"}),
		rateLimits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "palja_rate_limited_total",
			Help: "Requests answered 429 because a key or a client address was over its limit.",
		}),
		recomputes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "palja_recomputes_total",
			Help: "Times the four pillars of a profile were computed (creates and birth-data changes).",
		}),
		dbErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "palja_db_errors_total",
			Help: "Requests that failed with an unexpected (database or internal) error, answered 500.",
		}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.rateLimits, m.recomputes, m.dbErrors,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Request counts one answered request and observes its duration.
func (m *metrics) Request(method, route string, status int, d time.Duration) {
	k := requestLabels{method: knownMethod(method), route: route, status: status}
	m.mu.RLock()
	c := m.children[k]
	m.mu.RUnlock()
	if c == nil {
		c = m.child(k)
	}
	c.count.Inc()
	c.duration.Observe(d.Seconds())
}

// child returns the cached children of k, creating them on first use.
func (m *metrics) child(k requestLabels) *requestChildren {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.children[k]
	if c == nil {
		c = &requestChildren{
			count:    m.requests.WithLabelValues(k.method, k.route, strconv.Itoa(k.status)),
			duration: m.duration.WithLabelValues(k.method, k.route),
		}
		m.children[k] = c
	}
	return c
}

// RateLimited counts a 429.
func (m *metrics) RateLimited() { m.rateLimits.Inc() }

// Recompute counts a computation of the four pillars.
func (m *metrics) Recompute() { m.recomputes.Inc() }

// DBError counts a request that failed with an unexpected error.
func (m *metrics) DBError() { m.dbErrors.Inc() }

// handler serves the registry in the Prometheus text format, or OpenMetrics
// when the scraper asks for it.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		Registry:          m.reg, // counts its own failures as promhttp_metric_handler_errors_total
		EnableOpenMetrics: true,
	})
}

// knownMethod keeps the method label bounded: clients choose the method,
// and every unknown one would otherwise be a new series.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodHead,
		http.MethodOptions, http.MethodPatch:
		return m
	}
	return "OTHER"
}
