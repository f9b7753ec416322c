-- Taken-down articles whose tombstone line is durable in the JSONL feed.
-- ARGV: prefix, then the urlnames.
local p = ARGV[1]
for i = 2, #ARGV do
  local raw = redis.call('HGET', p .. 'taken_down', ARGV[i])
  if raw then
    local entry = cjson.decode(raw)
    entry.tombstoned = true
    redis.call('HSET', p .. 'taken_down', ARGV[i], cjson.encode(entry))
  end
end
return 1
