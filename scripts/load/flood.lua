-- wrk script: the same PUT again and again, built once: the flood of one
-- client that ignores 429. wrk sends it from a static buffer (no request()
-- or response() function, as the baseline's run has none), so the load
-- generator costs the shared cores what it costs in the baseline's run.
--
--   KEY=pj_live_... REF=user_1 wrk -t2 -c64 -d10s --latency -s scripts/load/flood.lua http://127.0.0.1:8080
--
-- compare.sh floods a key of rate 100 / burst 100 with it (the 429 path);
-- wrk's summary counts the non-2xx answers.
local key = os.getenv("KEY") or error("set KEY to an API key")
local ref = os.getenv("REF") or "user_1"
wrk.method = "PUT"
wrk.path = "/v1/profiles/" .. ref
wrk.headers["X-API-Key"] = key
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"birth_day":16,"birth_hour":null}'
