-- Shared by the scripts that include it: remove an article from the frontier, by urlname
-- (with its claim) or by one of its URLs.
local function unpend(p, urlname)
  local raw = redis.call('HGET', p .. 'pending', urlname)
  if raw then
    local entry = cjson.decode(raw)
    redis.call('HDEL', p .. 'pending', urlname)
    redis.call('HDEL', p .. 'pending_url', entry.url, entry.fetch_url)
    redis.call('ZREM', p .. 'due:' .. entry.site, urlname)
  end
  redis.call('DEL', p .. 'claim:' .. urlname)
end
local function unpend_url(p, url)
  local urlname = redis.call('HGET', p .. 'pending_url', url)
  if urlname then unpend(p, urlname) end
end
-- An article written (or adopted) on a day of its own: counted for the status page's chart
-- (by -1: taken down).
local function count_day(p, site, written_at, by)
  if string.match(written_at, '^%d%d%d%d%-%d%d%-%d%d') then
    redis.call('HINCRBY', p .. 'per_day:' .. site, string.sub(written_at, 1, 10), by or 1)
    redis.call('SADD', p .. 'per_day_sites', site)
  end
end
