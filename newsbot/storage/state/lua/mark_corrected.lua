-- include: columns.lua
-- Corrected articles rewritten (a revisit found the page changed): new files and columns,
-- and the new record, owed to this writer's feed shard (unfed:{writer}) whatever the first
-- line's state; the write claim is dropped. An article not written (taken down) is left alone.
-- ARGV: prefix, writer, then 7 per article: urlname, url, site, written_at, record,
-- columns (JSON list), files (JSON).
local p, writer = ARGV[1], ARGV[2]
for i = 3, #ARGV, 7 do
  local urlname, record, columns, files = ARGV[i], ARGV[i+4], ARGV[i+5], ARGV[i+6]
  local raw = redis.call('HGET', p .. 'articles', urlname)
  if raw then
    local entry = cjson.decode(raw)
    entry.files = cjson.decode(files)
    redis.call('HSET', p .. 'articles', urlname, cjson.encode(entry))
    redis.call('HSET', p .. 'records', urlname, record)
    redis.call('ZADD', p .. 'unfed:' .. writer, redis.call('INCR', p .. 'seq'), urlname)
    redis.call('SADD', p .. 'writers', writer)
    add_columns(p, urlname, cjson.decode(columns))
  end
  redis.call('DEL', p .. 'writing:' .. urlname)
end
return 1
