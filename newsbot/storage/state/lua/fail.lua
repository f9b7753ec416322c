-- include: unpend.lua
-- Count a failed attempt: the next one is scheduled (due:{site} at next_attempt), or the
-- article is given up on; its claim is dropped, and the claimer (this run) remembers it
-- tried it (tried:{claimer}, a lease renewed with its claims) so it does not claim it again.
-- ARGV: prefix, urlname, reason, now, next attempt, give up after, claimer ('' none),
-- lease (ms), and optionally the entry (JSON: url, fetch_url, site, columns) of an article
-- not yet pending (and not taken down). Returns {attempts, given up (0/1)}; {0, 0} when nothing was recorded.
local p, urlname, reason, now, next_attempt, give_up_after, claimer, lease = ARGV[1], ARGV[2], ARGV[3],
  tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7], ARGV[8]
local raw = redis.call('HGET', p .. 'pending', urlname)
local entry
if raw then
  entry = cjson.decode(raw)
elseif ARGV[9] and redis.call('HEXISTS', p .. 'taken_down', urlname) == 0 then
  entry = cjson.decode(ARGV[9])
  entry.reason, entry.attempts, entry.first_seen, entry.given_up = 'queued', 0, now, false
  redis.call('HSET', p .. 'pending_url', entry.url, urlname)
  redis.call('HSET', p .. 'pending_url', entry.fetch_url, urlname)
  redis.call('SADD', p .. 'sites', entry.site)
else
  return {0, 0}
end
entry.attempts = entry.attempts + 1
entry.reason, entry.last_failed = reason, now
entry.given_up = entry.attempts >= give_up_after
entry.next_attempt = next_attempt
redis.call('HSET', p .. 'pending', urlname, cjson.encode(entry))
if entry.given_up then
  redis.call('ZREM', p .. 'due:' .. entry.site, urlname)
else
  redis.call('ZADD', p .. 'due:' .. entry.site, next_attempt, urlname)
end
redis.call('DEL', p .. 'claim:' .. urlname)
if claimer ~= '' then
  redis.call('HSET', p .. 'tried:' .. claimer, urlname, now)
  redis.call('PEXPIRE', p .. 'tried:' .. claimer, lease)
end
if entry.given_up then return {entry.attempts, 1} end
return {entry.attempts, 0}
