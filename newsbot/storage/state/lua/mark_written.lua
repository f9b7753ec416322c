-- include: unpend.lua
-- include: columns.lua
-- Record articles written, at once; they leave the frontier and their write claim is
-- dropped (so an article is either being written by one live worker, or written). A new
-- article gets its record, owed to this writer's feed shard (unfed:{writer}); one written
-- before (a restore) keeps its fed state and gets its new file list.
-- ARGV: prefix, writer, then 7 per article: urlname, url, site, written_at, record,
-- columns (JSON list), files (JSON).
local p, writer = ARGV[1], ARGV[2]
for i = 3, #ARGV, 7 do
  local urlname, url, site, written_at, record, columns, files =
    ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3], ARGV[i+4], ARGV[i+5], ARGV[i+6]
  local raw = redis.call('HGET', p .. 'articles', urlname)
  if redis.call('HEXISTS', p .. 'taken_down', urlname) == 1 then
    -- taken down after its write claim had lapsed: not recorded
  elseif raw then  -- a restore: new files; its record only while its feed line is missing
    local entry = cjson.decode(raw)
    entry.files = cjson.decode(files)
    redis.call('HSET', p .. 'articles', urlname, cjson.encode(entry))
    if redis.call('ZSCORE', p .. 'unfed:' .. writer, urlname) then
      redis.call('HSET', p .. 'records', urlname, record)
    end
  else
    redis.call('HSET', p .. 'articles', urlname,
      cjson.encode({url=url, site=site, written_at=written_at, files=cjson.decode(files), writer=writer}))
    redis.call('HSET', p .. 'article_url', url, urlname)
    redis.call('HINCRBY', p .. 'count', site, 1)
    count_day(p, site, written_at)
    redis.call('HSET', p .. 'records', urlname, record)
    redis.call('ZADD', p .. 'unfed:' .. writer, redis.call('INCR', p .. 'seq'), urlname)
    redis.call('SADD', p .. 'writers', writer)
  end
  if redis.call('HEXISTS', p .. 'taken_down', urlname) == 0 then
    add_columns(p, urlname, cjson.decode(columns))
  end
  unpend(p, urlname)
  unpend_url(p, url)
  redis.call('DEL', p .. 'writing:' .. urlname)
end
return 1
