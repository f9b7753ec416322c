-- The exactly-once write claim (a lease on writing:{urlname}, listed in writings:{holder}
-- for renew.lua): refused when the article is written and not queued again (a restore),
-- or another live run is writing it, or it is taken down; with rewrite ('1': a correction)
-- a written article may be written again. ARGV: prefix, urlname, holder (a run), lease (ms), rewrite.
local p, urlname, holder, lease, rewrite = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5] == '1'
if redis.call('HEXISTS', p .. 'taken_down', urlname) == 1 then return 0 end
if rewrite then
  if redis.call('HEXISTS', p .. 'articles', urlname) == 0 then return 0 end
elseif redis.call('HEXISTS', p .. 'articles', urlname) == 1 and redis.call('HEXISTS', p .. 'pending', urlname) == 0 then
  return 0
end
if not redis.call('SET', p .. 'writing:' .. urlname, holder, 'NX', 'PX', lease) then return 0 end
redis.call('SADD', p .. 'writings:' .. holder, urlname)
redis.call('PEXPIRE', p .. 'writings:' .. holder, lease)
return 1
