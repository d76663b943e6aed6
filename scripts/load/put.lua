-- wrk script: PUT partial updates to one profile, alternating two bodies
-- that both change the birth date, so that every request takes the heaviest
-- path (merge, recompute of the four pillars, seal, commit); the second also
-- changes the name.
--
--   KEY=pj_live_... REF=user_1 wrk -t2 -c64 -d10s --latency -s scripts/load/put.lua http://127.0.0.1:8080
--
-- Prints the count of each status at the end, so that a rate-limited run
-- can be checked against burst + rate × duration. STATUSES=0 skips that:
-- wrk then parses no response headers or body (its own summary still
-- counts the non-2xx answers), which leaves more CPU to the server.
--
-- Both requests are built once per thread, in init(): request() only
-- returns one of them.
local key = os.getenv("KEY") or error("set KEY to an API key")
local ref = os.getenv("REF") or "user_1"
local bodies = {
  '{"birth_day":16,"birth_hour":null}',
  '{"name":"박영수","birth_day":15,"birth_hour":10}',
}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local reqs, n

function init(args)
  statuses = {}
  reqs = {}
  for i, body in ipairs(bodies) do
    reqs[i] = wrk.format("PUT", "/v1/profiles/" .. ref,
      {["X-API-Key"] = key, ["Content-Type"] = "application/json"}, body)
  end
  n = 0
  if os.getenv("STATUSES") == "0" then
    response = nil -- wrk checks after init(): nil means no parsing
  end
end

function request()
  n = n + 1
  return reqs[n % 2 + 1]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for code, count in pairs(s) do
      total[code] = (total[code] or 0) + count
    end
  end
  for code, count in pairs(total) do
    io.write(string.format("status %d: %d\n", code, count))
  end
end
