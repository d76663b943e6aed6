#!/usr/bin/env bash
# Does PUT latency hold as the database grows? Seeds $SMALL profiles
# (1,000), measures uniform PUTs over all of them (uniform.lua), seeds up to
# $LARGE (1,000,000) in the same database and account, measures again over
# all of those, and prints both p99 and their ratio (the goal of issue 16:
# large / small <= 1.5). The same wrk command as compare.sh
# (wrk -t2 -c64 -d$DURATION --latency); palja serve is started afresh for
# each measurement and stopped for the seeding, which goes through the
# store (scripts/load/seed) and reports its time and the database's size.
#
#   bash scripts/load/scale.sh                          # about 2 minutes, ~0.5 GB in a temp dir
#   DURATION=2s LARGE=100000 bash scripts/load/scale.sh # a smoke run
#   PALJA=/path/to/palja bash scripts/load/scale.sh
#
# Loopback only; the server and the database are removed at exit.
# shellcheck source=scripts/load/lib.sh
source "$(dirname "$0")/lib.sh"
SMALL=${SMALL:-1000}
LARGE=${LARGE:-1000000}
export STATUSES=${STATUSES:-0}
[ "$LARGE" -gt "$SMALL" ] || { echo "$0: want LARGE > SMALL" >&2; exit 1; }

build_palja
build_seed
PALJA_ENCRYPTION_KEYS=$("$PALJA" encryption-key)
export PALJA_ENCRYPTION_KEYS
export PALJA_DB=$tmp/palja.db

size() { # the database and its WAL, in MB
  local f total=0
  for f in "$PALJA_DB" "$PALJA_DB-wal"; do
    [ -e "$f" ] && total=$((total + $(stat -c %s "$f")))
  done
  awk -v b="$total" 'BEGIN { printf "%.1f MB", b / 1e6 }'
}

# measure N: palja serve on the database, uniform PUTs over u0 … u<N-1>.
measure() {
  local app pid
  # The seeding leaves hundreds of MB of dirty pages that the kernel
  # writes back over the next half minute: flush them first, so that the
  # run's fsyncs do not queue behind that writeback.
  sync
  app=127.0.0.1:$(free_port)
  start serve.log "$PALJA" serve --addr "$app"
  pid=$last_pid
  wait_http "$pid" "http://$app/readyz"
  curl -sS --fail-with-body -o /dev/null "http://$app/v1/profiles/u$(($1 - 1))" -H "X-API-Key: $KEY" # the key is cached
  KEY=$KEY N=$1 bench "uniform-$1" "http://$app" -s "$ROOT/scripts/load/uniform.lua"
  stop "$pid"
}

KEY=$("$SEED" -db "$PALJA_DB" -n "$SMALL" 2>"$tmp/seed.log") || { cat "$tmp/seed.log" >&2; exit 1; }
tail -1 "$tmp/seed.log"
echo "database with $SMALL profiles: $(size)"
measure "$SMALL"

echo "== seeding u$SMALL … u$((LARGE - 1))"
t0=$(date +%s.%N)
"$SEED" -db "$PALJA_DB" -key "$KEY" -from "$SMALL" -n "$LARGE" 2>&1 | sed 's/^/   /'
t1=$(date +%s.%N)
seeded=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
large_size=$(size)
echo "database with $LARGE profiles: $large_size (seeded in ${seeded} s)"
measure "$LARGE"

echo
awk -F'\t' -v seeded="$seeded" -v size="$large_size" -v dur="$DURATION" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" '
  { name[NR] = $1; rps[NR] = $2; p50[NR] = $3; p99[NR] = $4; req[NR] = $5; non[NR] = $7; sock[NR] = $8 }
  END {
    printf "%-15s %11s %9s %9s  %s\n", "run", "requests/s", "p50 ms", "p99 ms", "statuses"
    for (i = 1; i <= NR; i++) {
      s = sprintf("2xx:%d non-2xx:%d", req[i] - non[i], non[i])
      if (sock[i] > 0) s = s " socket-errors:" sock[i]
      printf "%-15s %11.0f %9.2f %9.2f  %s\n", name[i], rps[i], p50[i], p99[i], s
      if (non[i] > 0 || sock[i] > 0) bad = 1
    }
    r = p99[2] / p99[1]
    printf "\np99 ratio %s / %s: %.2f (goal <= 1.5: %s); p50 ratio %.2f; requests/s ratio %.2f\n",
      name[2], name[1], r, r <= 1.5 ? "met" : "NOT met", p50[2] / p50[1], rps[2] / rps[1]
    printf "seeding to the large size took %s s, database %s; wrk -t2 -c64 -d%s --latency; load average now %s\n", seeded, size, dur, load
    if (bad) print "WARNING: some answers were not 2xx: those figures are not of the PUT path"
  }' "$tmp/results.tsv"
