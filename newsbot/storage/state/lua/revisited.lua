-- A revisit's answer: the watched article's digest and validators now (one no longer
-- watched, taken down meanwhile, is left alone). ARGV: prefix, urlname, digest, etag ('' none),
-- last_modified ('' none).
local p, urlname = ARGV[1], ARGV[2]
local raw = redis.call('HGET', p .. 'revisit', urlname)
if not raw then return 0 end
local entry = cjson.decode(raw)
entry.digest, entry.etag, entry.last_modified = ARGV[3], ARGV[4], ARGV[5]
redis.call('HSET', p .. 'revisit', urlname, cjson.encode(entry))
return 1
