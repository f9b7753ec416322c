-- include: unpend.lua
-- Forget a queued article (by one of its URLs) that never failed. ARGV: prefix, url.
local p, url = ARGV[1], ARGV[2]
local urlname = redis.call('HGET', p .. 'pending_url', url)
if not urlname then return 0 end
local raw = redis.call('HGET', p .. 'pending', urlname)
if raw and cjson.decode(raw).attempts == 0 then unpend(p, urlname) return 1 end
return 0
