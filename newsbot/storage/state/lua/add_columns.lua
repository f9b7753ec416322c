-- An article listed under more columns: each new one appended in order.
-- ARGV: prefix, urlname, then the columns.
local p, urlname = ARGV[1], ARGV[2]
for i = 3, #ARGV do
  if redis.call('SADD', p .. 'colset:' .. urlname, ARGV[i]) == 1 then
    redis.call('RPUSH', p .. 'cols:' .. urlname, ARGV[i])
  end
end
return 1
