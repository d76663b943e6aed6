#!/usr/bin/env bash
# Soak test: palja serve under wrk PUT load (scripts/load/put.lua), killed
# with SIGKILL at random moments and restarted, with a verification pass
# after every restart. Loopback only; bounded in time.
#
#   scripts/soak.sh                      # 5 minutes
#   SOAK_MINUTES=30 scripts/soak.sh
#
# Settings (environment):
#   SOAK_MINUTES   total duration, default 5
#   KILL_MIN/MAX   seconds of load before each kill, default 5 and 20
#   WRK_THREADS    default 2
#   WRK_CONNS      default 32
#   SOAK_KEEP=1    keep the work directory (database, logs) afterwards
#
# What each verification pass checks, on the restarted server:
#   - every PUT that wrk saw answered 200 is stored: the version (ETag) of
#     the loaded profile is at least 1 + the number of 200s so far, and at
#     most that plus the requests that can have been in flight (one per
#     connection);
#   - a marker profile, written one request at a time beside the load,
#     holds exactly its last acknowledged version, or the next one if a
#     request was in flight at the kill;
#   - the account holds exactly the two profiles, and SQLite's
#     integrity_check passes (when the sqlite3 command is installed).
# It ends with SIGTERM and expects a clean exit 0.
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=${SOAK_MINUTES:-5}
kill_min=${KILL_MIN:-5}
kill_max=${KILL_MAX:-20}
threads=${WRK_THREADS:-2}
conns=${WRK_CONNS:-32}
[ "$kill_max" -ge "$kill_min" ] || { echo "KILL_MAX must be >= KILL_MIN" >&2; exit 2; }
for tool in go wrk curl; do
  command -v "$tool" >/dev/null || { echo "soak: $tool is required" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/palja-soak.XXXXXX")
pid=""
wrk_pid=""
marker_pid=""
cleanup() {
  for p in "$marker_pid" "$wrk_pid" "$pid"; do
    [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true
  done
  if [ "${SOAK_KEEP:-}" = 1 ]; then
    echo "soak: work directory kept: $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

fail() {
  echo "soak: FAIL: $*" >&2
  echo "soak: last lines of the server log:" >&2
  tail -n 30 "$work/serve.log" >&2 || true
  SOAK_KEEP=1
  exit 1
}

echo "soak: building palja"
go build -o "$work/palja" ./cmd/palja

# A free loopback port.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
  echo $((20000 + RANDOM % 20000)))
base="http://127.0.0.1:$port"
export PALJA_ADDR="127.0.0.1:$port"
export PALJA_DB="$work/soak.db"
export PALJA_ENCRYPTION_KEYS="soak:$(head -c 32 /dev/urandom | base64)"
export PALJA_LOG_LEVEL=warn

KEY=$("$work/palja" keys create --name soak --rate 1000000 --burst 1000000 2>>"$work/serve.log")
export KEY REF=soak_load

start_server() {
  "$work/palja" serve >>"$work/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do
    if curl -fsS -o /dev/null "$base/healthz" 2>/dev/null; then
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || fail "palja serve exited at start"
    sleep 0.1
  done
  fail "palja serve not ready after 30s"
}

# api METHOD PATH [BODY]: prints the status; the body goes to $work/body and
# the headers to $work/headers.
api() {
  local args=(-sS -o "$work/body" -D "$work/headers" -w '%{http_code}' --max-time 10
    -X "$1" "$base$2" -H "X-API-Key: $KEY")
  if [ $# -ge 3 ]; then
    args+=(-H 'Content-Type: application/json' -d "$3")
  fi
  curl "${args[@]}"
}

# version_of FILE: the number in the ETag header of a headers file.
version_of() {
  grep -i '^etag:' "$1" | tr -dc '0-9'
}

# The marker writer: one PUT at a time, logging "sent N" before each request
# and "acked N VERSION" after each 200 (or "refused N" when the connection
# was refused: that request never reached a server), until a request fails.
marker_loop() {
  local i=$1 code v rc
  while :; do
    i=$((i + 1))
    echo "sent $i" >>"$work/marker.log"
    code=$(curl -sS -o /dev/null -D "$work/marker.headers" -w '%{http_code}' --max-time 10 -X PUT \
      "$base/v1/profiles/soak_marker" -H "X-API-Key: $KEY" -H 'Content-Type: application/json' \
      -d "{\"birth_hour\":$((i % 24))}" 2>/dev/null) && rc=0 || rc=$?
    if [ "$rc" != 0 ]; then
      [ "$rc" = 7 ] && echo "refused $i" >>"$work/marker.log"
      return 0
    fi
    [ "$code" = 200 ] || { echo "status $code" >>"$work/marker.log"; return 0; }
    v=$(version_of "$work/marker.headers")
    echo "acked $i $v" >>"$work/marker.log"
  done
}

start_server
[ "$(api POST /v1/profiles '{"external_id":"soak_load","name":"박영수","birth_year":1990,"birth_month":5,"birth_day":15,"birth_hour":10}')" = 201 ] ||
  fail "create soak_load: $(cat "$work/body")"
[ "$(api POST /v1/profiles '{"external_id":"soak_marker","name":"표식","birth_year":1970,"birth_month":1,"birth_day":1}')" = 201 ] ||
  fail "create soak_marker: $(cat "$work/body")"

deadline=$(($(date +%s) + minutes * 60))
ok_total=0        # 200s wrk has seen
marker_version=1  # the marker's last known stored version
marker_n=0        # the marker's request counter
load_version=1    # soak_load's version at the last check
rounds=0
echo "soak: $minutes min on $base, kills every ${kill_min}-${kill_max}s, wrk -t$threads -c$conns"

while [ $(($(date +%s) + kill_max + 10)) -le "$deadline" ]; do
  rounds=$((rounds + 1))
  : >"$work/marker.log"
  wrk -t"$threads" -c"$conns" -d$((kill_max + 60))s -s scripts/load/put.lua "$base" >"$work/wrk.log" 2>&1 &
  wrk_pid=$!
  marker_loop "$marker_n" &
  marker_pid=$!
  load=$((kill_min + RANDOM % (kill_max - kill_min + 1)))
  sleep "$load.$((RANDOM % 10))"
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  kill -INT "$wrk_pid" 2>/dev/null || true
  wait "$wrk_pid" 2>/dev/null || true
  wait "$marker_pid" 2>/dev/null || true
  wrk_pid="" marker_pid=""

  ok=$(awk '/^status 200:/ {print $3}' "$work/wrk.log")
  ok=${ok:-0}
  other=$(awk '/^status [0-9]+:/ && $2 != "200:" {print}' "$work/wrk.log" | tr '\n' ' ')
  [ -z "$other" ] || fail "wrk saw answers other than 200: $other"
  ok_total=$((ok_total + ok))

  start_server
  # Every PUT that wrk saw acknowledged is stored.
  [ "$(api GET /v1/profiles/soak_load)" = 200 ] || fail "GET soak_load: $(cat "$work/body")"
  v=$(version_of "$work/headers")
  [ "$v" -ge $((1 + ok_total)) ] || fail "soak_load at v$v after $ok_total acknowledged PUTs: acknowledged writes were lost"
  [ "$v" -le $((1 + ok_total + rounds * conns)) ] || fail "soak_load at v$v, more than $ok_total acknowledged PUTs and $((rounds * conns)) in flight"
  [ "$v" -ge "$load_version" ] || fail "soak_load went back from v$load_version to v$v"
  load_version=$v

  # The marker holds its last acknowledged write, or the one in flight.
  last_acked=$(awk '$1 == "acked" {v = $3} END {print v}' "$work/marker.log")
  last_acked=${last_acked:-$marker_version}
  in_flight=0
  [ "$(tail -n 1 "$work/marker.log" | cut -d' ' -f1)" = sent ] && in_flight=1
  grep -q '^status' "$work/marker.log" && fail "marker: $(grep '^status' "$work/marker.log")"
  [ "$(api GET /v1/profiles/soak_marker)" = 200 ] || fail "GET soak_marker: $(cat "$work/body")"
  mv=$(version_of "$work/headers")
  if ! [ "$mv" = "$last_acked" ] && ! [ "$in_flight" = 1 -a "$mv" = $((last_acked + 1)) ]; then
    fail "soak_marker at v$mv, last acknowledged v$last_acked (a request in flight: $in_flight)"
  fi
  marker_version=$mv
  marker_n=$(awk '$1 == "sent" {n = $2} END {print n + 0}' "$work/marker.log")

  [ "$(api GET '/v1/profiles?limit=100')" = 200 ] || fail "list: $(cat "$work/body")"
  n=$(grep -o '"id":"prf_' "$work/body" | wc -l)
  [ "$n" = 2 ] || fail "the account holds $n profiles, want 2: $(cat "$work/body")"
  if command -v sqlite3 >/dev/null; then
    check=$(sqlite3 -readonly "$PALJA_DB" 'PRAGMA integrity_check' 2>&1)
    [ "$check" = ok ] || fail "integrity_check: $check"
  fi
  echo "soak: round $rounds: SIGKILL after ${load}s, wrk 200s: $ok (total $ok_total), soak_load v$v, marker v$mv (in flight: $in_flight)"
done

kill -TERM "$pid"
code=0
wait "$pid" || code=$?
pid=""
[ "$code" = 0 ] || fail "palja serve exited $code after SIGTERM"
echo "soak: PASS: $rounds kill points, $ok_total acknowledged PUTs verified durable, marker verified $rounds times, clean shutdown"
