-- Feed lines durable in this writer's shard: their records are dropped; meta set with it.
-- ARGV: prefix, writer, the number of urlnames, the urlnames, then meta key/value pairs.
local p, writer, n = ARGV[1], ARGV[2], tonumber(ARGV[3])
for i = 4, 3 + n do
  redis.call('ZREM', p .. 'unfed:' .. writer, ARGV[i])
  redis.call('HDEL', p .. 'records', ARGV[i])
end
for i = 4 + n, #ARGV, 2 do
  redis.call('HSET', p .. 'meta', ARGV[i], ARGV[i + 1])
end
return 1
