package main

import (
	"maps"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
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
	// so that a request costs a map lookup, an add and an observe, and
	// allocates nothing. The map is never changed once published: a new
	// label set (a few in the life of the process) copies it under mu, so
	// that reading it takes no lock, which every request on every core
	// would write to.
	mu       sync.Mutex
	children atomic.Pointer[map[requestLabels]*requestChildren]
}

var _ profile.Metrics = (*metrics)(nil)

// requestLabels are the labels of a request: its route, the index of its
// method in methods, its status.
type requestLabels struct {
	route  string
	method uint8
	status uint16
}

// methods are the values of the method label: the methods of HTTP that
// clients send, and OTHER for the rest, so that the label stays bounded
// (clients choose the method, and every unknown one would otherwise be a
// new series).
var methods = [...]string{"OTHER", http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodHead,
	http.MethodOptions, http.MethodPatch}

func methodIndex(m string) uint8 {
	switch m {
	case http.MethodGet:
		return 1
	case http.MethodPost:
		return 2
	case http.MethodPut:
		return 3
	case http.MethodDelete:
		return 4
	case http.MethodHead:
		return 5
	case http.MethodOptions:
		return 6
	case http.MethodPatch:
		return 7
	}
	return 0
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
		reg: prometheus.NewRegistry(),
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
	m.children.Store(&map[requestLabels]*requestChildren{})
	return m
}

// Request counts one answered request and observes its duration.
func (m *metrics) Request(method, route string, status int, d time.Duration) {
	k := requestLabels{route: route, method: methodIndex(method), status: uint16(min(max(status, 0), 999))}
	c := (*m.children.Load())[k]
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
	old := *m.children.Load()
	if c := old[k]; c != nil {
		return c
	}
	method := methods[k.method]
	c := &requestChildren{
		count:    m.requests.WithLabelValues(method, k.route, strconv.Itoa(int(k.status))),
		duration: m.duration.WithLabelValues(method, k.route),
	}
	children := make(map[requestLabels]*requestChildren, len(old)+1)
	maps.Copy(children, old)
	children[k] = c
	m.children.Store(&children)
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
