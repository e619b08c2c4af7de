-- One encrypted record append per request, as the SDK sends it: an envelope of 4 KiB of
-- padded plaintext (4,096 bytes and the 16-byte tag, 5,483 base64url characters), over 1000
-- records so no one record's row is hot. The server checks its shape and stores it.
local key = os.getenv("PACSPACE_KEY")
local ct = string.rep("A", 5483)
local counter = 0
request = function()
  counter = counter + 1
  local path = "/api/v1/records/machine-action-record/sealed-" .. (counter % 1000) .. "/transitions"
  local body = '{"lifecycle":"recorded","referenceId":"r' .. counter .. '","recordHash":"0x' .. string.rep("ab", 32) .. '","recordHashVersion":3,'
    .. '"contentTag":"' .. string.rep("A", 43) .. '","envelope":{"v":1,"alg":"A256GCM","kid":"' .. string.rep("a", 64) .. '",'
    .. '"iv":"AAAAAAAAAAAAAAAA","ct":"' .. ct .. '"}}'
  return wrk.format("POST", path, {["Content-Type"] = "application/json", ["X-Api-Key"] = key}, body)
end
