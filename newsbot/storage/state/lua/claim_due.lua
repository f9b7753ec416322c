-- Claim up to ARGV[4] due articles: an article is due in due:{site} (score: its next
-- attempt) and claimable when no live lease holds it and this claimer has not tried it
-- (tried:{claimer}, set by fail.lua); each is leased to the claimer (claims:{claimer}
-- lists them for renew.lua; a dead claimer's list expires with its leases).
-- ARGV: prefix, claimer, now, limit, lease (ms), then the sites.
-- Returns urlname, pending entry (JSON), urlname, entry, ...
local p, claimer, now, limit, lease = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local out = {}
for i = 6, #ARGV do
  local due = redis.call('ZRANGEBYSCORE', p .. 'due:' .. ARGV[i], '-inf', now)
  for _, urlname in ipairs(due) do
    if #out >= 2 * limit then return out end
    if redis.call('HEXISTS', p .. 'tried:' .. claimer, urlname) == 0
        and redis.call('SET', p .. 'claim:' .. urlname, claimer, 'NX', 'PX', lease) then
      redis.call('SADD', p .. 'claims:' .. claimer, urlname)
      redis.call('PEXPIRE', p .. 'claims:' .. claimer, lease)
      table.insert(out, urlname)
      table.insert(out, redis.call('HGET', p .. 'pending', urlname))
    end
  end
end
return out
