-- wrk script: POST a JSON body and count answers that are not what was expected.
-- Environment: BENCH_BODY (the body, default "hi" as a JSON string), BENCH_AUTH (an
-- Authorization header value, optional), BENCH_EXPECT (a substring every good answer holds).
-- Prints "bad_responses N" at the end, summed over wrk's threads.

local expect = os.getenv("BENCH_EXPECT") or ""
local auth = os.getenv("BENCH_AUTH")

wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY") or '"hi"'
wrk.headers["Content-Type"] = "application/json"
if auth and auth ~= "" then
  wrk.headers["Authorization"] = auth
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad = 0
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, expect, 1, true) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("bad")
  end
  io.write(string.format("bad_responses %d\n", total))
end
