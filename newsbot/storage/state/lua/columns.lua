-- Shared by the scripts that include it: an article listed under more columns, each new
-- one appended in order (cols: the order, colset: which are there).
local function add_columns(p, urlname, columns)
  for _, column in ipairs(columns) do
    if redis.call('SADD', p .. 'colset:' .. urlname, column) == 1 then
      redis.call('RPUSH', p .. 'cols:' .. urlname, column)
    end
  end
end
