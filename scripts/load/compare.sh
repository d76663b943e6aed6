#!/usr/bin/env bash
# Measures palja against the bare net/http baseline of ../shared/bench and
# against PocketBase, in one sitting, with the same wrk command for every run
# (wrk -t2 -c64 -d$DURATION --latency), and prints the ratios:
#
#   1. baseline         ../shared/bench/baseline.go: a fixed 300-byte JSON
#   2. put-hot          PUT to one profile (put.lua), unlimited key
#   3. put-uniform      PUT to one of $PROFILES seeded profiles, uniformly at
#                       random (uniform.lua), unlimited key
#   4. 429              flood.lua (one PUT, sent from wrk's static buffer
#                       as the baseline's GET is) with a key of rate 100 /
#                       burst 100: admits 100 + 100 × T of the T seconds'
#                       requests, refuses the rest with 429
#   5. ceiling-put      scripts/load/ceiling: a bare net/http handler that
#                       answers with the bytes of one of palja's PUT answers
#                       (recorded with curl -si), does nothing else; put.lua
#   6. ceiling-uniform  the same handler, uniform.lua
#   7. ceiling-429      the same handler answering with palja's 429 (recorded
#                       after run 4), flood.lua
#   8. pocketbase       PATCH of one record (../shared/bench/peer-pocketbase)
#   9. baseline-again   the baseline again
#
# Ratios are requests/s over the mean of the two baseline runs. The
# ceiling runs send the same requests as palja's and get the same answers
# from a handler with no work in it: the most net/http itself does with
# palja's protocol (an API key and a JSON body in, seven headers besides
# Date out) on this machine. The last lines print palja's figures over
# theirs.
#
#   bash scripts/load/compare.sh                 # builds everything into a temp dir
#   DURATION=2s bash scripts/load/compare.sh     # a smoke run
#   PALJA=/path/to/palja PEER=/path/to/peer-pocketbase bash scripts/load/compare.sh
#
# PROFILES (100000) is how many profiles are seeded (scripts/load/seed) for
# put-uniform. STATUSES=1 makes the lua scripts count each status (wrk
# then parses every response, which costs it CPU); by default the table
# counts 2xx and non-2xx from wrk's own summary. Everything runs on
# loopback, on free ports; servers and files are removed at exit.
# shellcheck source=scripts/load/lib.sh
source "$(dirname "$0")/lib.sh"
PROFILES=${PROFILES:-100000}
STATUSES=${STATUSES:-0}
export STATUSES

build_palja
build_seed
go build -o "$tmp/ceiling" ./scripts/load/ceiling
go build -o "$tmp/baseline" ../shared/bench/baseline.go
if [ -n "${PEER:-}" ]; then
  [ -x "$PEER" ] || { echo "$0: PEER=$PEER is not an executable" >&2; exit 1; }
else
  PEER=$tmp/peer-pocketbase
  (cd ../shared/bench/peer-pocketbase && go build -o "$PEER" .)
fi

# One database, one encryption key, for seed, keys and serve.
PALJA_ENCRYPTION_KEYS=$("$PALJA" encryption-key)
export PALJA_ENCRYPTION_KEYS
export PALJA_DB=$tmp/palja.db
FAST=$("$SEED" -db "$PALJA_DB" -n "$PROFILES" 2>"$tmp/seed.log") || { cat "$tmp/seed.log" >&2; exit 1; }
tail -1 "$tmp/seed.log"
LIMITED=$("$PALJA" keys create --name limited --rate 100 --burst 100 2>/dev/null)

BASE=127.0.0.1:$(free_port)
start baseline.log "$tmp/baseline" -addr "$BASE"
wait_http "$last_pid" "http://$BASE/"
APP=127.0.0.1:$(free_port)
start serve.log "$PALJA" serve --addr "$APP"
wait_http "$last_pid" "http://$APP/readyz"
PB=127.0.0.1:$(free_port)
start pocketbase.log "$PEER" serve --http="$PB" --dir="$tmp/pb"
wait_http "$last_pid" "http://$PB/api/health"
for _ in $(seq 100); do [ -s "$tmp/pb/record_id" ] && break; sleep 0.1; done
PB_PATH=/api/collections/profiles/records/$(cat "$tmp/pb/record_id")

profile() { # key external_id; also puts the key in palja's key cache
  curl -sS --fail-with-body -o /dev/null "http://$APP/v1/profiles" -H "X-API-Key: $1" -H 'Content-Type: application/json' \
    -d "{\"name\":\"김영희\",\"birth_year\":1990,\"birth_month\":5,\"birth_day\":15,\"birth_hour\":10,\"external_id\":\"$2\"}"
}
profile "$FAST" hot
profile "$LIMITED" limited
curl -sS --fail-with-body -o /dev/null -X PATCH "http://$PB$PB_PATH" -H 'Content-Type: application/json' -d '{"birth_hour":1}'

