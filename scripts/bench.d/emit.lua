-- One durable single emit per request; customers vary so no single row is hot.
local key = os.getenv("PACSPACE_KEY")
local counter = 0
request = function()
  counter = counter + 1
  local body = '{"customerId":"bench-' .. (counter % 1000) .. '","delta":1.25,"reason":"bench single"}'
  return wrk.format("POST", "/api/v1/balance/delta", {["Content-Type"] = "application/json", ["X-Api-Key"] = key}, body)
end
