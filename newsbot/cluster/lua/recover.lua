-- Put a dead run's in-flight requests back in the queue, all in one step (a worker killed
-- while recovering loses nothing), past the dupefilter (they were seen: by the run that
-- died with them). A run is dead when its worker's lock is gone or held by another run.
-- KEYS: the queue, the dead run's in-flight record, the set of runs, its worker's lock.
-- ARGV: the run. Returns how many requests went back, or -1 when the run is alive.
if redis.call('GET', KEYS[4]) == ARGV[1] then return -1 end
local entries = redis.call('HVALS', KEYS[2])
for _, entry in ipairs(entries) do
  local space = string.find(entry, ' ', 1, true)
  redis.call('ZADD', KEYS[1], string.sub(entry, 1, space - 1), string.sub(entry, space + 1))
end
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[3], ARGV[1])
return #entries
