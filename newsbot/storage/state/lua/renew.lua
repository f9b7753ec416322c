-- Keep a holder's leases alive (kind 'claim': a claimer's claims; 'writing': a run's write
-- claims) and forget the ones it no longer holds.
-- ARGV: prefix, holder, lease (ms), kind.
local p, holder, lease, kind = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local key = p .. kind .. 's:' .. holder
for _, urlname in ipairs(redis.call('SMEMBERS', key)) do
  if redis.call('GET', p .. kind .. ':' .. urlname) == holder then
    redis.call('PEXPIRE', p .. kind .. ':' .. urlname, lease)
  else
    redis.call('SREM', key, urlname)
  end
end
redis.call('PEXPIRE', key, lease)
if kind == 'claim' then redis.call('PEXPIRE', p .. 'tried:' .. holder, lease) end
return 1
