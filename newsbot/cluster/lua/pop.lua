-- Take the first request of the shared queue and record it in this run's in-flight record,
-- in one step: a request is always in the queue or in a run's record, never only in a
-- worker's memory. The record keeps its queue score (its priority): "score request".
-- KEYS: the queue (sorted set), this run's in-flight record (hash), the set of runs with one.
-- ARGV: the record's id, this run. Returns the request, or nil when the queue is empty.
local got = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #got == 0 then return false end
redis.call('ZREM', KEYS[1], got[1])
redis.call('HSET', KEYS[2], ARGV[1], got[2] .. ' ' .. got[1])
redis.call('SADD', KEYS[3], ARGV[2])
return got[1]
