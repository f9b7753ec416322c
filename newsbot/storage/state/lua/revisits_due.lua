-- Claim up to `limit` watched articles of these sites published at or after `since` and
-- last checked at or before `checked_before`, the longest unchecked first (over all the
-- sites); each is marked checked `now`, so another worker takes others. Watched articles
-- published before `since` are forgotten.
-- ARGV: prefix, now, since, checked_before, limit, then the sites.
-- Returns urlname, entry (JSON), columns (JSON), urlname, ...
local p, now, since, before, limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local found = {}
for i = 6, #ARGV do
  local key = p .. 'revisit_due:' .. ARGV[i]
  local names = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
  for j = 1, #names, 2 do
    local urlname, checked = names[j], tonumber(names[j + 1])
    local raw = redis.call('HGET', p .. 'revisit', urlname)
    if not raw then
      redis.call('ZREM', key, urlname)
    elseif cjson.decode(raw).published < since then
      redis.call('ZREM', key, urlname)
      redis.call('HDEL', p .. 'revisit', urlname)
    elseif checked <= before then
      table.insert(found, {checked, urlname, key, raw})
    end
  end
end
table.sort(found, function(a, b) return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2]) end)
local out = {}
for n = 1, math.min(limit, #found) do
  local urlname, key = found[n][2], found[n][3]
  redis.call('ZADD', key, now, urlname)
  table.insert(out, urlname)
  table.insert(out, found[n][4])
  table.insert(out, cjson.encode(redis.call('LRANGE', p .. 'cols:' .. urlname, 0, -1)))
end
return out
