-- One batch of PACSPACE_BATCH deltas per request.
local key = os.getenv("PACSPACE_KEY")
local size = tonumber(os.getenv("PACSPACE_BATCH"))
local items = {}
for i = 1, size do
  items[i] = '{"customerId":"batch-' .. (i % 500) .. '","delta":-0.5,"reason":"bench batch"}'
end
local body = '{"deltas":[' .. table.concat(items, ",") .. ']}'
request = function()
  return wrk.format("POST", "/api/v1/balance/delta/batch", {["Content-Type"] = "application/json", ["X-Api-Key"] = key}, body)
end
