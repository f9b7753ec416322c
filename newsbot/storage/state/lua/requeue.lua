-- Make articles due now with a fresh count: the given ones (by urlname), or, with
-- failed_only, those of them that failed.
-- ARGV: prefix, now, failed_only ('1'/'0'), then the urlnames. Returns how many.
local p, now, failed_only, n = ARGV[1], tonumber(ARGV[2]), ARGV[3] == '1', 0
for i = 4, #ARGV do
  local raw = redis.call('HGET', p .. 'pending', ARGV[i])
  if raw then
    local entry = cjson.decode(raw)
    if entry.attempts > 0 or not failed_only then
      entry.attempts, entry.given_up, entry.next_attempt = 0, false, now
      redis.call('HSET', p .. 'pending', ARGV[i], cjson.encode(entry))
      redis.call('ZADD', p .. 'due:' .. entry.site, now, ARGV[i])
      redis.call('DEL', p .. 'claim:' .. ARGV[i])
      n = n + 1
    end
  end
end
return n
