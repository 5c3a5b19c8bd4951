-- wrk script for scripts/bench.sh (memory): GET the same URL, round-robin over sessions.
-- WRK_SESSIONS names a file with one Cookie header value a line (no file: no cookie).
-- Requests are formatted once in init(); request() only hands out the next one.
local reqs = {}
local n = 0
local i = 0

function init(args)
  local file = os.getenv("WRK_SESSIONS") or ""
  local fh = file ~= "" and io.open(file, "r") or nil
  if fh then
    for line in fh:lines() do
      if line ~= "" then
        table.insert(reqs, wrk.format("GET", nil, { ["Cookie"] = line }, nil))
      end
    end
    fh:close()
  end
  if #reqs == 0 then reqs = { wrk.format("GET", nil, nil, nil) } end
  n = #reqs
  i = math.random(n) - 1
end

function request()
  i = (i % n) + 1
  return reqs[i]
end
