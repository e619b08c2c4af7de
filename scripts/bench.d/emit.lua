-- One durable single emit per request; customers vary so no single row is hot.
-- PACSPACE_KEY, or PACSPACE_KEYS_FILE (one key a line, each request the next key);
-- PACSPACE_DELAY_MS, when set, is a pause each connection takes between requests (a steady rate).
local keys = {}
if os.getenv("PACSPACE_KEYS_FILE") then
  for line in io.lines(os.getenv("PACSPACE_KEYS_FILE")) do keys[#keys + 1] = line end
else
  keys[1] = os.getenv("PACSPACE_KEY")
end
local pause = tonumber(os.getenv("PACSPACE_DELAY_MS") or "")
if pause then delay = function() return pause end end
local counter = 0
request = function()
  counter = counter + 1
  local body = '{"customerId":"bench-' .. (counter % 1000) .. '","delta":1.25,"reason":"bench single"}'
  local key = keys[(counter % #keys) + 1]
  return wrk.format("POST", "/api/v1/balance/delta", {["Content-Type"] = "application/json", ["X-Api-Key"] = key}, body)
end
