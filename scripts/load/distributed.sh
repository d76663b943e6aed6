#!/usr/bin/env bash
# Measures distributed mode in one sitting, with the same load everywhere:
# three wrk processes (1 thread, 21 connections each), each PUTting to a
# profile of its own with scripts/load/put.lua, for 10 s:
#
#   1. the bare net/http baseline of ../shared/bench
#   2. one palja on SQLite (the default: group commit, synchronous=FULL)
#   3. one palja on PostgreSQL (the three wrk on one instance)
#   4. three palja on one PostgreSQL and one Redis (one wrk per instance)
#   5. the same three with a key of rate 100 / burst 100: the admitted total
#      is to be 100 + 100 × T across the instances (one shared bucket)
#   6. the baseline again
#
#   bash scripts/load/distributed.sh                     # as root: starts PostgreSQL and Redis itself
#   PALJA_DATABASE_URL=postgres://… PALJA_REDIS_URL=redis://… bash scripts/load/distributed.sh
#
# With the URLs given, the database must be a throw-away one (tables are
# created in it). Loopback only; every server is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "install wrk: apt-get install -y wrk" >&2; exit 1; }
tmp=$(mktemp -d)
SERVICES_DIR=""
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  wait 2>/dev/null || true
  if [ -n "$SERVICES_DIR" ]; then services_stop; fi
  rm -rf "$tmp"
}
if [ -z "${PALJA_DATABASE_URL:-}" ] || [ -z "${PALJA_REDIS_URL:-}" ]; then
  source .ci/services
  services_start >/dev/null
  runuser -u postgres -- "$PG_BIN/createdb" -h "$SERVICES_DIR/pgsock" -U postgres palja_load
  export PALJA_DATABASE_URL="postgres://postgres@/palja_load?host=$SERVICES_DIR/pgsock&sslmode=disable"
  export PALJA_REDIS_URL=$PALJA_TEST_REDIS_URL
fi
trap cleanup EXIT

go build -o "$tmp/palja" ./cmd/palja
go build -o "$tmp/baseline" ../shared/bench/baseline.go
PALJA=$tmp/palja
export PALJA_ENCRYPTION_KEYS=$("$PALJA" encryption-key)
export PALJA_LOG_LEVEL=warn
LUA=$PWD/scripts/load/put.lua

"$tmp/baseline" -addr 127.0.0.1:8089 &
# Runs palja on SQLite in $tmp; always in a subshell (&, $(…)), where exec
# makes the job's pid palja's own.
sqlite() { cd "$tmp" && PALJA_DATABASE_URL= PALJA_REDIS_URL= PALJA_ENCRYPTION_KEYS= exec "$PALJA" "$@"; }
sqlite serve --addr 127.0.0.1:18090 >"$tmp/sqlite.log" 2>&1 &
for i in 1 2 3; do
  "$PALJA" serve --addr 127.0.0.1:1808$i >"$tmp/pg$i.log" 2>&1 &
done
for port in 8089 18090 18081 18082 18083; do
  for _ in $(seq 100); do curl -sf -o /dev/null 127.0.0.1:$port/ && break; sleep 0.1; done
done

profile() { # port key external_id
  curl -sS --fail-with-body -o /dev/null 127.0.0.1:$1/v1/profiles -H "X-API-Key: $2" -H 'Content-Type: application/json' \
    -d "{\"name\":\"김영희\",\"birth_year\":1990,\"birth_month\":5,\"birth_day\":15,\"birth_hour\":10,\"external_id\":\"$3\"}"
}
SQLITE_KEY=$(sqlite keys create --name fast --rate 1000000 --burst 1000000 2>/dev/null)
FAST=$("$PALJA" keys create --name fast --rate 1000000 --burst 1000000 2>/dev/null)
LIMITED=$("$PALJA" keys create --name limited --rate 100 --burst 100 2>/dev/null)
for n in 1 2 3; do
  profile 18090 "$SQLITE_KEY" "user_$n"
  profile 18081 "$FAST" "user_$n"
  profile 18082 "$LIMITED" "limited_$n"
done
# Every instance looks each key up once before the runs: a key an instance
# has not cached costs a lookup, and concurrent first requests with it take
# tokens of the client address's failed-authentication budget meanwhile
# (README, "Load testing palja"), which would show up as 429s here.
for port in 18081 18082 18083; do
  for key in "$FAST" "$LIMITED"; do
    curl -sf -o /dev/null "127.0.0.1:$port/v1/profiles?limit=1" -H "X-API-Key: $key"
  done
done
sleep 1.2 # the limited key's bucket is full again

# run3 NAME KEY REFPREFIX PORT PORT PORT: three wrk at once, then the sums.
run3() {
  local name=$1 key=$2 ref=$3
  shift 3
  local i=0 pids=()
  for port in "$@"; do
    i=$((i + 1))
    if [ "$key" = none ]; then
      wrk -t1 -c21 -d10s http://127.0.0.1:$port/ >"$tmp/w$i" &
    else
      KEY=$key REF=$ref$i wrk -t1 -c21 -d10s -s "$LUA" http://127.0.0.1:$port >"$tmp/w$i" &
    fi
    pids+=($!)
  done
  wait "${pids[@]}"
  awk -v name="$name" '
    /Requests\/sec/ { rps += $2 }
    /requests in/ { n += $1; d = $4; sub(/s,$/, "", d); if (d + 0 > t + 0) t = d }
    /^status 200/ { ok += $3 } /^status 429/ { limited += $3 } /^status [^24]/ { other += $3 }
    END { printf "%-48s %8.0f req/s  (%d requests in %ss; 200: %d, 429: %d, other: %d)\n", name, rps, n, t, ok, limited, other }
  ' "$tmp"/w1 "$tmp"/w2 "$tmp"/w3
}

run3 "baseline (net/http)" none "" 8089 8089 8089
run3 "PUT, one palja on SQLite" "$SQLITE_KEY" user_ 18090 18090 18090
run3 "PUT, one palja on PostgreSQL" "$FAST" user_ 18081 18081 18081
run3 "PUT, three palja on PostgreSQL + Redis" "$FAST" user_ 18081 18082 18083
sleep 1.2
run3 "PUT, three palja, rate 100 burst 100 key" "$LIMITED" limited_ 18081 18082 18083
echo "   (expected admitted: 100 + 100 × T, T the longest wrk run above)"
run3 "baseline again" none "" 8089 8089 8089
