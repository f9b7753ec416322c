-- include: unpend.lua
-- Take an article down for good: it leaves the written articles (its record, its feed
-- line owed, its columns, its count), the frontier and the watched articles, and
-- taken_down (by urlname) and taken_down_url (by URL) know it from now on. Refused (0)
-- while a live worker holds its write claim. An article taken down before: its entry.
-- ARGV: prefix, urlname, url, site, when, reason ('' none). Returns the entry (JSON), or 0.
local p, urlname, url, site, at, reason = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local done = redis.call('HGET', p .. 'taken_down', urlname)
if done then return done end
if redis.call('GET', p .. 'writing:' .. urlname) then return 0 end
local files = {}
local raw = redis.call('HGET', p .. 'articles', urlname)
if raw then
  local entry = cjson.decode(raw)
  url, site, files = entry.url, entry.site, entry.files
  redis.call('HDEL', p .. 'articles', urlname)
  redis.call('HDEL', p .. 'article_url', url)
  redis.call('HINCRBY', p .. 'count', site, -1)
  count_day(p, site, entry.written_at, -1)
  redis.call('HDEL', p .. 'records', urlname)
  for _, writer in ipairs(redis.call('SMEMBERS', p .. 'writers')) do
    redis.call('ZREM', p .. 'unfed:' .. writer, urlname)
  end
end
local columns = redis.call('LRANGE', p .. 'cols:' .. urlname, 0, -1)
redis.call('DEL', p .. 'cols:' .. urlname, p .. 'colset:' .. urlname)
unpend(p, urlname)
unpend_url(p, url)
local watched = redis.call('HGET', p .. 'revisit', urlname)
if watched then
  redis.call('ZREM', p .. 'revisit_due:' .. cjson.decode(watched).site, urlname)
  redis.call('HDEL', p .. 'revisit', urlname)
end
local reason_value = cjson.null
if reason ~= '' then reason_value = reason end
local entry = cjson.encode({url=url, site=site, at=at, reason=reason_value, files=files, columns=columns,
                            tombstoned=false})
redis.call('HSET', p .. 'taken_down', urlname, entry)
redis.call('HSET', p .. 'taken_down_url', url, urlname)
redis.call('RPUSH', p .. 'taken_down_order', urlname)
return entry
