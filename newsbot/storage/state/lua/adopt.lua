-- include: unpend.lua
-- Register an article written by something else, under its own urlname; 0 when its URL
-- or urlname is known (or taken down). ARGV: prefix, urlname, url, site, written_at, files (JSON).
local p, urlname, url, site, written_at, files = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
if redis.call('HEXISTS', p .. 'article_url', url) == 1 or redis.call('HEXISTS', p .. 'articles', urlname) == 1
    or redis.call('HEXISTS', p .. 'taken_down_url', url) == 1 or redis.call('HEXISTS', p .. 'taken_down', urlname) == 1 then
  return 0
end
redis.call('HSET', p .. 'articles', urlname,
  cjson.encode({url=url, site=site, written_at=written_at, files=cjson.decode(files), writer=''}))
redis.call('HSET', p .. 'article_url', url, urlname)
redis.call('HINCRBY', p .. 'count', site, 1)
count_day(p, site, written_at)
unpend_url(p, url)
return 1
