-- Queue listed articles; one already pending gains the column; one taken down is left out.
-- ARGV: prefix, now, then 5 per article: urlname, canonical url, fetch url, site, column ('' none).
-- Returns how many were new.
local p, now, added = ARGV[1], tonumber(ARGV[2]), 0
for i = 3, #ARGV, 5 do
  local urlname, url, fetch_url, site, column = ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3], ARGV[i+4]
  local raw = redis.call('HGET', p .. 'pending', urlname)
  if redis.call('HEXISTS', p .. 'taken_down', urlname) == 1 then
    -- taken down: never queued again
  elseif not raw then
    local columns = {}
    if column ~= '' then columns = {column} end
    local entry = {url=url, fetch_url=fetch_url, site=site, columns=columns, reason='queued',
                   attempts=0, first_seen=now, next_attempt=now, given_up=false}
    redis.call('HSET', p .. 'pending', urlname, cjson.encode(entry))
    redis.call('HSET', p .. 'pending_url', url, urlname)
    redis.call('HSET', p .. 'pending_url', fetch_url, urlname)
    redis.call('ZADD', p .. 'due:' .. site, now, urlname)
    redis.call('SADD', p .. 'sites', site)
    added = added + 1
  elseif column ~= '' then
    local entry = cjson.decode(raw)
    local found = false
    for _, c in ipairs(entry.columns) do if c == column then found = true end end
    if not found then
      table.insert(entry.columns, column)
      redis.call('HSET', p .. 'pending', urlname, cjson.encode(entry))
    end
  end
end
return added
