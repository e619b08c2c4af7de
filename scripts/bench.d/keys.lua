-- Single emits, each with the next of many API keys (PACSPACE_KEYS_FILE, one key a line).
local keys = {}
for line in io.lines(os.getenv("PACSPACE_KEYS_FILE")) do keys[#keys + 1] = line end
local counter = 0
request = function()
  counter = counter + 1
  local key = keys[(counter % #keys) + 1]
  local body = '{"customerId":"bench-' .. (counter % 1000) .. '","delta":1.25,"reason":"bench keys"}'
  return wrk.format("POST", "/api/v1/balance/delta", {["Content-Type"] = "application/json", ["X-Api-Key"] = key}, body)
end
