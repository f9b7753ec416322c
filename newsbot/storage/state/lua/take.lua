-- Take a lease on a key unless someone else holds it; re-taking one's own renews it.
-- KEYS: the key. ARGV: the holder, the lease (ms). Returns 1 when held.
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
