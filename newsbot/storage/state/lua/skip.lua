-- include: unpend.lua
-- An article not wanted in a scope: skipped:{scope} knows it; it leaves the frontier.
-- ARGV: prefix, urlname, url, reason, scope.
local p, urlname, url, reason, scope = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
redis.call('HSET', p .. 'skipped:' .. scope, url, cjson.encode({urlname=urlname, reason=reason}))
unpend(p, urlname)
return 1
