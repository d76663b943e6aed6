-- One row that DB.Ready rewrites (at most once a second) to learn whether
-- a write can commit: /readyz means "this instance can serve reads and
-- writes", which a ping of a read connection does not show (a full disk,
-- files that cannot be written).
CREATE TABLE IF NOT EXISTS ready_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at INTEGER NOT NULL
);
