package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/palja/palja/auth/redislimit"
)

// distributedCollectors returns the metrics of distributed mode, read at
// scrape time from the PostgreSQL pool and the Redis limiter (either may
// be absent):
//
//	palja_pg_pool_connections{state="acquired|idle"}   gauge
//	palja_pg_pool_max_connections                      gauge
//	palja_pg_pool_acquire_wait_total                   counter (acquires that waited for a connection)
//	palja_redis_calls_total                            counter
//	palja_redis_errors_total                           counter
//	palja_redis_local_refusals_total                   counter (429s answered without Redis)
//	palja_redis_fallback                               gauge, 1 while per-instance buckets are in use
//	palja_redis_fallback_switches_total                counter
//	palja_redis_fallback_takes_total                   counter
func distributedCollectors(db *database, l *redislimit.Limiter) []prometheus.Collector {
	var cs []prometheus.Collector
	if db != nil && db.pg != nil {
		pg := db.pg
		for _, state := range []string{"acquired", "idle"} {
			cs = append(cs, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "palja_pg_pool_connections", Help: "PostgreSQL connections of the pool, by state.",
				ConstLabels: prometheus.Labels{"state": state},
			}, func() float64 {
				s := pg.PoolStats()
				if state == "idle" {
					return float64(s.IdleConns())
				}
				return float64(s.AcquiredConns())
			}))
		}
		cs = append(cs,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "palja_pg_pool_max_connections", Help: "Size of the PostgreSQL connection pool."},
				func() float64 { return float64(pg.PoolStats().MaxConns()) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "palja_pg_pool_acquire_wait_total", Help: "Acquisitions of a PostgreSQL connection that had to wait for one."},
				func() float64 { return float64(pg.PoolStats().EmptyAcquireCount()) }),
		)
	}
	if l != nil {
		counter := func(name, help string, v func(redislimit.Stats) uint64) prometheus.Collector {
			return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(v(l.Stats())) })
		}
		cs = append(cs,
			counter("palja_redis_calls_total", "Rate-limit script calls to Redis.", func(s redislimit.Stats) uint64 { return s.Calls }),
			counter("palja_redis_errors_total", "Rate-limit calls to Redis that failed.", func(s redislimit.Stats) uint64 { return s.Failures }),
			counter("palja_redis_local_refusals_total", "429s answered from the instance's refused-until cache, without Redis.", func(s redislimit.Stats) uint64 { return s.LocalRefusals }),
			counter("palja_redis_fallback_switches_total", "Times the limiter fell back to per-instance buckets.", func(s redislimit.Stats) uint64 { return s.Switches }),
			counter("palja_redis_fallback_takes_total", "Tokens taken from per-instance buckets while Redis was unreachable.", func(s redislimit.Stats) uint64 { return s.FallbackTakes }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "palja_redis_fallback", Help: "1 while Redis is unreachable and rate limits are per instance."},
				func() float64 {
					if l.Stats().Fallback {
						return 1
					}
					return 0
				}),
		)
	}
	return cs
}
