-- Watch written articles for corrections: revisit (urlname -> entry) and revisit_due:{site}
-- (score: when last checked); an article taken down is not watched.
-- ARGV: prefix, now, then 7 per article: urlname, url, site, published, digest, etag ('' none),
-- last_modified ('' none).
local p, now = ARGV[1], tonumber(ARGV[2])
for i = 3, #ARGV, 7 do
  local urlname, site = ARGV[i], ARGV[i+2]
  if redis.call('HEXISTS', p .. 'taken_down', urlname) == 0 then
    redis.call('HSET', p .. 'revisit', urlname, cjson.encode({url=ARGV[i+1], site=site,
      published=tonumber(ARGV[i+3]), digest=ARGV[i+4], etag=ARGV[i+5], last_modified=ARGV[i+6]}))
    redis.call('ZADD', p .. 'revisit_due:' .. site, now, urlname)
  end
end
return 1
