-- GCRA token bucket, one hash per key (see redislimit.go).
-- KEYS[1]: the bucket; ARGV[1]: interval between tokens in µs (1e6/rate);
-- ARGV[2]: burst. Returns {admitted 0|1, whole tokens left, µs until the
-- bucket is full, µs until the next token when refused (else 0)}.
local iv = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])

local s = redis.call('HMGET', KEYS[1], 'tat', 'iv', 'burst')
local tat = tonumber(s[1]) or now
if tat < now then tat = now end
local changed = false
local oiv, oburst = tonumber(s[2]), tonumber(s[3])
if oiv and oburst and (oiv ~= iv or oburst ~= burst) then
  -- A new limit: keep the tokens held now, refill at the new rate.
  local tokens = oburst - (tat - now) / oiv
  if tokens > burst then tokens = burst end
  tat = now + (burst - tokens) * iv
  changed = true
end

local admitted, retry = 0, 0
local latest = now + (burst - 1) * iv -- tat may be at most this to leave a token
if tat <= latest + 0.001 then
  admitted = 1
  tat = tat + iv
  changed = true
else
  retry = tat - latest
end
if changed then
  redis.call('HSET', KEYS[1], 'tat', string.format('%.3f', tat), 'iv', ARGV[1], 'burst', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], math.ceil((tat - now) / 1000) + 1000)
end
local left = math.floor(burst - (tat - now) / iv + 1e-9)
if left < 0 then left = 0 end
return {admitted, left, math.ceil(tat - now), math.ceil(retry)}
