-- Schedule a request: its fingerprint in the dupefilter and the request in the queue in one
-- step (never "seen" without being queued); for a request that replaces one of this run's
-- (a retry, a redirect), that one leaves the run's in-flight record in the same step.
-- KEYS: the queue, the dupefilter (set), this run's in-flight record.
-- ARGV: score (minus the priority), the request, its fingerprint ('' when it is not
-- filtered), seconds the dupefilter outlives its last use, the in-flight id of the request
-- it replaces ('' for none). Returns 1 when queued, 0 when seen before.
local new = 1
if ARGV[3] ~= '' then
  new = redis.call('SADD', KEYS[2], ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[4])
end
if new == 1 then redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2]) end
if ARGV[5] ~= '' then redis.call('HDEL', KEYS[3], ARGV[5]) end
return new
