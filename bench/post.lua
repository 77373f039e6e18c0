-- wrk script: send one request over and over and count answers that are not what was expected.
-- Environment: BENCH_METHOD (default POST), BENCH_BODY (the body of a POST, default "hi" as a
-- JSON string), BENCH_AUTH (an Authorization header value, optional), BENCH_HEADERS (further
-- headers, one "Name: value" a line, optional), BENCH_EXPECT (a substring every good answer
-- holds), BENCH_VARY (a header name sent with a new value, a counter, on every request:
-- no two requests alike, optional). Prints "bad_responses N" at the end, summed over wrk's threads.

local expect = os.getenv("BENCH_EXPECT") or ""
local auth = os.getenv("BENCH_AUTH")
local method = os.getenv("BENCH_METHOD") or "POST"

wrk.method = method
if method == "POST" or method == "PUT" then
  wrk.body = os.getenv("BENCH_BODY") or '"hi"'
end
wrk.headers["Content-Type"] = "application/json"
if auth and auth ~= "" then
  wrk.headers["Authorization"] = auth
end
for line in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^\n]+") do
  local name, value = string.match(line, "^([^:]+):%s*(.*)$")
  if name then
    wrk.headers[name] = value
  end
end

local vary = os.getenv("BENCH_VARY") or ""
if vary ~= "" then
  local counter = 0
  function request()
    counter = counter + 1
    wrk.headers[vary] = tostring(counter)
    return wrk.format()
  end
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