LUA=$ROOT/scripts/load
bench baseline "http://$BASE/"
KEY=$FAST REF=hot bench put-hot "http://$APP" -s "$LUA/put.lua"
KEY=$FAST N=$PROFILES bench put-uniform "http://$APP" -s "$LUA/uniform.lua"
sleep 1.2 # the limited key's bucket is full (it is untouched since its create)
# The answers the ceiling replays: a PUT of put.lua's first body, and a 429
# of the flooded key, asked for in the middle of its flood (the bucket is
# empty; a request that finds a token is asked again).
record() { # file key ref
  curl -sS -si -X PUT "http://$APP/v1/profiles/$3" -H "X-API-Key: $2" -H 'Content-Type: application/json' \
    -d '{"birth_day":16,"birth_hour":null}' >"$tmp/$1"
}
record put.http "$FAST" hot
(
  sleep 0.5
  for _ in $(seq 10); do
    if record 429.http "$LIMITED" limited && [[ $(head -1 "$tmp/429.http") == *" 429 "* ]]; then break; fi
  done
) &
recorder=$!
pids+=("$recorder")
KEY=$LIMITED REF=limited bench 429 "http://$APP" -s "$LUA/flood.lua"
wait "$recorder" || true # the check below says what went wrong
for f in put:200 429:429; do
  got=$(head -1 "$tmp/${f%%:*}.http" 2>/dev/null | tr -d '\r' || true)
  case $got in
  *" ${f##*:} "*) ;;
  *) echo "$0: recording palja's answer for the ceiling: got '$got', want ${f##*:}" >&2; exit 1 ;;
  esac
done
CEIL_PUT=127.0.0.1:$(free_port)
start ceiling-put.log "$tmp/ceiling" -addr "$CEIL_PUT" -response "$tmp/put.http"
wait_http "$last_pid" "http://$CEIL_PUT/"
CEIL_429=127.0.0.1:$(free_port)
start ceiling-429.log "$tmp/ceiling" -addr "$CEIL_429" -response "$tmp/429.http"
wait_http "$last_pid" "http://$CEIL_429/" 429
KEY=$FAST REF=hot bench ceiling-put "http://$CEIL_PUT" -s "$LUA/put.lua"
KEY=$FAST N=$PROFILES bench ceiling-uniform "http://$CEIL_PUT" -s "$LUA/uniform.lua"
KEY=$LIMITED REF=limited bench ceiling-429 "http://$CEIL_429" -s "$LUA/flood.lua"
PATH_=$PB_PATH bench pocketbase "http://$PB" -s ../shared/bench/peer-pocketbase/patch.lua
bench baseline-again "http://$BASE/"

echo
awk -F'\t' -v dur="$DURATION" -v profiles="$PROFILES" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" '
  { name[NR] = $1; rps[NR] = $2; p50[NR] = $3; p99[NR] = $4; req[NR] = $5; secs[NR] = $6; non[NR] = $7; sock[NR] = $8; st[NR] = $9 }
  $1 == "baseline" || $1 == "baseline-again" { bsum += $2; bn++ }
  END {
    mean = bsum / bn
    printf "%-15s %11s %6s %9s %9s  %s\n", "run", "requests/s", "ratio", "p50 ms", "p99 ms", "statuses"
    for (i = 1; i <= NR; i++) {
      s = st[i] != "" ? st[i] : sprintf("2xx:%d non-2xx:%d", req[i] - non[i], non[i])
      if (sock[i] > 0) s = s " socket-errors:" sock[i]
      printf "%-15s %11.0f %6.2f %9.2f %9.2f  %s\n", name[i], rps[i], rps[i] / mean, p50[i], p99[i], s
    }
    printf "\nbaseline mean %.0f requests/s (second run / first: %.2f); wrk -t2 -c64 -d%s --latency; %d profiles seeded; load average now %s\n",
      mean, rps[NR] / rps[1], dur, profiles, load
    for (i = 1; i <= NR; i++) at[name[i]] = rps[i]
    split("put-hot ceiling-put put-uniform ceiling-uniform 429 ceiling-429", pair, " ")
    line = ""
    for (j = 1; j < 6; j += 2)
      if (at[pair[j + 1]] > 0) line = line sprintf("%s%s %.2f (ceiling/baseline %.2f)", line == "" ? "" : ", ", pair[j], at[pair[j]] / at[pair[j + 1]], at[pair[j + 1]] / mean)
    if (line != "") printf "palja / ceiling: %s\n", line
    for (i = 1; i <= NR; i++) {
      if (name[i] == "429") {
        admitted = req[i] - non[i]
        if (match(st[i], /200:[0-9]+/)) admitted = substr(st[i], RSTART + 4, RLENGTH - 4)
        printf "429 run: %d admitted in %.2f s; burst + rate × T = 100 + 100 × %.2f = %.0f\n",
          admitted, secs[i], secs[i], 100 + 100 * secs[i]
      } else if (name[i] !~ /^baseline|^ceiling-429$/ && (non[i] > 0 || sock[i] > 0)) {
        printf "WARNING: %s had %d non-2xx answers and %d socket errors: its figures are not of the path it names\n", name[i], non[i], sock[i]
      }
    }
  }' "$tmp/results.tsv"
