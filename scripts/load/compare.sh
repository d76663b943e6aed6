#!/usr/bin/env bash
# Measures palja against the bare net/http baseline of ../shared/bench in one
# sitting, with the same wrk command: baseline, PUT with an unlimited key,
# PUT with a key of rate 100 / burst 100 (the 429 path), baseline again.
# Loopback only; every run is 10 s; the servers are stopped at the end.
#
#   bash scripts/load/compare.sh            # builds ./cmd/palja into a temp dir
#   PALJA=/path/to/palja bash scripts/load/compare.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v wrk >/dev/null || { echo "install wrk: apt-get install -y wrk" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
PALJA=${PALJA:-$tmp/palja}
[ -x "$PALJA" ] || go build -o "$PALJA" ./cmd/palja
go build -o "$tmp/baseline" ../shared/bench/baseline.go
W="wrk -t2 -c64 -d10s --latency"
LUA=$PWD/scripts/load/put.lua

"$tmp/baseline" -addr 127.0.0.1:8089 &
(cd "$tmp" && exec "$PALJA" serve --addr 127.0.0.1:18080 >"$tmp/serve.log" 2>&1) &
for _ in $(seq 100); do curl -sf 127.0.0.1:18080/healthz >/dev/null && curl -sf 127.0.0.1:8089/ >/dev/null && break; sleep 0.1; done

profile() { # key external_id
  curl -sf -o /dev/null 127.0.0.1:18080/v1/profiles -H "X-API-Key: $1" -H 'Content-Type: application/json' \
    -d "{\"name\":\"김영희\",\"birth_year\":1990,\"birth_month\":5,\"birth_day\":15,\"birth_hour\":10,\"external_id\":\"$2\"}"
}
FAST=$(cd "$tmp" && "$PALJA" keys create --name fast --rate 1000000 --burst 1000000 2>/dev/null)
LIMITED=$(cd "$tmp" && "$PALJA" keys create --name limited --rate 100 --burst 100 2>/dev/null)
profile "$FAST" user_1
profile "$LIMITED" user_2
sleep 1.2 # the limited key's bucket is full again

summary() { grep -E 'requests in|Requests/sec|  50%|  99%|^status|Non-2xx'; }
echo "== baseline";                      $W http://127.0.0.1:8089/ | summary
echo "== PUT, unlimited key";            KEY=$FAST REF=user_1 $W -s "$LUA" http://127.0.0.1:18080 | summary
sleep 1.2
echo "== PUT, rate 100 burst 100 (expect 100 + 100 × duration admitted)"
KEY=$LIMITED REF=user_2 $W -s "$LUA" http://127.0.0.1:18080 | summary
echo "== baseline again";                $W http://127.0.0.1:8089/ | summary
