-- Single emits at a steady rate: each connection waits PACSPACE_DELAY_MS between requests.
local key = os.getenv("PACSPACE_KEY")
local pause = tonumber(os.getenv("PACSPACE_DELAY_MS"))
local counter = 0
delay = function() return pause end
request = function()
  counter = counter + 1
  local body = '{"customerId":"steady-' .. (counter % 1000) .. '","delta":1,"reason":"steady load"}'
  return wrk.format("POST", "/api/v1/balance/delta", {["Content-Type"] = "application/json", ["X-Api-Key"] = key}, body)
end
