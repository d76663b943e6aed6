package main

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/palja/palja/storage/sqlite"
)

// sqliteCollector exports the SQLite writer's group commits
// ([sqlite.DB.WriterStats]): how many writes shared each transaction and
// fsync, and how long the transactions took.
type sqliteCollector struct {
	db                  *sqlite.DB
	groups, ops, commit *prometheus.Desc
}

func newSQLiteCollector(db *sqlite.DB) *sqliteCollector {
	return &sqliteCollector{
		db:     db,
		groups: prometheus.NewDesc("palja_sqlite_write_groups_total", "Write transactions of the SQLite writer (each one COMMIT and, with synchronous=FULL, one fsync), committed or failed.", nil, nil),
		ops:    prometheus.NewDesc("palja_sqlite_write_ops_total", "Writes in those transactions: divided by palja_sqlite_write_groups_total, the mean group size.", nil, nil),
		commit: prometheus.NewDesc("palja_sqlite_write_group_seconds", "Time of a write transaction of the SQLite writer, from BEGIN to the end of COMMIT (fsync and WAL checkpoints included).", nil, nil),
	}
}

func (c *sqliteCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.groups
	ch <- c.ops
	ch <- c.commit
}

func (c *sqliteCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.db.WriterStats()
	ch <- prometheus.MustNewConstMetric(c.groups, prometheus.CounterValue, float64(st.Groups))
	ch <- prometheus.MustNewConstMetric(c.ops, prometheus.CounterValue, float64(st.Ops))
	buckets := make(map[float64]uint64, len(st.Commits))
	for i, b := range sqlite.CommitBounds {
		buckets[b] = st.Commits[i]
	}
	ch <- prometheus.MustNewConstHistogram(c.commit, uint64(st.Groups), st.CommitTime.Seconds(), buckets)
}
