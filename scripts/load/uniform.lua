-- wrk script: PUT partial updates to profiles chosen uniformly at random
-- among N stored ones (external ids u0 … u<N-1>, as scripts/load/seed
-- makes them), with the two bodies of put.lua alternating per thread: a
-- birth change (the pillars are recomputed), then a birth and name change.
--
--   KEY=pj_live_... N=100000 wrk -t2 -c64 -d10s --latency -s scripts/load/uniform.lua http://127.0.0.1:8080
--
-- PREFIX changes the external ids' prefix (default "u"). STATUSES=0 skips
-- the count of each status, as in put.lua.
--
-- The request is formatted per request (one path of N), but cheaply: the
-- part after the path (headers and body) is built once per body in init(),
-- so request() concatenates three strings and draws one random number.
local key = os.getenv("KEY") or error("set KEY to an API key")
local count = tonumber(os.getenv("N") or "100000")
local head = "PUT /v1/profiles/" .. (os.getenv("PREFIX") or "u")
local bodies = {
  '{"birth_day":16,"birth_hour":null}',
  '{"name":"박영수","birth_day":15,"birth_hour":10}',
}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

local tails, n
local random = math.random

function init(args)
  statuses = {}
  -- every thread its own sequence (LuaJIT's generator starts from a fixed seed)
  math.randomseed(os.time() + 7919 * (id or 0))
  tails = {}
  for i, body in ipairs(bodies) do
    local r = wrk.format("PUT", "/", {["X-API-Key"] = key, ["Content-Type"] = "application/json"}, body)
    tails[i] = r:sub(#"PUT /" + 1) -- " HTTP/1.1\r\n" .. headers .. body
  end
  n = 0
  if os.getenv("STATUSES") == "0" then
    response = nil
  end
end

function request()
  n = n + 1
  return head .. random(0, count - 1) .. tails[n % 2 + 1]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for code, c in pairs(s) do
      total[code] = (total[code] or 0) + c
    end
  end
  for code, c in pairs(total) do
    io.write(string.format("status %d: %d\n", code, c))
  end
end
