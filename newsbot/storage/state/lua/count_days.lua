-- include: unpend.lua
-- Once in a state's life: count the articles written before per-day counts were kept
-- (mark_written.lua and adopt.lua keep them since), for the status page's chart. A flag
-- in meta makes it run once, atomically: no article is counted twice.
-- ARGV: prefix. Returns how many articles were counted, -1 when done before.
local p = ARGV[1]
if redis.call('HEXISTS', p .. 'meta', 'per_day_counts') == 1 then return -1 end
redis.call('HSET', p .. 'meta', 'per_day_counts', '1')
local n = 0
for _, raw in ipairs(redis.call('HVALS', p .. 'articles')) do
  local entry = cjson.decode(raw)
  count_day(p, entry.site, entry.written_at)
  n = n + 1
end
return n
