-- One record append per request: a machine-action-record entry whose content is about
-- PACSPACE_ENTRY_BYTES (4 KiB) canonical, over 1000 records so no one record's row is hot.
local key = os.getenv("PACSPACE_KEY")
local size = tonumber(os.getenv("PACSPACE_ENTRY_BYTES") or "4096")
local digest = string.rep("ab", 32)
local filler = string.rep("x", size - 260)
local counter = 0
request = function()
  counter = counter + 1
  local path = "/api/v1/records/machine-action-record/bench-" .. (counter % 1000) .. "/transitions"
  local body = '{"lifecycle":"recorded","content":{"title":"bench entry ' .. counter .. '","occurredAt":"2026-11-30T10:00:00Z",'
    .. '"actorId":"bench","payloads":[{"alg":"sha-256","digest":"' .. digest .. '","byteLength":"4096"}],'
    .. '"description":"' .. filler .. '"}}'
  return wrk.format("POST", path, {["Content-Type"] = "application/json", ["X-Api-Key"] = key}, body)
end
