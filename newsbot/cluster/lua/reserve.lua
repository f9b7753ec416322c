-- Reserve a host's next free moment, on the Redis server's clock (the same for every
-- machine): one request per interval per host across the fleet.
-- KEYS: the host's schedule. ARGV: the interval in milliseconds.
-- Returns how many milliseconds to wait before sending.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], slot + interval, 'PX', interval + 60000)
return slot - now
