-- The Lua program of the real-program benchmark: an ordinary mix of what
-- scripts do (string formatting, sorting, pattern matching, closures, table
-- building and recursion), repeated `rounds` times.
--   lua workload.lua [rounds]
local rounds = tonumber(arg[1]) or 1

local function fib(k)
  if k < 2 then return k end
  return fib(k - 1) + fib(k - 2)
end

local function words(n, seed)
  local w = {}
  for i = 1, n do
    w[i] = string.format("w%05d", (i * seed) % 10007)
  end
  return w
end

local checksum = 0
for r = 1, rounds do
  local w = words(3000, 7919 + r)
  table.sort(w, function(a, b) return a > b end)
  local s = table.concat(w, " ")
  local sum = 0
  for d in s:gmatch("w0*(%d+)") do sum = sum + tonumber(d) % 7 end
  local counts = {}
  for _, x in ipairs(w) do
    local k = x:sub(2, 3)
    counts[k] = (counts[k] or 0) + 1
  end
  local keys = {}
  for k in pairs(counts) do keys[#keys + 1] = k end
  table.sort(keys)
  checksum = (checksum + sum + #keys + fib(16) + #s:upper():gsub("W", "v")) % 1000003
end
print("checksum", checksum)
