# shellcheck shell=bash
# Helpers of compare.sh and scale.sh, sourced by them (not run alone): a temp
# dir removed at exit with every server started here, builds, free loopback
# ports, and wrk runs whose figures are collected in $tmp/results.tsv.
#
# Every wrk run is the same command, `wrk -t2 -c64 -d$DURATION --latency`
# (DURATION=10s unless set, e.g. DURATION=2s for a smoke run).

set -euo pipefail
for tool in go wrk curl awk; do
  command -v "$tool" >/dev/null || { echo "$0: needs $tool (wrk: apt-get install -y wrk)" >&2; exit 1; }
done
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# shellcheck disable=SC2034 # ROOT is for the scripts that source this one
ROOT=$PWD
DURATION=${DURATION:-10s}
W=(wrk -t2 -c64 -d"$DURATION" --latency)
tmp=$(mktemp -d)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
: >"$tmp/results.tsv"

# build_palja sets PALJA: the binary given in $PALJA, or ./cmd/palja built
# into the temp dir; build_seed sets SEED likewise (./scripts/load/seed).
build_palja() {
  if [ -n "${PALJA:-}" ]; then
    [ -x "$PALJA" ] || { echo "$0: PALJA=$PALJA is not an executable" >&2; exit 1; }
  else
    PALJA=$tmp/palja
    go build -o "$PALJA" ./cmd/palja
  fi
}
build_seed() {
  SEED=$tmp/seed
  go build -o "$SEED" ./scripts/load/seed
}

# free_port prints a loopback TCP port that nothing listens on now.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    (: </dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }
  done
}

# start LOG CMD...: runs CMD in the background, its output in $tmp/LOG, and
# records its pid in $last_pid (and for the cleanup).
start() {
  local log=$1
  shift
  "$@" >"$tmp/$log" 2>&1 &
  last_pid=$!
  pids+=("$last_pid")
}

# wait_http PID URL [STATUS]: waits (up to 30 s) until URL answers 2xx (or
# STATUS), failing if PID exits first (its port was taken, say).
wait_http() {
  local code
  for _ in $(seq 300); do
    kill -0 "$1" 2>/dev/null || { echo "$0: the server for $2 exited; its log:" >&2; tail -20 "$tmp"/*.log >&2; exit 1; }
    code=$(curl -s -o /dev/null -w '%{http_code}' "$2" || true)
    if [ -n "${3:-}" ]; then [ "$code" = "$3" ] && return; else [[ $code == 2?? ]] && return; fi
    sleep 0.1
  done
  echo "$0: $2 did not answer within 30 s" >&2
  exit 1
}

# stop PID: SIGTERM and wait (palja commits its queued writes and exits).
stop() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# to_ms VALUE: wrk's latency (850.00us, 1.25ms, 1.02s, 1.00m) in ms.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1
    if (f < 0) { print "?"; exit }
    printf "%.3f", n * f
  }'
}

# bench NAME URL [WRK ARGS...]: one wrk run; the environment of the call
# reaches its lua script. Prints wrk's summary lines and appends a row to
# $tmp/results.tsv: name, requests/s, p50 ms, p99 ms, requests, seconds,
# non-2xx/3xx answers, socket errors, and the script's status counts.
bench() {
  local name=$1 url=$2
  shift 2
  echo "== $name: $(printf '%s ' "${W[@]}" "$@")$url"
  if ! "${W[@]}" "$@" "$url" >"$tmp/wrk.out" 2>&1; then
    cat "$tmp/wrk.out" >&2
    echo "$0: wrk failed" >&2
    exit 1
  fi
  grep -E 'requests in|Requests/sec|^ +(50|99)%|^status|Non-2xx|Socket errors' "$tmp/wrk.out" | sed 's/^/   /'
  awk -v name="$name" '
    /requests in/ { req = $1; d = $4; sub(/,$/, "", d); secs = d + 0; if (d ~ /m$/) secs *= 60 }
    /^Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = $2 }
    /^ +99%/ { p99 = $2 }
    /Non-2xx or 3xx responses/ { non = $NF }
    /Socket errors/ { gsub(/,/, ""); sock = $4 + $6 + $8 + $10 }
    /^status [0-9]+:/ { st = st (st == "" ? "" : " ") $2 $3 }
    END { printf "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", name, rps, p50, p99, req, secs, non, sock, st }
  ' "$tmp/wrk.out" >"$tmp/row"
  IFS=$'\t' read -r r_name r_rps r_p50 r_p99 r_req r_secs r_non r_sock r_st <"$tmp/row"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r_name" "$r_rps" "$(to_ms "$r_p50")" "$(to_ms "$r_p99")" \
    "$r_req" "$r_secs" "$r_non" "$r_sock" "$r_st" >>"$tmp/results.tsv"
}
