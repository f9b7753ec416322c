-- include: columns.lua
-- An article listed under more columns: each new one appended in order.
-- ARGV: prefix, urlname, then the columns.
add_columns(ARGV[1], ARGV[2], {unpack(ARGV, 3)})
return 1
